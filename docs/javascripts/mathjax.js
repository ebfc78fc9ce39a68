// MathJax reads the \( \) and \[ \] spans that pymdownx.arithmatex (generic mode) leaves in the page.
window.MathJax = {
  tex: { inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true },
  options: { ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex" },
};
document$.subscribe(() => {
  if (window.MathJax && MathJax.typesetPromise) MathJax.typesetPromise();
});
