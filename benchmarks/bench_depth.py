"""(b) How deep a graph can be: forward + backward of chains of 1e3 ... 1e6 ops.

Each framework runs ``_frameworks.chain`` (``y * 0.999`` / ``+ 0.001`` alternately on 16 float64
values, then ``sum()``) at increasing lengths, at Python's default recursion limit (1,000). The
result is whether backward completed with the right gradient; how long forward, backward and
freeing the graph (``del``, i.e. reference counting) took; how many objects were left in reference
cycles for the cyclic garbage collector; and how far the process's resident memory peaked above
where it was before the run (Linux: the peak is reset through /proc/self/clear_refs before each
depth). A RecursionError (or any other exception) is a result, not a crash of the benchmark.

Each framework runs in a child process of its own (``--worker``), so that a hard crash (a C stack
overflow while freeing a deep graph, say) or running out of memory is recorded as that
framework's result at that depth, and the frameworks do not share memory or imports. Depths run
in increasing order; after a failure the larger depths are still tried, after a crash they are
not.

    python benchmarks/bench_depth.py              # 1e3, 1e4, 1e5, 1e6 (a few minutes)
    python benchmarks/bench_depth.py --quick      # 100 and 1,000 (a few seconds)
    python benchmarks/bench_depth.py --depths 1000 100000 --only torch
"""

import argparse
import gc
import json
import math
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import _frameworks, _timing  # noqa: E402

FULL_DEPTHS = [1_000, 10_000, 100_000, 1_000_000]
QUICK_DEPTHS = [100, 1_000]
TIMEOUT_S = 600  # per framework, all depths


# ---- the child process: one framework, every depth --------------------------------------------------


def _status_mib(field):
    """A memory figure of this process from /proc/self/status (Linux), in MiB, or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # the kernel reports kB
    except OSError:
        pass
    return None


def reset_peak_rss():
    """Restart the peak-RSS count from the current RSS (Linux >= 4.0); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def run_depth(framework, depth):
    """Forward, backward and free one chain; a dict of what happened."""
    result = {"depth": depth, "recursion_limit": sys.getrecursionlimit()}
    gc.collect()
    baseline = _status_mib("VmRSS") if reset_peak_rss() else None
    try:
        start = time.perf_counter()
        state = framework.forward(depth)
        result["forward_s"] = time.perf_counter() - start
        start = time.perf_counter()
        grad = framework.backward(state)
        result["backward_s"] = time.perf_counter() - start
    except Exception as error:  # a RecursionError is the expected failure; record whatever it is
        result["status"] = type(error).__name__
        result["detail"] = str(error)[:120]
        state = None  # nothing to free beyond what the failed call left in cycles
    else:
        expected = _frameworks.expected_grad(depth)
        ok = math.isclose(grad, expected, rel_tol=1e-6)
        result["status"] = "ok" if ok else "wrong gradient"
        if not ok:
            result["detail"] = f"got {grad}, expected {expected}"
    start = time.perf_counter()
    del state  # reference counting frees an acyclic graph here ...
    result["free_s"] = time.perf_counter() - start
    result["cyclic"] = gc.collect()  # ... and the cyclic collector finds whatever is left in cycles
    if baseline is not None:
        result["graph_mib"] = _status_mib("VmHWM") - baseline
    return result


def worker(name, depths):
    """Print one JSON line when a depth starts and one with its result (read by the parent)."""
    framework = _frameworks.by_name(name)
    framework.run(10)  # first-call costs (lazy imports, caches) stay out of the timings
    for depth in depths:
        print(json.dumps({"starting": depth}), flush=True)
        print(json.dumps(run_depth(framework, depth)), flush=True)


# ---- the parent: run each framework's worker and tabulate ---------------------------------------------


def run_worker(name, depths, timeout):
    """{depth: result} for one framework, with crashes and timeouts recorded as results."""
    command = [sys.executable, __file__, "--worker", name, "--depths", *map(str, depths)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        stdout, returncode = done.stdout, done.returncode
        stderr = done.stderr
    except subprocess.TimeoutExpired as expired:
        stdout, returncode, stderr = expired.stdout or "", None, ""
        if isinstance(stdout, bytes):
            stdout = stdout.decode()
    results, running = {}, None
    for line in stdout.splitlines():
        if not line.startswith("{"):  # anything else the framework printed
            continue
        record = json.loads(line)
        if "starting" in record:
            running = record["starting"]
        else:
            results[record["depth"]] = record
            running = None
    if running is not None or (returncode not in (0, None) and not results):
        failed = running if running is not None else depths[0]
        if returncode is None:
            status, how = "timed out", f"after {timeout} s for all depths so far"
        elif returncode < 0:
            status, how = "crashed", f"process killed by {signal.Signals(-returncode).name}"
        else:
            last_line = (stderr.strip().splitlines() or ["?"])[-1]
            status, how = "crashed", f"process exited with {returncode}: {last_line}"
        results[failed] = {"depth": failed, "status": status, "detail": how}
    for depth in depths:
        results.setdefault(depth, {"depth": depth, "status": "not run", "detail": "after a crash or timeout"})
    return results


def cell(result):
    """A short summary for the overview table."""
    if result["status"] == "ok":
        return f"ok, {result['forward_s'] + result['backward_s']:.3g} s"
    return f"**{result['status']}**"


def detail_rows(frameworks, results):
    def seconds(r, key):
        return f"{r[key]:.3g}" if key in r else ""

    rows = []
    for framework in frameworks:
        for depth, r in results[framework.name].items():
            per_op = ""
            if r["status"] == "ok":
                per_op = f"{(r['forward_s'] + r['backward_s']) / depth * 1e6:.2f}"
            rows.append(
                [
                    framework.label,
                    f"{depth:,}",
                    r["status"] + (f": {r['detail']}" if r.get("detail") else ""),
                    seconds(r, "forward_s"),
                    seconds(r, "backward_s"),
                    per_op,
                    seconds(r, "free_s"),
                    f"{r['cyclic']:,}" if "cyclic" in r else "",
                    f"{r['graph_mib']:.1f}" if "graph_mib" in r else "",
                ]
            )
    headers = ["framework", "depth", "result", "forward s", "backward s", "µs/op", "free s"]
    headers += ["objects in cycles", "RSS peak MiB"]
    return _timing.markdown_table(headers, rows, align="lrlrrrrrr")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="depths 100 and 1,000 only")
    parser.add_argument("--depths", type=int, nargs="+", help=f"chain lengths (default {FULL_DEPTHS})")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="frameworks to run")
    parser.add_argument("--timeout", type=int, default=TIMEOUT_S, help="seconds per framework")
    parser.add_argument("--worker", metavar="NAME", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    depths = sorted(args.depths or (QUICK_DEPTHS if args.quick else FULL_DEPTHS))
    if args.worker:
        worker(args.worker, depths)
        return

    frameworks, skipped = _frameworks.load_all(None if args.only is None else set(args.only))
    print(f"## Depth: forward + backward of chains up to {depths[-1]:,} ops deep\n")
    print("\n".join(_timing.machine_lines(_frameworks.versions())))
    for framework, why in skipped:
        print(f"- skipped {framework.label}: {why}")
    print("- one run per depth (no repetition); each framework in a child process of its own\n")
    results = {f.name: run_worker(f.name, depths, args.timeout) for f in frameworks}

    headers = ["depth", *(f.label for f in frameworks)]
    rows = [[f"{depth:,}", *(cell(results[f.name][depth]) for f in frameworks)] for depth in depths]
    print(_timing.markdown_table(headers, rows, align="r" + "l" * len(frameworks)))
    print()
    print(detail_rows(frameworks, results))


if __name__ == "__main__":
    main()
