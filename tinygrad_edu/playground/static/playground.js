// The optimizer playground's page. It computes nothing itself: every number comes from the server's
// JSON API (tinygrad_edu's autograd and tg.optim); this file only keeps the setup (`state`), builds the
// controls, asks the API and draws with Plotly.js. The whole setup lives in the URL (#state=...), so a
// link reproduces it; #preset=NAME loads one of the lessons' presets.
"use strict";

const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const $ = (id) => document.getElementById(id);

let catalog = null;     // GET /api/catalog
let state = null;       // the setup: surface, view, start, steps, runs, sweep, logLevels
let grid = null;        // POST /api/surface: the contour's data
let results = [];       // POST /api/run: one result per run
let frame = 0;          // the animation's current step
let timer = null;       // the animation's interval
let sweepResult = null; // POST /api/sweep plus its axes

// ---- talking to the server -------------------------------------------------------------------------------

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) throw Object.assign(new Error(data.error || response.statusText), {data});
  return data;
}

function runRequest() {
  return {surface: state.surface, start: state.start, steps: state.steps,
          runs: state.runs.map((r) => ({optimizer: r.optimizer, params: r.params, schedule: r.schedule,
                                        seed: r.seed || 0}))};
}

function status(text, bad = false) {
  $("status").textContent = text;
  $("status").classList.toggle("bad", bad);
}

// ---- the setup and the URL ----------------------------------------------------------------------------

function optimizerSpec(name) { return catalog.optimizers.find((o) => o.name === name); }
function scheduleSpec(name) { return catalog.schedules.find((s) => s.name === name); }
function namedSurface(name) { return catalog.surfaces.find((s) => s.name === name); }

function defaultParams(spec) {
  const params = {};
  for (const p of spec.params) if (p.required) params[p.name] = p.value;
  return params;
}

function fromPreset(name) {
  const p = catalog.presets[name];
  const surface = typeof p.surface === "string" ? namedSurface(p.surface) : null;
  return {
    preset: name,
    surface: p.surface,
    view: p.view || {x_range: surface.x_range, y_range: surface.y_range},
    logLevels: surface ? surface.log_levels : false,
    start: p.start.slice(), steps: p.steps,
    runs: p.runs.map((r) => ({optimizer: r.optimizer, params: {...r.params}, schedule: r.schedule || null,
                             seed: r.seed || 0})),
    sweep: p.sweep ? JSON.parse(JSON.stringify(p.sweep)) : null,
  };
}

function saveToUrl() {
  const copy = {...state};
  delete copy.preset;
  history.replaceState(null, "", "#state=" + encodeURIComponent(JSON.stringify(copy)));
}

function loadFromUrl() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("state")) {
    try { return JSON.parse(hash.get("state")); } catch (e) { status("the link's state is not valid JSON", true); }
  }
  const preset = hash.get("preset");
  if (preset && catalog.presets[preset]) return fromPreset(preset);
  return fromPreset("rosenbrock");
}

// ---- controls --------------------------------------------------------------------------------------------

function formatNumber(v) {
  if (v === null || v === undefined) return "";
  if (typeof v !== "number") return String(v);
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3).replace(/\.?0+e/, "e") : String(+v.toPrecision(6));
}

function parseNumber(text) {
  const t = String(text).trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return NaN;
  return Number(t);
}

// A slider (position 0..1000) for a value in [min, max], on a log or linear scale.
function toSlider(spec, v) {
  const lo = spec.min, hi = spec.max;
  let t = spec.scale === "log" ? (Math.log(Math.max(v, lo)) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
  return Math.round(1000 * Math.min(1, Math.max(0, t)));
}
function fromSlider(spec, position, integer) {
  const t = position / 1000, lo = spec.min, hi = spec.max;
  let v = spec.scale === "log" ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo);
  return integer ? Math.round(v) : +v.toPrecision(3);
}

// One numeric control: a slider with a typed value beside it. `get`/`set` read and write the value.
function numberControl(label, spec, get, set, integer = false) {
  const row = document.createElement("div");
  row.className = "param";
  row.innerHTML = `<span class="name"></span><input type="range" min="0" max="1000" class="slider">` +
                  `<input type="text" class="value">`;
  row.querySelector(".name").textContent = label;
  row.querySelector(".name").title = label;
  const slider = row.querySelector(".slider"), box = row.querySelector(".value");
  slider.dataset.param = label;
  box.dataset.param = label;
  const show = () => {
    const v = get();
    box.value = v === null ? "" : formatNumber(v);
    if (v !== null) slider.value = toSlider(spec, v);
  };
  slider.addEventListener("input", () => { set(fromSlider(spec, +slider.value, integer)); show(); changed(); });
  box.addEventListener("change", () => {
    if (spec.kind === "optional_int" && box.value.trim() === "") { set(null); box.classList.remove("invalid"); changed(); return; }
    const v = parseNumber(box.value);
    const ok = Number.isFinite(v) && (!integer || Number.isInteger(v));
    box.classList.toggle("invalid", !ok);
    if (ok) { set(v); show(); changed(); }
  });
  show();
  return row;
}

function paramControls(specs, params, container) {
  for (const spec of specs) {
    const current = () => (spec.name in params ? params[spec.name] : spec.value);
    if (spec.kind === "bool") {
      const row = document.createElement("label");
      row.className = "param";
      row.innerHTML = `<span class="name"></span><input type="checkbox">`;
      row.querySelector(".name").textContent = spec.name;
      row.querySelector(".name").title = spec.name;
      const box = row.querySelector("input");
      box.dataset.param = spec.name;
      box.checked = !!current();
      box.addEventListener("change", () => { params[spec.name] = box.checked; changed(); });
      container.appendChild(row);
    } else if (spec.kind === "pair") {
      for (const i of [0, 1]) {
        container.appendChild(numberControl(`${spec.name}[${i}]`, spec, () => current()[i], (v) => {
          const pair = current().slice(); pair[i] = v; params[spec.name] = pair; }));
      }
    } else if (spec.kind === "list" || spec.kind === "str") {
      const row = document.createElement("label");
      row.className = "param";
      row.innerHTML = `<span class="name"></span><input type="text" class="value">`;
      row.querySelector(".name").textContent = spec.name;
      row.querySelector(".name").title = spec.name;
      const box = row.querySelector("input");
      box.dataset.param = spec.name;
      box.value = spec.kind === "list" ? current().join(", ") : current();
      box.addEventListener("change", () => {
        params[spec.name] = spec.kind === "list" ? box.value.split(",").map(parseNumber) : box.value;
        changed();
      });
      container.appendChild(row);
    } else {
      const integer = spec.kind === "int" || spec.kind === "optional_int";
      container.appendChild(numberControl(spec.name, spec, current, (v) => { params[spec.name] = v; }, integer));
    }
  }
}

function buildRuns() {
  const box = $("runs");
  box.innerHTML = "";
  state.runs.forEach((run, index) => {
    const card = document.createElement("div");
    card.className = "run";
    card.dataset.index = index;
    card.style.setProperty("--color", COLORS[index % COLORS.length]);
    card.innerHTML = `<div class="head"><select class="optimizer"></select>
      <label>schedule <select class="schedule"><option value="">none</option></select></label>
      <span class="result"></span><button class="remove" title="remove this optimizer">✕</button></div>
      <div class="params"></div><div class="params schedule-params"></div>`;
    const select = card.querySelector(".optimizer");
    for (const o of catalog.optimizers) select.add(new Option(o.name, o.name, false, o.name === run.optimizer));
    select.title = optimizerSpec(run.optimizer).doc;
    select.addEventListener("change", () => {
      run.optimizer = select.value;
      run.params = defaultParams(optimizerSpec(run.optimizer));
      buildRuns(); changed();
    });
    const schedule = card.querySelector(".schedule");
    for (const s of catalog.schedules) schedule.add(new Option(s.name, s.name, false, run.schedule && s.name === run.schedule.name));
    schedule.addEventListener("change", () => {
      run.schedule = schedule.value ? {name: schedule.value, params: defaultParams(scheduleSpec(schedule.value))} : null;
      buildRuns(); changed();
    });
    card.querySelector(".remove").addEventListener("click", () => {
      if (state.runs.length > 1) { state.runs.splice(index, 1); buildRuns(); changed(); }
    });
    const spec = optimizerSpec(run.optimizer);
    paramControls(spec.params, run.params, card.querySelector(".params"));
    if (run.optimizer === "RandomSearch") {
      paramControls([{name: "seed", kind: "int", min: 0, max: 1000, scale: "linear", value: 0}], run, card.querySelector(".params"));
    }
    if (run.schedule) paramControls(scheduleSpec(run.schedule.name).params, run.schedule.params, card.querySelector(".schedule-params"));
    box.appendChild(card);
  });
  buildSweepControls();
}

function buildSurfaceControls() {
  const select = $("surface");
  select.innerHTML = "";
  for (const s of catalog.surfaces) select.add(new Option(s.name.replace(/_/g, " "), s.name));
  select.add(new Option("your formula", "custom"));
  select.value = typeof state.surface === "string" ? state.surface : "custom";
  $("formula").value = typeof state.surface === "string" ? namedSurface(state.surface).expr : state.surface.expr;
  $("x-range").value = state.view.x_range.map(formatNumber).join(", ");
  $("y-range").value = state.view.y_range.map(formatNumber).join(", ");
  $("log-levels").checked = !!state.logLevels;
  $("start-x").value = formatNumber(state.start[0]);
  $("start-y").value = formatNumber(state.start[1]);
  $("steps").value = state.steps;
  const lesson = state.preset && catalog.presets[state.preset];
  $("lesson").hidden = !lesson;
  if (lesson) $("lesson").textContent = `${lesson.title}: ${lesson.lesson}`;
  $("preset").value = state.preset || "";
}

function numericParams(optimizer) {
  const names = [];
  for (const p of optimizerSpec(optimizer).params) {
    if (p.kind === "float" || p.kind === "int") names.push(p.name);
    if (p.kind === "pair") names.push(`${p.name}[0]`, `${p.name}[1]`);
  }
  return names;
}

// The phase map sweeps two different numeric arguments of one run's optimizer; when the setup changed
// under it (that run removed, its optimizer replaced), fall back to a run and axes that make sense.
function buildSweepControls() {
  const runSelect = $("sweep-run");
  runSelect.innerHTML = "";
  state.runs.forEach((r, i) => runSelect.add(new Option(`${i + 1}. ${r.optimizer}`, i)));
  if (!state.sweep || state.sweep.run >= state.runs.length || numericParams(state.runs[state.sweep.run].optimizer).length < 2) {
    const run = Math.max(0, state.runs.findIndex((r) => numericParams(r.optimizer).length >= 2));
    state.sweep = {run, axes: [{name: "lr", min: 1e-4, max: 1, n: 20, log: true},
                               {name: "", min: 0, max: 0.99, n: 20, log: false}]};
  }
  runSelect.value = state.sweep.run;
  const names = numericParams(state.runs[state.sweep.run].optimizer);
  const [first, second] = state.sweep.axes;
  if (!names.includes(first.name)) first.name = names.includes("lr") ? "lr" : names[0];
  if (!names.includes(second.name) || second.name === first.name) second.name = names.find((n) => n !== first.name) || "";
  $("sweep").disabled = names.length < 2;
  $("sweep-status").textContent = names.length < 2 ? "this optimizer has only one numeric argument: add one with two" : "";
  document.querySelectorAll(".axis").forEach((div) => {
    const axis = state.sweep.axes[+div.dataset.axis];
    const select = div.querySelector(".axis-name");
    select.innerHTML = "";
    for (const n of names) select.add(new Option(n, n, false, n === axis.name));
    div.querySelector(".axis-min").value = formatNumber(axis.min);
    div.querySelector(".axis-max").value = formatNumber(axis.max);
    div.querySelector(".axis-n").value = axis.n;
    div.querySelector(".axis-log").checked = axis.log;
  });
}

function readSweepControls() {
  state.sweep.run = +$("sweep-run").value;
  document.querySelectorAll(".axis").forEach((div) => {
    const axis = state.sweep.axes[+div.dataset.axis];
    axis.name = div.querySelector(".axis-name").value;
    axis.min = parseNumber(div.querySelector(".axis-min").value);
    axis.max = parseNumber(div.querySelector(".axis-max").value);
    axis.n = Math.max(1, Math.min(50, Math.round(+div.querySelector(".axis-n").value || 1)));
    axis.log = div.querySelector(".axis-log").checked;
  });
}

function axisValues(axis, optimizer) {
  const spec = optimizerSpec(optimizer).params.find((p) => p.name === axis.name);
  const whole = spec && spec.kind === "int";
  const values = [];
  for (let i = 0; i < axis.n; i++) {
    const t = axis.n === 1 ? 0 : i / (axis.n - 1);
    const v = axis.log ? Math.exp(Math.log(axis.min) + t * (Math.log(axis.max) - Math.log(axis.min))) : axis.min + t * (axis.max - axis.min);
    const value = whole ? Math.round(v) : +v.toPrecision(4);
    if (!values.includes(value)) values.push(value);  // rounding can repeat a whole number
  }
  return values;
}

// ---- drawing ---------------------------------------------------------------------------------------------

function contourZ() {
  if (!state.logLevels) return grid.z;
  // log-spaced levels: contour log10(f − min f + δ), δ a small fraction of the range
  const finite = grid.z.flat().filter((v) => v !== null && Number.isFinite(v));
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const delta = Math.max((hi - lo) * 1e-6, 1e-12);
  return grid.z.map((row) => row.map((v) => (v === null ? null : Math.log10(v - lo + delta))));
}

function drawContour() {
  const gd = $("contour");
  const traces = [{type: "contour", x: grid.x, y: grid.y, z: contourZ(), ncontours: 30, colorscale: "Viridis",
                   reversescale: false, showscale: false, contours: {coloring: "lines"}, line: {width: 1},
                   hoverinfo: "skip", name: "f"}];
  traces.push({type: "scatter", mode: "markers", x: grid.minima.map((m) => m[0]), y: grid.minima.map((m) => m[1]),
               marker: {symbol: "star", size: 14, color: "gold", line: {color: "black", width: 1}}, name: "minimum", hoverinfo: "x+y+name"});
  if (grid.saddles.length) {
    traces.push({type: "scatter", mode: "markers", x: grid.saddles.map((m) => m[0]), y: grid.saddles.map((m) => m[1]),
                 marker: {symbol: "x", size: 12, color: "black"}, name: "saddle point"});
  }
  traces.push({type: "scatter", mode: "markers", x: [state.start[0]], y: [state.start[1]], name: "start",
               marker: {size: 11, color: "white", line: {color: "black", width: 2}}});
  const firstRun = traces.length;
  results.forEach((r, i) => {
    const n = Math.min(frame, r.path.length - 1) + 1;
    const path = r.path.slice(0, n);
    traces.push({type: "scatter", mode: "lines+markers", x: path.map((p) => p[0]), y: path.map((p) => p[1]),
                 name: runLabel(i), line: {color: COLORS[i % COLORS.length], width: 2},
                 marker: {size: 3, color: COLORS[i % COLORS.length]}, meta: {run: i}});
  });
  const layout = {margin: {l: 40, r: 10, t: 10, b: 30}, showlegend: true, legend: {x: 1, xanchor: "right", y: 1, bgcolor: "rgba(255,255,255,0.8)"},
                  xaxis: {range: state.view.x_range.slice(), title: {text: "x"}}, yaxis: {range: state.view.y_range.slice(), title: {text: "y"}},
                  dragmode: false, hovermode: "closest", uirevision: JSON.stringify([state.surface, state.view])};
  Plotly.react(gd, traces, layout, {displayModeBar: false, responsive: true});
  gd.dataset.firstRun = firstRun;
}

function runLabel(i) {
  const r = state.runs[i];
  if (!r) return `run ${i + 1}`;
  const lr = r.params.lr !== undefined ? ` lr=${formatNumber(r.params.lr)}` : "";
  return `${i + 1}. ${r.optimizer}${lr}${r.schedule ? " + " + r.schedule.name : ""}`;
}

function drawCurves() {
  const panels = [["loss-plot", "loss", "f at step t"], ["gradnorm-plot", "grad_norm", "‖∇f‖"], ["lr-plot", "lr", "learning rate"]];
  for (const [id, key, title] of panels) {
    const traces = results.map((r, i) => ({type: "scatter", mode: "lines", y: r[key], x: r[key].map((_, t) => t),
                                          name: runLabel(i), line: {color: COLORS[i % COLORS.length]}}));
    const values = results.flatMap((r) => r[key]).filter((v) => v !== null);
    const log = values.length > 0 && values.every((v) => v > 0);
    const layout = {title: {text: title, font: {size: 12}, x: 0.02, y: 0.95}, showlegend: false,
                    margin: {l: 50, r: 10, t: 22, b: 24}, yaxis: {type: log ? "log" : "linear", exponentformat: "power"},
                    xaxis: {title: {text: ""}},
                    shapes: [{type: "line", x0: frame, x1: frame, yref: "paper", y0: 0, y1: 1, line: {color: "#999", dash: "dot", width: 1}}]};
    Plotly.react($(id), traces, layout, {displayModeBar: false, responsive: true});
  }
}

function maxFrame() { return Math.max(0, ...results.map((r) => r.path.length - 1)); }

function showFrame(k) {
  frame = Math.max(0, Math.min(k, maxFrame()));
  $("frame").max = maxFrame();
  $("frame").value = frame;
  $("frame-label").textContent = `step ${frame}`;
  drawContour();
  const shapes = [{type: "line", x0: frame, x1: frame, yref: "paper", y0: 0, y1: 1, line: {color: "#999", dash: "dot", width: 1}}];
  for (const id of ["loss-plot", "gradnorm-plot", "lr-plot"]) if ($(id).layout) Plotly.relayout($(id), {shapes});
  document.querySelectorAll(".run").forEach((card) => {
    const r = results[+card.dataset.index];
    if (!r) return;
    const k2 = Math.min(frame, r.path.length - 1);
    const loss = r.loss[k2];
    card.querySelector(".result").textContent = `f = ${loss === null ? "not finite" : formatNumber(loss)}` +
      (r.diverged && frame >= r.path.length - 1 ? ` — diverged after ${r.path.length - 1} steps` : "");
  });
}

function play() {
  pause();
  if (frame >= maxFrame()) frame = 0;
  const perTick = Math.max(1, Math.round(maxFrame() / 150));
  timer = setInterval(() => {
    if (frame >= maxFrame()) { pause(); return; }
    showFrame(frame + perTick);
  }, 30);
}
function pause() { if (timer) clearInterval(timer); timer = null; }

function drawPhaseMap() {
  const gd = $("phase-plot");
  if (!sweepResult) {
    Plotly.react(gd, [], {margin: {l: 10, r: 10, t: 10, b: 10}, xaxis: {visible: false}, yaxis: {visible: false},
                          annotations: [{text: "Choose two hyperparameters and press “Compute phase map”", showarrow: false,
                                         xref: "paper", yref: "paper", x: 0.5, y: 0.5}]}, {displayModeBar: false});
    return;
  }
  const {final_loss: z, rows, cols, axes} = sweepResult;
  const finite = z.flat().filter((v) => v !== null);
  const log = finite.length > 0 && finite.every((v) => v > 0);
  const shown = z.map((row) => row.map((v) => (v === null ? null : log ? Math.log10(v) : v)));
  Plotly.react(gd, [{type: "heatmap", z: shown, x: cols.map(formatNumber), y: rows.map(formatNumber), colorscale: "Viridis",
                     hoverongaps: false, colorbar: {title: {text: log ? "log₁₀ f" : "f", side: "right"}},
                     customdata: z, hovertemplate: `${axes[0].name}=%{y}<br>${axes[1].name}=%{x}<br>f=%{customdata:.4g}<extra></extra>`}],
               {margin: {l: 70, r: 10, t: 10, b: 75}, plot_bgcolor: "#bbb",
                xaxis: {title: {text: axes[1].name}, type: "category"}, yaxis: {title: {text: axes[0].name}, type: "category"}},
               {displayModeBar: false, responsive: true});
  gd.removeAllListeners && gd.removeAllListeners("plotly_click");
  gd.on("plotly_click", (event) => {
    const point = event.points[0];
    const [i, j] = point.pointIndex;
    replayCell(rows[i], cols[j]);
  });
}

function setParam(run, name, value) {
  const match = name.match(/^(\w+)\[(\d)\]$/);
  if (match) {
    const spec = optimizerSpec(run.optimizer).params.find((p) => p.name === match[1]);
    const pair = (run.params[match[1]] || spec.value).slice();
    pair[+match[2]] = value;
    run.params[match[1]] = pair;
  } else {
    run.params[name] = value;
  }
}

function replayCell(a, b) {  // the cell's run, with the sweep's number of steps (its loss is the cell's)
  const run = state.runs[sweepResult.run];
  setParam(run, sweepResult.axes[0].name, a);
  setParam(run, sweepResult.axes[1].name, b);
  state.steps = sweepResult.steps;
  $("steps").value = state.steps;
  buildRuns();
  compute(true);
}

// ---- actions ---------------------------------------------------------------------------------------------

// document.body.dataset.busy is "1" from a change until its trajectories are drawn (tests wait on it)
let computeToken = 0;
async function compute(animate) {
  saveToUrl();
  const token = ++computeToken;
  document.body.dataset.busy = "1";
  try {
    const data = await api("/api/run", runRequest());
    if (token !== computeToken) return;  // a newer request is on its way
    results = data.runs;
    const diverged = results.map((r, i) => (r.diverged ? `${i + 1}` : null)).filter(Boolean);
    status(`${results.length} run(s), ${state.steps} steps` + (diverged.length ? `; diverged: run ${diverged.join(", ")}` : ""));
    drawCurves();
    if (animate) { showFrame(0); play(); } else { pause(); showFrame(maxFrame()); }
  } catch (error) {
    if (token === computeToken) status(error.message, true);
  }
  if (token === computeToken) document.body.dataset.busy = "0";
}

let changeTimer = null;
function changed() {  // a control changed: recompute soon (sliders fire many events) and show the end
  document.body.dataset.busy = "1";
  clearTimeout(changeTimer);
  changeTimer = setTimeout(() => compute(false), 120);
}

async function loadSurface() {
  const x = $("x-range").value.split(",").map(parseNumber), y = $("y-range").value.split(",").map(parseNumber);
  $("formula-error").hidden = true;
  try {
    grid = await api("/api/surface", {surface: state.surface, x_range: x, y_range: y, n: 120});
    state.view = {x_range: x, y_range: y};
    return true;
  } catch (error) {
    const box = $("formula-error");
    box.hidden = false;
    const position = error.data && error.data.position;
    box.textContent = position === undefined ? error.message
      : `${$("formula").value}\n${" ".repeat(position)}^ ${error.message}`;
    return false;
  }
}

async function sweep() {
  readSweepControls();
  saveToUrl();
  const run = state.runs[state.sweep.run];
  const axes = state.sweep.axes;
  const rows = axisValues(axes[0], run.optimizer), cols = axisValues(axes[1], run.optimizer);
  const cells = rows.length * cols.length;
  const steps = Math.max(1, Math.min(state.steps, catalog.limits.sweep_steps, Math.floor(catalog.limits.sweep_work / cells)));
  const params = {...run.params};
  for (const axis of axes) delete params[axis.name];
  $("sweep-status").textContent = "computing…";
  const began = performance.now();
  try {
    const data = await api("/api/sweep", {surface: state.surface, start: state.start, steps, optimizer: run.optimizer, params,
                                          axes: [{name: axes[0].name, values: rows}, {name: axes[1].name, values: cols}]});
    sweepResult = {...data, rows, cols, steps, axes: axes.map((a) => ({...a})), run: state.sweep.run};
    $("sweep-status").textContent = `final loss after ${steps} steps: ${cells} runs in ${((performance.now() - began) / 1000).toFixed(2)} s`;
    drawPhaseMap();
  } catch (error) {
    $("sweep-status").textContent = error.message;
  }
}

function wire() {
  for (const name of Object.keys(catalog.presets)) $("preset").add(new Option(catalog.presets[name].title, name));
  $("preset").addEventListener("change", async () => {
    if (!$("preset").value) return;
    state = fromPreset($("preset").value);
    await restart(true);
  });
  $("surface").addEventListener("change", async () => {
    const name = $("surface").value;
    if (name === "custom") {
      state.surface = {expr: $("formula").value};
    } else {
      const s = namedSurface(name);
      state.surface = name;
      state.view = {x_range: s.x_range, y_range: s.y_range};
      state.logLevels = s.log_levels;
    }
    state.preset = null;
    await restart(false);
  });
  $("formula").addEventListener("change", async () => {
    state.surface = {expr: $("formula").value};
    state.preset = null;
    await restart(false);
  });
  for (const id of ["x-range", "y-range"]) $(id).addEventListener("change", async () => { if (await loadSurface()) { drawContour(); saveToUrl(); } });
  $("log-levels").addEventListener("change", () => { state.logLevels = $("log-levels").checked; drawContour(); saveToUrl(); });
  for (const id of ["start-x", "start-y"]) {
    $(id).addEventListener("change", () => {
      const v = parseNumber($(id).value);
      if (Number.isFinite(v)) { state.start[id === "start-x" ? 0 : 1] = v; compute(true); }
    });
  }
  $("steps").addEventListener("change", () => {
    const n = Math.round(+$("steps").value);
    if (n >= 1 && n <= catalog.limits.steps) { state.steps = n; compute(false); }
  });
  $("run").addEventListener("click", () => compute(true));
  $("play").addEventListener("click", play);
  $("pause").addEventListener("click", pause);
  $("reset").addEventListener("click", () => { pause(); showFrame(0); });
  $("step").addEventListener("click", () => { pause(); showFrame(frame + 1); });
  $("end").addEventListener("click", () => { pause(); showFrame(maxFrame()); });
  $("frame").addEventListener("input", () => { pause(); showFrame(+$("frame").value); });
  $("add-run").addEventListener("click", () => {
    if (state.runs.length >= catalog.limits.runs) return;
    state.runs.push({optimizer: "Adam", params: {lr: 0.01}, schedule: null, seed: 0});
    buildRuns(); compute(false);
  });
  $("sweep").addEventListener("click", sweep);
  $("sweep-run").addEventListener("change", () => { state.sweep.run = +$("sweep-run").value; buildSweepControls(); });
  // a click on the contour plot sets the start point (pixel → data through Plotly's axes)
  $("contour").addEventListener("click", (event) => {
    const gd = $("contour"), area = gd.querySelector(".nsewdrag");
    if (!area) return;
    const box = area.getBoundingClientRect();
    if (event.clientX < box.left || event.clientX > box.right || event.clientY < box.top || event.clientY > box.bottom) return;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    state.start = [+xa.p2l(event.clientX - box.left).toPrecision(4), +ya.p2l(event.clientY - box.top).toPrecision(4)];
    $("start-x").value = formatNumber(state.start[0]);
    $("start-y").value = formatNumber(state.start[1]);
    compute(true);
  });
  $("share").addEventListener("click", async () => {
    saveToUrl();
    try { await navigator.clipboard.writeText(location.href); status("link copied: it reproduces this setup"); }
    catch (e) { status(`link: ${location.href}`); }
  });
  $("copy-python").addEventListener("click", async () => {
    try {
      const {script} = await api("/api/script", runRequest());
      $("script").value = script;
      $("script-dialog").showModal();
      try { await navigator.clipboard.writeText(script); $("script-note").textContent = "Copied to the clipboard: a script that reproduces these runs with tg.optim."; }
      catch (e) { $("script-note").textContent = "A script that reproduces these runs with tg.optim (select it and copy):"; }
    } catch (error) { status(error.message, true); }
  });
}

async function restart(animate) {
  document.body.dataset.busy = "1";
  pause();
  sweepResult = null;
  buildSurfaceControls();
  buildRuns();
  drawPhaseMap();
  if (await loadSurface()) { results = []; drawContour(); await compute(animate); }
  else document.body.dataset.busy = "0";
}

async function main() {
  catalog = await api("/api/catalog");
  state = loadFromUrl();
  wire();
  window.addEventListener("hashchange", async () => {
    const hash = new URLSearchParams(location.hash.slice(1));
    if (hash.get("preset")) { state = loadFromUrl(); await restart(true); }
  });
  await restart(true);
  document.body.dataset.ready = "1";
}

// read-only handles for the browser test and the curious (open the console: playground.results)
window.playground = {get state() { return state; }, get results() { return results; }, get frame() { return frame; },
                     get sweep() { return sweepResult; }};
main().catch((error) => status(`could not start: ${error.message}`, true));
