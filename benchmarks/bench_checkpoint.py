"""(e) Checkpoint loading under attack: peak memory of hostile files, and outcomes of corrupted ones.

Part 1 builds the three "amplification" files of issue 14 and loads each in a fresh subprocess,
reporting the peak memory of the load (``tracemalloc``, and the growth of the peak resident set
size) next to the largest legitimate array in the file (1 MiB):

- whitespace: structure.json padded with 600 MB of spaces, deflated into a 0.6 MB file;
- zeros: a 2 GB array of zeros, deflated into a 2 MB file;
- references: one 8 MB array that the structure names 1,000 times (8 GB if copied each time).

Part 2 corrupts copies of a real checkpoint (a model, an Adam state, a tensor, numbers) at random:
flipped bits, overwritten byte runs, truncations, appended garbage. Each load must give identical
data or raise ``ValueError("load: ...")``; the table counts each outcome (the last two columns must
be 0).

    python benchmarks/bench_checkpoint.py           # full sizes, 4,000 corrupted files (about a minute)
    python benchmarks/bench_checkpoint.py --quick   # 1/100 of the sizes, 200 files (a few seconds)
"""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tinygrad_edu as tg  # noqa: E402

MB = 10**6
HEADER = {"format": "tinygrad_edu.checkpoint", "version": 1}
LEGITIMATE = np.ones(2**17)  # 1 MiB of float64: the largest legitimate array of each hostile file


def npy_header(shape, dtype):
    """The bytes of a .npy header for an array of ``shape`` and ``dtype``."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def write_npy(archive, name, array):
    with archive.open(name, "w", force_zip64=True) as member:
        np.lib.format.write_array(member, array, allow_pickle=False)


def items(*nodes):
    return {"kind": "list", "items": list(nodes)}


def array_node(key):
    return {"kind": "ndarray", "key": key}


def whitespace_file(path, size):
    """structure.json followed by ``size`` bytes of spaces, deflated; the array stored."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo("structure.json")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(json.dumps({**HEADER, "root": items(array_node("0.npy"))}).encode())
            for _ in range(size // MB):
                member.write(b" " * MB)
        write_npy(archive, "0.npy", LEGITIMATE)
    return path


def zeros_file(path, size):
    """A legitimate array (stored) and a ``size``-byte array of zeros (deflated)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(
            "structure.json", json.dumps({**HEADER, "root": items(array_node("0.npy"), array_node("1.npy"))})
        )
        write_npy(archive, "0.npy", LEGITIMATE)
        count = size // 8
        info = zipfile.ZipInfo("1.npy")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(npy_header((count,), np.float64))
            for _ in range(size // MB):
                member.write(bytes(MB))
    return path


def references_file(path, size, count=1000):
    """One ``size``-byte array, named ``count`` times by the structure (stored, as tg.save writes)."""
    node = {"kind": "tensor", "key": "0.npy", "device": "cpu", "requires_grad": False}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("structure.json", json.dumps({**HEADER, "root": items(*[node] * count)}))
        write_npy(archive, "0.npy", np.ones(size // 8))
    return path


MEASURE = """
import resource, sys, tracemalloc
import tinygrad_edu as tg
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
try:
    tg.load(sys.argv[1])
    outcome = "loaded"
except ValueError as error:
    outcome = "refused: " + str(error).split("(", 1)[-1][:70]
peak = tracemalloc.get_traced_memory()[1]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak, before * 1024, after * 1024, outcome, sep="\\t")
"""


def measure(path):
    """(tracemalloc peak, peak RSS before and after, outcome) of loading ``path`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=600,
        check=True,
    )
    peak, before, after, outcome = done.stdout.strip().split("\t")
    return int(peak), int(before), int(after), outcome


def amplification_table(directory, scale):
    files = [
        (
            "whitespace (600 MB deflated)",
            whitespace_file(directory / "whitespace.npz", 600 * MB // scale),
            LEGITIMATE,
        ),
        ("zeros (2 GB deflated)", zeros_file(directory / "zeros.npz", 2000 * MB // scale), LEGITIMATE),
        (
            "8 MB array x 1,000 references",
            references_file(directory / "refs.npz", 8 * MB // scale),
            8 * MB // scale,
        ),
    ]
    print("Goal: the peak memory of a load stays under 2x the largest legitimate array in the file.\n")
    print(
        "| file | size on disk | largest legitimate array | peak (tracemalloc) "
        "| peak RSS: after import / after load | outcome |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, path, legitimate in files:
        peak, before, after, outcome = measure(path)
        nbytes = getattr(legitimate, "nbytes", legitimate)
        print(
            f"| {name} | {path.stat().st_size / MB:.2f} MB | {nbytes / MB:.2f} MB | {peak / MB:.2f} MB "
            f"| {before / MB:.0f} / {after / MB:.0f} MB | {outcome} |"
        )


def real_checkpoint(path):
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(8, 16), tg.nn.ReLU(), tg.nn.Linear(16, 2))
    optimizer = tg.optim.Adam(model.parameters())
    model(tg.randn(4, 8)).sum().backward()
    optimizer.step()
    tg.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "epoch": 7,
            "w": tg.tensor([1.0, 2.0], requires_grad=True),
        },
        path,
    )
    return path.read_bytes()


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, tg.Tensor):
        return a.requires_grad == b.requires_grad and same(a.detach().numpy(), b.detach().numpy())
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a == b


def corrupt(data, rng):
    """One random corruption of ``data``."""
    damaged = bytearray(data)
    kind = rng.choice(["flip", "overwrite", "truncate", "append"])
    if kind == "flip":
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    elif kind == "overwrite":
        start = rng.randrange(len(damaged))
        damaged[start : start + rng.randint(1, 64)] = bytes(
            rng.randrange(256) for _ in range(rng.randint(1, 64))
        )
    elif kind == "truncate":
        del damaged[rng.randrange(len(damaged)) :]
    else:
        damaged += bytes(rng.randrange(256) for _ in range(rng.randint(1, 256)))
    return kind, bytes(damaged)


def corruption_table(directory, count):
    path = directory / "real.npz"
    data = real_checkpoint(path)
    expected = tg.load(path)
    rng = random.Random(14)
    outcomes = {}
    damaged_path = directory / "damaged.npz"
    for _ in range(count):
        kind, damaged = corrupt(data, rng)
        damaged_path.write_bytes(damaged)
        try:
            loaded = tg.load(damaged_path)
            outcome = "identical" if same(loaded, expected) else "SILENTLY DIFFERENT"
        except ValueError as error:
            outcome = "load: error" if str(error).startswith("load:") else f"other ValueError: {error}"
        except Exception as error:
            outcome = f"raw {type(error).__name__}"
        outcomes.setdefault(kind, {}).setdefault(outcome, 0)
        outcomes[kind][outcome] = outcomes[kind].get(outcome, 0) + 1
    columns = ["identical", "load: error", "raw exception", "silently different"]
    print(f"\n{count} corrupted copies of a {len(data):,}-byte checkpoint:\n")
    print("| corruption | files | " + " | ".join(columns) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in columns) + " |")
    for kind, counts in sorted(outcomes.items()):
        raw = sum(n for outcome, n in counts.items() if outcome.startswith(("raw", "other")))
        row = [
            counts.get("identical", 0),
            counts.get("load: error", 0),
            raw,
            counts.get("SILENTLY DIFFERENT", 0),
        ]
        print(f"| {kind} | {sum(counts.values())} | " + " | ".join(str(n) for n in row) + " |")
    bad = {k: v for k, v in outcomes.items() if any(o.startswith(("raw", "other", "SILENT")) for o in v)}
    if bad:
        raise SystemExit(f"unexpected outcomes: {bad}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1/100 of the sizes and 200 corrupted files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        amplification_table(directory, 100 if args.quick else 1)
        corruption_table(directory, 200 if args.quick else 4000)


if __name__ == "__main__":
    main()
