"""The command line: ``python -m tinygrad_edu {demo,lab,selfcheck,exercises,info,playground}`` (or
``tinygrad-edu ...``).

- ``demo``: train a small MLP on scikit-learn's 8x8 digits, print the test accuracy, save plots.
- ``lab NAME``: run one of the tutorials in ``examples/`` (``lab`` alone lists them); ``--notebook``
  writes it as a Jupyter notebook instead.
- ``selfcheck``: every op of the registry on one seeded example: forward against NumPy, gradcheck,
  gradgradcheck; exit code 1 if any fails.
- ``exercises``: the workbook (``start DIR``, ``check DIR [NAME ...]``); without an action, list it.
- ``info``: versions, backends and devices.
- ``playground``: the optimizer playground, a local web page (``--port``, ``--no-browser``, ``--preset``).
"""

import argparse
import functools
import importlib.metadata
import importlib.util
import json
import os
import platform
import sys
import warnings

import tinygrad_edu as tg
from tinygrad_edu import backend
from tinygrad_edu.nn import functional as F

DEMO_EXTRA = 'pip install scikit-learn matplotlib tqdm  (from a checkout: pip install ".[demo]")'
DESCRIPTION = (
    "A from-scratch autodiff framework with PyTorch's API: a demo, the lab's tutorials, the optimizer "
    "playground, the exercises workbook, self-checks."
)


class MissingDependency(RuntimeError):
    """An optional package a subcommand needs is not installed."""


def _require(*modules):
    """Raise ``MissingDependency`` naming the pip command when any of ``modules`` is absent."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise MissingDependency(f"this needs {', '.join(missing)}: install it with  {DEMO_EXTRA}")


# ---- demo ---------------------------------------------------------------------------------------


def _mlp():
    """64 pixels -> 128 hidden units -> 10 digit classes."""
    return tg.nn.Sequential(tg.nn.Linear(64, 128), tg.nn.ReLU(), tg.nn.Linear(128, 10))


def _save_plots(history, out_dir):
    """Write loss.png (train and test loss) and accuracy.png (test accuracy) into ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    epochs = range(1, len(history["train_loss"]) + 1)
    paths = []
    for name, curves in [("loss", ["train_loss", "val_loss"]), ("accuracy", ["val_accuracy"])]:
        figure, axes = plt.subplots(figsize=(5, 3.5))
        for curve in curves:
            label = curve.replace("val_", "test ").replace("_", " ")
            axes.plot(epochs, history[curve], marker="o", label=label)
        axes.set(xlabel="epoch", ylabel=name, title=f"digits MLP: {name}")
        axes.legend()
        figure.tight_layout()
        path = os.path.join(out_dir, f"{name}.png")
        figure.savefig(path, dpi=100)
        plt.close(figure)
        paths.append(path)
    return paths


def demo(args):
    """Train a 64-128-10 MLP on the digits with ``tg.train.fit`` and report its test accuracy."""
    _require("sklearn", "matplotlib")
    from tinygrad_edu import data, train

    tg.manual_seed(args.seed)
    x_train, y_train, x_test, y_test = data.datasets.load_digits(seed=args.seed)
    train_loader = data.DataLoader(
        data.TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True, seed=args.seed
    )
    test_loader = data.DataLoader(data.TensorDataset(x_test, y_test), batch_size=512)
    model = _mlp()
    optimizer = tg.optim.Adam(model.parameters(), lr=args.lr)
    print(f"digits: {len(x_train)} training and {len(x_test)} test images; model: {model}", flush=True)
    history = train.fit(
        model,
        F.cross_entropy,
        optimizer,
        train_loader,
        epochs=args.epochs,
        val_loader=test_loader,
        progress=not args.no_progress,
    )
    for epoch, (loss, accuracy) in enumerate(zip(history["train_loss"], history["val_accuracy"]), 1):
        print(f"epoch {epoch:2d}  train loss {loss:.4f}  test accuracy {accuracy:.4f}")
    paths = _save_plots(history, args.out)
    print(f"test accuracy: {history['val_accuracy'][-1]:.2f}")
    print(f"plots written to {os.path.abspath(args.out)} ({', '.join(os.path.basename(p) for p in paths)})")
    return 0


# ---- lab ----------------------------------------------------------------------------------------


def lab(args):
    """Run the tutorial ``args.name`` (its number or part of its name); without a name, list them all."""
    from tinygrad_edu.viz import lab as tutorials

    try:
        if args.name is not None:
            path = tutorials.tutorial_path(args.name)
        else:
            found = tutorials.find_tutorials()
    except (FileNotFoundError, ValueError) as error:  # no checkout, or an unknown name: say which exist
        print(error, file=sys.stderr)
        return 1
    if args.name is None and args.notebook:
        print(
            "tinygrad-edu lab --notebook: which tutorial? give its number or part of its name",
            file=sys.stderr,
        )
        return 1
    if args.name is None:
        for number, tutorial in found.items():
            title = tutorials.tutorial_title(tutorial)[0].split(": ", 1)[-1]
            print(f"{number}  {tutorial.stem:<36} {title}")
        return 0
    if args.notebook:  # a name is needed: checked above
        return _write_notebook(path, args.out)
    _require("matplotlib")
    print(f"running {path}" + (" (quick mode)" if args.quick else ""), flush=True)
    saver = tutorials.run_tutorial(path, quick=args.quick, figures=args.out).get("save")
    if isinstance(saver, tutorials.FigureSaver) and saver.paths:
        print(f"{len(saver.paths)} figure(s) in {os.path.abspath(saver.directory)}")
    return 0


def _write_notebook(path, destination):
    """Write the tutorial as ``<destination or .>/<name>.ipynb`` and say how to open it."""
    from tinygrad_edu.viz import lab as tutorials

    if importlib.util.find_spec("jupytext") is None:
        raise MissingDependency(f"a notebook needs jupytext: install it with  {tutorials.NOTEBOOK_EXTRA}")
    target = tutorials.write_notebook(path, destination)
    print(f"wrote {target}: open it with  jupyter lab {target}  (quick mode: set TINYGRAD_EDU_QUICK=1)")
    return 0


# ---- selfcheck ----------------------------------------------------------------------------------

TOLERANCES = {"atol": 1e-5, "rtol": 1e-3}  # gradcheck's, as in tests/ops


def _entries():
    """The op registry (``tinygrad_edu.testing.registry``): every differentiable op, enrolled once."""
    from tinygrad_edu.testing.registry import REGISTRY

    return REGISTRY


def _forward_ok(entry, case):
    """The forward value against the entry's NumPy reference (``OpEntry.check_forward`` raises if not)."""
    entry.check_forward(case)
    return True


def _gradients_ok(check, entry, case):
    """``tg.gradcheck`` or ``tg.gradgradcheck`` of the entry on ``case``, as tests/ops runs them."""
    with warnings.catch_warnings():  # float32 entries (casts) are checked with a wide step on purpose
        warnings.filterwarnings("ignore", message="gradcheck: input .* not float64")
        return check(
            lambda *ts: entry(case, ts),
            entry.tensors(case),
            eps=entry.eps,
            raise_exception=False,
            **TOLERANCES,
        )


def _check(check, entry, case):
    """True/False from one check; an error in the op counts as False (and is printed)."""
    try:
        return check(entry, case)
    except Exception as error:  # report any failure in the table instead of crashing
        first_line = next((line for line in str(error).splitlines() if line.strip()), "")
        print(f"  ({entry.name}: {type(error).__name__}: {first_line.strip()})")
        return False


def selfcheck(args):
    """Every op of the registry on one example drawn with ``--seed``: its forward against a NumPy
    reference, gradcheck, and gradgradcheck where twice differentiable; print a table; 1 if any fails."""
    entries = _entries()
    width = max(len(entry.name) for entry in entries)
    print(f"{'op':<{width}}  forward  gradcheck  gradgradcheck   (device {tg.get_default_device()})")
    failures = 0
    for entry in entries:
        case = entry.example(args.seed)
        results = [
            _check(_forward_ok, entry, case),
            _check(functools.partial(_gradients_ok, tg.gradcheck), entry, case),
            _check(functools.partial(_gradients_ok, tg.gradgradcheck), entry, case)
            if entry.twice_differentiable
            else None,  # not checked: printed as "-"
        ]
        failures += sum(result is False for result in results)
        forward, first, second = ("-" if r is None else "ok" if r else "FAIL" for r in results)
        print(f"{entry.name:<{width}}  {forward:<7}  {first:<9}  {second}")
    summary = f"{failures} check(s) FAILED" if failures else "all forwards and gradients check out"
    print(f"{len(entries)} ops: {summary}")
    return 1 if failures else 0


# ---- exercises ------------------------------------------------------------------------------------


def exercises(args):
    """List the workbook, write it (``start``), or grade it (``check``): exit 0 only if all pass."""
    from tinygrad_edu import exercises as workbook

    if args.action is None:
        part = None
        for exercise in workbook.EXERCISES:
            if exercise.part != part:
                part = exercise.part
                print(part)
            print(f"  {exercise.number:2d}  {exercise.name:<19} {exercise.title}")
        print(
            "start:  tinygrad-edu exercises start DIR    check:  tinygrad-edu exercises check DIR [NAME ...]"
        )
        return 0
    if args.action == "start":
        try:
            paths = workbook.start(args.dir, solutions=args.solutions)
        except FileExistsError as error:
            print(f"tinygrad-edu exercises start: {error}", file=sys.stderr)
            return 1
        kind = "solved exercises" if args.solutions else "exercises"
        first, last = (os.path.basename(p) for p in (paths[0], paths[-1]))
        print(f"wrote {len(paths)} {kind} to {args.dir}/ ({first} ... {last})")
        print(
            f"next: open {os.path.join(args.dir, first)}, then run  tinygrad-edu exercises check {args.dir}"
        )
        return 0
    try:
        results = workbook.check(args.dir, args.names)
    except (FileNotFoundError, ValueError) as error:
        print(f"tinygrad-edu exercises check: {error}", file=sys.stderr)
        return 2
    passed = sum(r.status == workbook.PASSED for r in results)
    if args.json:
        print(
            json.dumps(
                {"passed": passed, "total": len(results), "results": [r.as_dict() for r in results]}, indent=2
            )
        )
    else:
        _print_results(results)
        print(f"{passed}/{len(results)} passed")
    return 0 if passed == len(results) else 1


def _print_results(results):
    """A table (number, exercise, status, first line of the message), then the full messages of failures."""
    width = max(len(r.exercise.name) for r in results)
    for r in results:
        status = r.status.upper() if r.status == "failed" else r.status
        summary = r.summary if len(r.summary) <= 90 else r.summary[:87] + "..."
        print(f"{r.exercise.number:2d}  {r.exercise.name:<{width}}  {status:<11}  {summary}".rstrip())
    for r in results:
        if r.status == "failed":
            print(f"\n{r.exercise.filename}: {r.message}")
    print()


# ---- info ---------------------------------------------------------------------------------------


def info(args):
    """Print versions, backends and devices."""
    print(f"tinygrad_edu {tg.__version__}")
    print(f"Python {platform.python_version()} ({sys.executable})")
    print(f"NumPy {importlib.metadata.version('numpy')}")
    print("devices:")
    print("  cpu   available (NumPy)")
    try:
        backend.get_backend("cuda")
        print("  cuda  available (CuPy)")
    except RuntimeError as why:
        print(f"  cuda  not available: {why}")
    print(f"default device: {tg.get_default_device()}")
    _distributed_info()
    return 0


def _distributed_info():
    """The MPI side: mpi4py, and under mpiexec the MPI library and how "cuda" tensors travel."""
    dist = tg.distributed
    if not dist.is_available():
        print('distributed: mpi4py not installed (pip install "tinygrad_edu[mpi]")')
        return
    if not dist.is_mpi_launched():
        print(
            f"distributed: mpi4py {dist.info()['mpi4py']}; MPI starts under a launcher "
            "(mpiexec -n 2 tinygrad-edu info shows the library and how cuda tensors travel)"
        )
        return
    if not dist.is_initialized():
        dist.init_process_group()
    if dist.get_rank() == 0:
        described = dist.info()
        library, ranks = described["mpi_library"], dist.get_world_size()
        print(f"distributed: {library} (mpi4py {described['mpi4py']}), {ranks} ranks")
        print(f"  cuda tensors: {described['cuda_tensors']}")


# ---- playground ---------------------------------------------------------------------------------


def playground(args):
    """Serve the optimizer playground on 127.0.0.1 until Ctrl+C; open it in the browser unless told not to."""
    from tinygrad_edu.playground import presets, server

    if server.plotly_path() is None:
        raise MissingDependency(
            'the page draws with Plotly: install it with  pip install "tinygrad_edu[playground]"'
        )
    if args.preset is not None and args.preset not in presets.PRESETS:
        print(f"unknown preset {args.preset!r}; known: {', '.join(presets.PRESETS)}", file=sys.stderr)
        return 1
    try:
        httpd = server.PlaygroundServer(args.port)
    except OSError as error:
        print(f"tinygrad-edu playground: cannot listen on 127.0.0.1:{args.port}: {error}", file=sys.stderr)
        return 1
    url = httpd.url + (f"#preset={args.preset}" if args.preset else "")
    print(f"optimizer playground at {url}  (Ctrl+C stops it)", flush=True)
    if not args.no_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        httpd.server_close()
    return 0


# ---- entry point --------------------------------------------------------------------------------


def build_parser():
    """The argparse parser with its subcommands."""
    parser = argparse.ArgumentParser(prog="tinygrad-edu", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {tg.__version__}")
    names = "{demo,lab,selfcheck,exercises,info,playground}"
    commands = parser.add_subparsers(dest="command", required=True, metavar=names)

    demo_parser = commands.add_parser(
        "demo",
        help="train an MLP on the 8x8 digits and plot its curves",
        description="Train a 64-128-10 MLP on scikit-learn's 8x8 digits with Adam, print the test accuracy "
        "and write loss.png and accuracy.png into the --out folder (./tinygrad_edu_demo).",
    )
    demo_parser.add_argument("--epochs", type=int, default=10, help="passes over the training set (10)")
    demo_parser.add_argument("--lr", type=float, default=3e-3, help="Adam's learning rate (3e-3)")
    demo_parser.add_argument("--batch-size", type=int, default=32, help="examples per step (32)")
    demo_parser.add_argument("--seed", type=int, default=0, help="seed of the split, init and shuffling (0)")
    demo_parser.add_argument(
        "--out",
        default="./tinygrad_edu_demo",
        help="folder for loss.png and accuracy.png (./tinygrad_edu_demo)",
    )
    demo_parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo_parser.set_defaults(run=demo)

    lab_parser = commands.add_parser(
        "lab",
        help="run a tutorial from examples/ (no name: list them)",
        description="Run a tutorial of examples/ (without a name: list them). Its figures go to "
        "lab_figures/<tutorial>/ (a quick run: lab_figures/<tutorial>/quick/).",
    )
    lab_parser.add_argument("name", nargs="?", help="its number or part of its name")
    lab_parser.add_argument("--quick", action="store_true", help="the small, fast version")
    lab_parser.add_argument(
        "--out", default=None, help="folder for the figures (./lab_figures), or for the notebook (.)"
    )
    lab_parser.add_argument(
        "--notebook", action="store_true", help="write the tutorial as <name>.ipynb instead of running it"
    )
    lab_parser.set_defaults(run=lab)

    check_parser = commands.add_parser(
        "selfcheck", help="check every op's forward (against NumPy), gradcheck and gradgradcheck"
    )
    check_parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs (0)")
    check_parser.set_defaults(run=selfcheck)

    exercises_parser = commands.add_parser(
        "exercises", help="the workbook: write the framework yourself, graded by gradient checks"
    )
    actions = exercises_parser.add_subparsers(dest="action", metavar="{start,check}")
    start_parser = actions.add_parser("start", help="write one file per exercise into DIR (never overwrites)")
    start_parser.add_argument("dir", help="the folder for the workbook (created if needed)")
    start_parser.add_argument(
        "--solutions", action="store_true", help="write the solved workbook (for teachers)"
    )
    grade_parser = actions.add_parser("check", help="grade the exercises in DIR; exit 0 only if all pass")
    grade_parser.add_argument("dir", help="the workbook's folder")
    grade_parser.add_argument("names", nargs="*", help="exercises to check, by name or number (default: all)")
    grade_parser.add_argument(
        "--json", action="store_true", help="machine-readable results (for autograders)"
    )
    exercises_parser.set_defaults(run=exercises)

    info_parser = commands.add_parser("info", help="versions, backends and devices")
    info_parser.set_defaults(run=info)

    play_parser = commands.add_parser("playground", help="the optimizer playground: a local web page")
    play_parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free one)")
    play_parser.add_argument("--no-browser", action="store_true", help="only print the address")
    play_parser.add_argument("--preset", default=None, help="open a lesson's setup (ravine, rosenbrock, ...)")
    play_parser.set_defaults(run=playground)
    return parser


def main(argv=None):
    """Parse ``argv`` (default: the command line), run the subcommand, return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for flag, value in (
        ("--epochs", getattr(args, "epochs", 1)),
        ("--batch-size", getattr(args, "batch_size", 1)),
    ):
        if value < 1:
            parser.error(f"{flag} must be at least 1, got {value}")
    try:
        return args.run(args)
    except MissingDependency as error:
        print(f"tinygrad-edu {args.command}: {error}", file=sys.stderr)
        return 1
