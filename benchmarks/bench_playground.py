"""(g) The optimizer playground's API: how long the page waits for trajectories and for a phase map.

Targets (issue 17): ``/api/run`` with 4 optimizers × 500 steps under 0.2 s, and a 20 × 20 ``/api/sweep`` of
200 steps each under 2 s, on a 2-core machine. Each request is timed twice: through HTTP (a real
``POST`` to the threaded server on 127.0.0.1, JSON both ways) and as a direct call of the handler.

For scale, the sweep is also compared with what it replaces: 400 separate ``tg.optim`` loops, one per
cell (timed on 20 of them and multiplied by 20), and with the sweep along two arguments that cannot
share an optimizer (momentum × dampening: one optimizer per cell, the shared gradient only).

The machine's cores may be shared with other work: the load average is printed, and each handler's
CPU time (``time.process_time``) beside its wall time, which is what an idle core would take.

    python benchmarks/bench_playground.py          # 7 timed runs of each (about a minute)
    python benchmarks/bench_playground.py --quick  # 2 timed runs, fewer baseline loops (seconds)
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from _timing import machine_lines, markdown_table, measure

import tinygrad_edu as tg
from tinygrad_edu.playground import api, server

RUN = {
    "surface": "rosenbrock",
    "start": [-1.2, 1.0],
    "steps": 500,
    "runs": [
        {"optimizer": "GD", "params": {"lr": 0.001}},
        {"optimizer": "SGD", "params": {"lr": 0.001, "momentum": 0.9}},
        {"optimizer": "Adam", "params": {"lr": 0.05}},
        {"optimizer": "RMSprop", "params": {"lr": 0.01}},
    ],
}
LRS = [round(1e-4 * 1.3**i, 8) for i in range(20)]
MOMENTA = [round(0.05 * i, 2) for i in range(20)]
SWEEP = {
    "surface": "rosenbrock",
    "start": [-1.2, 1.0],
    "steps": 200,
    "optimizer": "SGD",
    "axes": [{"name": "lr", "values": LRS}, {"name": "momentum", "values": MOMENTA}],
}
SWEEP_UNBATCHED = {
    **SWEEP,
    "params": {"lr": 0.001},
    "axes": [{"name": "momentum", "values": MOMENTA}, {"name": "dampening", "values": MOMENTA}],
}


def post(address, path, body):
    connection = http.client.HTTPConnection(*address, timeout=120)
    connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    assert response.status == 200, payload[:200]
    return payload


def plain_loop(lr, momentum, steps=200):
    """One phase-map cell the slow way: its own parameter, optimizer and backward passes."""
    p = tg.tensor([-1.2, 1.0], dtype=tg.float64, requires_grad=True)
    opt = tg.optim.SGD([p], lr=lr, momentum=momentum)
    with np.errstate(all="ignore"):  # some cells diverge, as in the sweep
        for _ in range(steps):
            opt.zero_grad()
            loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
            loss.backward()
            opt.step()


def cpu_seconds(fn):
    """The CPU time of one call (this process): what the wall time would be on an otherwise idle core."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 timed runs and 4 baseline loops")
    args = parser.parse_args()
    repeat = 2 if args.quick else 7
    baseline_cells = 4 if args.quick else 20
    unbatched = SWEEP_UNBATCHED
    if args.quick:  # a 5 × 5 grid for the slow row: the smoke test only needs it to run
        unbatched = {
            **SWEEP_UNBATCHED,
            "axes": [{**a, "values": a["values"][:5]} for a in SWEEP_UNBATCHED["axes"]],
        }

    load_before = ", ".join(f"{v:.1f}" for v in os.getloadavg())  # other processes share the cores
    httpd = server.start_in_thread(0)
    address = httpd.server_address
    rows = []
    cases = [
        ("`/api/run`: 4 optimizers × 500 steps", "/api/run", api.run, RUN, 0.2),
        ("`/api/sweep`: 20 × 20 cells × 200 steps (lr × momentum)", "/api/sweep", api.sweep, SWEEP, 2.0),
        (
            "`/api/sweep`: 20 × 20 × 200, momentum × dampening (no batching)"
            + (" [5 × 5]" if args.quick else ""),
            "/api/sweep",
            api.sweep,
            unbatched,
            None,
        ),
    ]
    try:
        for label, path, handler, body, target in cases:
            over_http = measure(lambda p=path, b=body: post(address, p, b), repeat=repeat)
            direct = measure(lambda h=handler, b=body: h(b), repeat=repeat)
            cpu = statistics.median(cpu_seconds(lambda h=handler, b=body: h(b)) for _ in range(repeat))
            rows.append(
                [
                    label,
                    f"{over_http.median:.3f} (best {over_http.best:.3f})",
                    f"{direct.median:.3f}",
                    f"{cpu:.3f}",
                    f"{target:g} s" if target else "—",
                ]
            )
    finally:
        httpd.shutdown()
        httpd.server_close()
    start = time.perf_counter()
    for i in range(baseline_cells):
        plain_loop(LRS[i % 20], MOMENTA[(i * 7) % 20])
    per_cell = (time.perf_counter() - start) / baseline_cells
    rows.append(
        [
            f"400 separate `tg.optim` loops of 200 steps (from {baseline_cells} timed)",
            f"{400 * per_cell:.2f}",
            "—",
            "—",
            "—",
        ]
    )
    print("## Optimizer playground API\n")
    print("\n".join(machine_lines()))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"- {repeat} timed runs per row; median seconds")
    print(f"- load average (1, 5, 15 min) before and after: {load_before} / {load}\n")
    headers = ["request", "over HTTP, s", "handler only, s", "handler's CPU time, s", "target"]
    print(markdown_table(headers, rows))


if __name__ == "__main__":
    main()
