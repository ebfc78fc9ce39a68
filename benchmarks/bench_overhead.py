"""(a) Per-op framework overhead on tiny tensors: forward + backward of a chain of elementwise ops.

Every framework runs ``_frameworks.chain``: from a fresh leaf of 16 float64 values,
``y = y * 0.999`` then ``y = y + 0.001``, alternately, 2,000 ops in all (each op a separate graph
node), then ``y.sum()`` and ``backward()``. The time of one whole forward + backward divided by
2,000 is the time per op. NumPy's own work on 16 values is a fraction of a microsecond, so this
measures what each framework adds per op: building the node, dispatching, the backward loop.

micrograd works on one Python-float ``Value`` (scalars, not arrays) and its recursive topological
sort cannot go 1,000 deep at the default recursion limit, so it runs a 500-op chain.

The frameworks are timed in interleaved rounds (one run of each, repeated), so slow drifts of a
noisy machine hit all of them alike; the table gives the median and best of the rounds.

    python benchmarks/bench_overhead.py            # the full run (about a minute)
    python benchmarks/bench_overhead.py --quick    # a tiny version, a few seconds
    python benchmarks/bench_overhead.py --profile  # also profile tinygrad_edu (cProfile)
    python benchmarks/bench_overhead.py --gc-off   # time with the garbage collector disabled
"""

import argparse
import cProfile
import functools
import gc
import math
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _frameworks, _timing  # noqa: E402

PEER_BAR = "below every NumPy-based peer (HIPS autograd, DeZero, MyGrad)"
TORCH_BAR = 1.5  # at most 1.5 x PyTorch CPU's time per op


def chain_length(framework, n_ops):
    """The chain a framework runs: ``n_ops``, or less where its recursion limits it."""
    return n_ops if framework.max_chain is None else min(n_ops, framework.max_chain)


def check(framework, n_ops):
    """Raise if the framework's gradient is wrong (so we never time a broken run)."""
    got, want = framework.run(n_ops), _frameworks.expected_grad(n_ops)
    if not math.isclose(got, want, rel_tol=1e-9):
        raise AssertionError(f"{framework.label}: d loss/d x = {got}, expected {want}")


def time_per_op(frameworks, n_ops, repeat, warmup):
    """{name: Stats of seconds per op}, timed in interleaved rounds."""
    for framework in frameworks:
        check(framework, chain_length(framework, n_ops))
        for _ in range(warmup):
            framework.run(chain_length(framework, n_ops))
    per_op = {framework.name: [] for framework in frameworks}
    for _ in range(repeat):
        for framework in frameworks:
            n = chain_length(framework, n_ops)
            per_op[framework.name].append(_timing.time_once(functools.partial(framework.run, n)) / n)
    return {name: _timing.summarize(times) for name, times in per_op.items()}


def results_table(frameworks, stats, n_ops):
    tape = stats.get("tape")
    torch = stats.get("torch")
    rows = []
    for framework in frameworks:
        s = stats[framework.name]
        rows.append(
            [
                framework.label,
                f"{chain_length(framework, n_ops):,}" + (" (scalars)" if framework.scalar else ""),
                f"{s.median * 1e6:.2f}",
                f"{s.best * 1e6:.2f}",
                f"{s.spread * 100:.0f}%",
                f"{s.median / tape.median:.2f}x" if tape else "n/a",
                f"{s.median / torch.median:.2f}x" if torch else "n/a",
            ]
        )
    headers = ["framework", "ops in chain", "median µs/op", "best µs/op", "IQR/median", "× tape", "× PyTorch"]
    return _timing.markdown_table(headers, rows)


def bar_lines(frameworks, stats, skipped):
    """The issue's two bars, each stated as met or missed."""
    ours = stats["tinygrad_edu"].median
    lines = []
    peers = [f for f in frameworks if f.numpy_based and f.name not in ("tape", "tinygrad_edu")]
    absent = [f.label for f, _ in skipped if f.numpy_based]
    not_measured = f"; not measured: {', '.join(absent)}" if absent else ""
    if peers:
        beaten = [f"{f.label} {stats[f.name].median / ours:.2f}x ours" for f in peers]
        missed = [f.label for f in peers if stats[f.name].median <= ours]
        verdict = "MISSED (not below " + ", ".join(missed) + ")" if missed else "met"
        lines.append(f"- Bar 1, ours {PEER_BAR}: **{verdict}** ({'; '.join(beaten)}{not_measured}).")
    else:
        lines.append(f"- Bar 1, ours {PEER_BAR}: not checked, no NumPy-based peer is installed.")
    if "torch" in stats:
        ratio = ours / stats["torch"].median
        verdict = "met" if ratio <= TORCH_BAR else "MISSED"
        lines.append(
            f"- Bar 2, ours at most {TORCH_BAR}x PyTorch CPU per op: **{verdict}** "
            f"(ours is {ratio:.2f}x PyTorch)."
        )
    else:
        lines.append(f"- Bar 2, ours at most {TORCH_BAR}x PyTorch CPU per op: not checked (no torch).")
    return lines


def profile_ours(n_ops, runs, top):
    """cProfile tinygrad_edu on the same chain; the top functions by own time, per op.

    The garbage collector is off while profiling: a collection runs inside whichever function
    happened to allocate the object that triggered it, and cProfile would charge it to that one.
    """
    ours = _frameworks.TinygradEdu()
    ours.run(n_ops)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        ours.run(n_ops)
    profiler.disable()
    if was_enabled:
        gc.enable()
    stats = pstats.Stats(profiler)
    total_ops = n_ops * runs
    rows = []
    entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # by tottime
    for (filename, line, function), (_cc, calls, tottime, cumtime, _callers) in entries[:top]:
        where = Path(filename)
        where = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where.name
        rows.append(
            [
                f"`{function}` ({where}:{line})",
                f"{calls / total_ops:.2f}",
                f"{tottime / total_ops * 1e6:.2f}",
                f"{cumtime / total_ops * 1e6:.2f}",
            ]
        )
    headers = ["function", "calls per op", "own µs/op", "cumulative µs/op"]
    total = stats.total_tt / total_ops * 1e6
    return [
        f"### cProfile of tinygrad_edu: {runs} runs of the {n_ops:,}-op chain "
        f"({total:.1f} µs/op under the profiler, which inflates every Python call; gc off)",
        "",
        _timing.markdown_table(headers, rows),
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny run (a few seconds)")
    parser.add_argument("--ops", type=int, help="ops in the chain (default 2000; 200 with --quick)")
    parser.add_argument("--repeat", type=int, help="timed rounds (default 30; 3 with --quick)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each framework first")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="frameworks to run (tape and ours always)")
    parser.add_argument("--profile", action="store_true", help="also cProfile tinygrad_edu")
    parser.add_argument("--gc-off", action="store_true", help="disable the garbage collector while timing")
    args = parser.parse_args(argv)
    if args.gc_off:
        gc.disable()  # for the whole run: the machine lines below report it
    n_ops = args.ops or (200 if args.quick else 2000)
    repeat = args.repeat or (3 if args.quick else 30)
    warmup = 1 if args.quick else args.warmup
    names = None if args.only is None else {"tape", "tinygrad_edu", *args.only}

    frameworks, skipped = _frameworks.load_all(names)
    print(f"## Per-op overhead: chain of {n_ops:,} elementwise ops, forward + backward\n")
    print(
        f"Chain: `y = y * 0.999` / `y = y + 0.001` alternately, {n_ops:,} ops on "
        f"{_frameworks.SIZE} float64 values, then `sum()` and `backward()`; {repeat} interleaved "
        f"rounds after {warmup} warm-up run(s); time per op = whole forward + backward / ops.\n"
    )
    print("\n".join(_timing.machine_lines(_frameworks.versions())))
    for framework, why in skipped:
        print(f"- skipped {framework.label}: {why}")
    print()
    stats = time_per_op(frameworks, n_ops, repeat, warmup)
    print(results_table(frameworks, stats, n_ops))
    print()
    print("\n".join(bar_lines(frameworks, stats, skipped)))
    if args.profile:
        print()
        print("\n".join(profile_ours(n_ops, runs=3 if args.quick else 20, top=20)))


if __name__ == "__main__":
    main()
