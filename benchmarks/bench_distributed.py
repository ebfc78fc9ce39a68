"""(h) Data parallelism on MPI: all-reduce bandwidth and DDP step time.

Two measurements, each a real MPI job started by this script (``mpiexec -n K python
bench_distributed.py --worker ...``); the jobs print JSON lines that this script turns into tables.

1. **All-reduce bandwidth**, 1 MB … 64 MB float32 buffers on 2 and 4 ranks: ``tg.distributed.all_reduce``
   on a Tensor against mpi4py's own ``comm.Allreduce(MPI.IN_PLACE, array)`` on the NumPy array that the
   Tensor wraps (the same memory, so only our wrapper differs): the floor it sits on. Alternating
   rounds (who goes first alternates too), a barrier before each call; per size the median and the best
   round, each the slowest rank's. The bar: ours ≤ 1.1× mpi4py's time. Bandwidth is the buffer size
   over the time ("algorithm bandwidth"), so it is comparable across rank counts.
2. **DDP step time** of a 784-1024-1024-10 MLP (1.9 M parameters, float32), batch 64 per rank, at 1, 2 and
   4 processes, against the same step without DDP in one process; the communication share is
   ``DistributedDataParallel.communication_seconds`` over the step time.

Every rank runs with one BLAS thread (``OMP_NUM_THREADS=1``), as MPI jobs on clusters do.

    python benchmarks/bench_distributed.py            # about a minute
    python benchmarks/bench_distributed.py --quick    # a few seconds
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from benchmarks._timing import machine_lines, markdown_table  # noqa: E402

MB = 2**20


# ---- the workers (run inside the MPI jobs) ------------------------------------------------------------


def worker_allreduce(sizes, quick):
    """Median seconds of ours and mpi4py's all-reduce for each buffer size (bytes); rank 0 prints JSON
    lines. Small buffers get more rounds (up to 100; 3 with ``quick``)."""
    import numpy as np
    from mpi4py import MPI

    import tinygrad_edu as tg
    import tinygrad_edu.distributed as dist

    dist.init_process_group()
    comm = MPI.COMM_WORLD
    for size in sizes:
        rounds = 3 if quick else max(8, min(100, 128 * MB // max(size, MB)))
        if comm.size == 1:  # one rank: MPI returns at once, so the time is the call's fixed cost
            rounds = 30 if quick else 3000
        array = np.ones(size // 4, dtype=np.float32)
        tensor = tg.from_numpy(array)  # the same memory: only the wrapper differs
        timings = {"ours": [], "mpi4py": []}
        calls = {
            "ours": lambda: dist.all_reduce(tensor),
            "mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, array, op=MPI.SUM),
        }
        for i in range(2 * rounds + 2):  # alternate who goes first; the first round of each warms up
            name = ("ours", "mpi4py")[i % 2 if (i // 2) % 2 == 0 else 1 - i % 2]
            comm.Barrier()
            start = time.perf_counter()
            calls[name]()
            timings[name].append(time.perf_counter() - start)
            array[:] = 1.0  # keep the values finite: sums of ones
        ours, theirs = timings["ours"], timings["mpi4py"]
        # every rank's median, then the slowest rank's (a collective ends when its last rank does)
        best_ours = comm.allreduce(min(ours[1:]), op=MPI.MAX)
        best_theirs = comm.allreduce(min(theirs[1:]), op=MPI.MAX)
        ours = comm.allreduce(statistics.median(ours[1:]), op=MPI.MAX)
        theirs = comm.allreduce(statistics.median(theirs[1:]), op=MPI.MAX)
        if comm.rank == 0:
            result = {"size": size, "ranks": comm.size, "rounds": rounds, "ours": ours, "mpi4py": theirs}
            result.update(best_ours=best_ours, best_mpi4py=best_theirs)
            print(json.dumps(result))


def worker_ddp(steps, width, batch, plain):
    """Median seconds of one training step (with DDP, or ``plain`` without) and its communication."""
    from mpi4py import MPI

    import tinygrad_edu as tg
    import tinygrad_edu.distributed as dist
    from tinygrad_edu import nn
    from tinygrad_edu.nn import functional as F

    dist.init_process_group()
    tg.manual_seed(dist.get_rank())
    x, y = tg.randn(batch, 784), tg.randint(0, 10, (batch,))
    model = nn.Sequential(
        nn.Linear(784, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10)
    )
    if not plain:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    times, communication = [], []
    for _ in range(steps + 2):  # two warm-up steps
        before = getattr(model, "communication_seconds", 0.0)
        start = time.perf_counter()
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        times.append(time.perf_counter() - start)
        communication.append(getattr(model, "communication_seconds", 0.0) - before)
    comm = MPI.COMM_WORLD
    step = comm.allreduce(statistics.median(times[2:]), op=MPI.MAX)
    talk = comm.allreduce(statistics.median(communication[2:]), op=MPI.MAX)
    if comm.rank == 0:
        parameters = sum(p.numel() for p in model.parameters())
        print(
            json.dumps({"ranks": comm.size, "plain": plain, "step": step, "comm": talk, "params": parameters})
        )


# ---- the launcher -------------------------------------------------------------------------------------


def mpiexec():
    return shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")


def run_job(ranks, *args):
    """Start ``ranks`` copies of this script as workers; return the JSON lines rank 0 printed."""
    command = [mpiexec(), "-n", str(ranks), sys.executable, os.path.abspath(__file__), "--worker", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and few rounds (a smoke test)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "allreduce":
            worker_allreduce([int(s) for s in rest[1:]], quick=rest[0] == "quick")
        else:
            worker_ddp(int(rest[0]), int(rest[1]), int(rest[2]), plain=rest[3] == "plain")
        return
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        print('mpi4py is not installed: pip install ".[mpi]"  (nothing measured)')
        return
    if mpiexec() is None:
        print("no mpiexec found (nothing measured)")
        return

    sizes = [8, MB, 4 * MB] if args.quick else [8, MB, 4 * MB, 16 * MB, 64 * MB]
    print("## All-reduce: tg.distributed.all_reduce vs mpi4py's Allreduce (float32, in place)\n")
    rows = []
    quick = "quick" if args.quick else "full"
    jobs = [(1, [8]), (2, sizes), (4, sizes)]  # one rank: the fixed cost of a call, nothing sent
    for ranks, job_sizes in jobs:
        for result in run_job(ranks, "allreduce", quick, *map(str, job_sizes)):
            ours, theirs, size = result["ours"], result["mpi4py"], result["size"]
            rows.append(
                [
                    ranks,
                    f"{size // MB} MB" if size >= MB else f"{size} B",
                    result["rounds"],
                    f"{theirs * 1e3:.3f} ms",
                    f"{ours * 1e3:.3f} ms",
                    f"{size / theirs / 1e9:.2f} GB/s",
                    f"{size / ours / 1e9:.2f} GB/s",
                    f"{(ours - theirs) * 1e6:+.0f} µs",
                    f"{ours / theirs:.2f}x",
                    f"{result['best_ours'] / result['best_mpi4py']:.2f}x",
                ]
            )
    headers = [
        "ranks",
        "buffer",
        "rounds",
        "mpi4py",
        "ours",
        "mpi4py GB/s",
        "our GB/s",
        "ours − mpi4py",
        "ratio (medians)",
        "ratio (best)",
    ]
    print(markdown_table(headers, rows, align="rlrrrrrrrr"))

    steps, width, batch = (3, 256, 32) if args.quick else (20, 1024, 64)
    print(f"\n## DDP training step: 784-{width}-{width}-10 MLP, batch {batch} per rank, SGD with momentum\n")
    plain = run_job(1, "ddp", str(steps), str(width), str(batch), "plain")[0]
    rows = [["1, no DDP", f"{plain['step'] * 1e3:.1f} ms", "", "1.00x", f"{batch / plain['step']:.0f}"]]
    for ranks in (1, 2, 4):
        result = run_job(ranks, "ddp", str(steps), str(width), str(batch), "ddp")[0]
        step, talk = result["step"], result["comm"]
        rows.append(
            [
                f"{ranks}, DDP",
                f"{step * 1e3:.1f} ms",
                f"{talk * 1e3:.1f} ms ({talk / step:.0%})",
                f"{step / plain['step']:.2f}x",
                f"{ranks * batch / step:.0f}",
            ]
        )
    headers = [
        "processes",
        "step",
        "of which gradient all-reduce",
        "step / one process",
        "samples/s (all ranks)",
    ]
    print(markdown_table(headers, rows, align="lrrrr"))
    print(f"\n{plain['params']:,} parameters: a {plain['params'] * 4 / MB:.1f} MB float32 gradient per step")
    print("\n" + "\n".join(machine_lines(extra_packages=("mpi4py", "mpich"))))


if __name__ == "__main__":
    main()
