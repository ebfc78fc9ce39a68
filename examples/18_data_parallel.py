"""Tutorial 18: Data parallelism

N workers that each take a batch of B samples and average their gradients take exactly the steps of one
worker with batches of N·B, so data-parallel training is the course's mini-batch gradient descent spread
over processes; what it buys in time depends on how the work of a step compares with the cost of the average.

Run:  pip install ".[mpi]"   then   mpiexec -n 4 python examples/18_data_parallel.py [--quick]
      (or  python examples/18_data_parallel.py  or  tinygrad-edu lab 18: a world of one process)
"""

# %%
import os
import time

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.distributed as dist
from tinygrad_edu import nn, viz
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn.parallel import DistributedDataParallel

QUICK = viz.quick_mode()  # --quick or TINYGRAD_EDU_QUICK=1: smaller runs, same figures
save = viz.FigureSaver("18_data_parallel")  # PNGs go to lab_figures/18_data_parallel/ (rank 0 draws)

STARTED_HERE = not dist.is_initialized()
if STARTED_HERE:
    dist.init_process_group()  # under mpiexec: this process's place in the job; without it: a world of one
RANK, WORLD = dist.get_rank(), dist.get_world_size()


def say(*args, **kwargs):
    """print on rank 0 only (every rank runs this same script)."""
    if RANK == 0:
        print(*args, **kwargs)


say(f"{WORLD} process(es); MPI: {dist.info()['mpi_library'] or 'not started (no launcher)'}")

# %% [markdown]
# ## One script, N processes
#
# `mpiexec -n 4 python examples/18_data_parallel.py` starts four copies of this script. They are the same
# program; they differ only in `dist.get_rank()`, 0 to 3. *Data parallelism* gives each copy (each *rank*)
# the whole model and a different part of every batch:
#
# 1. every rank starts from the same weights;
# 2. every rank computes the gradient of the mean loss over its own B samples;
# 3. the ranks average their gradients (an *all-reduce*: every rank sends its gradient and receives the mean);
# 4. every rank takes the same optimizer step, so the copies stay identical.
#
# Why step 3 is the whole trick: the loss of a batch is a mean, and a mean of N means of B values each is the
# mean of all N·B values. With g_r the gradient of rank r's mean loss,
#
#   (1/N)·Σ_r g_r = (1/N)·Σ_r (1/B)·Σ_{i in rank r's batch} ∇ℓ_i = (1/(N·B))·Σ_{all N·B samples} ∇ℓ_i,
#
# the gradient of one batch of N·B samples. So N workers with batches of B take *exactly* the steps of
# one worker with batches of N·B: mini-batch gradient descent (tutorial 9) with a bigger batch, computed in
# N places. Nothing about the optimizer changes: momentum, Adam's moments, clipping and the learning-rate
# schedule all see the same gradient on every rank.
#
# First, the claim checked in one process: four "workers" simulated one after the other, against one worker
# with four times the batch. Everything is in float64, so the two runs agree to float rounding, about 1e-16
# relative.

# %%
N_SIM, B = 4, 8  # simulated workers, batch per worker
STEPS = 12 if QUICK else 40


def make_data(n, seed=0):
    """A regression task: y = sin(x·w) for 8 input features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8))
    y = np.sin(x @ rng.normal(size=8) / 3)[:, None]
    return tg.tensor(x), tg.tensor(y)


def make_model():
    """The same small network, from the same seed, in float64."""
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)).double()


x, y = make_data(N_SIM * B * STEPS)
dataset = tg.data.TensorDataset(x, y)


def make_optimizer(model):
    optimizer = tg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return optimizer, tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS)


def full_loss(model):
    with tg.no_grad():
        return F.mse_loss(model(x), y).item()


def batches(sampler, batch_size):
    """The index batches of one epoch of ``sampler`` (DataLoader(dataset, sampler=...) does the same)."""
    order = tg.tensor(list(sampler))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def one_worker(batch_size, steps):
    """One process, batches of ``batch_size``: the reference. Returns losses and parameter snapshots."""
    model = make_model()
    optimizer, scheduler = make_optimizer(model)
    sampler = tg.data.DistributedSampler(dataset, num_replicas=1, rank=0, seed=1)
    losses, snapshots = [full_loss(model)], []
    for index in batches(sampler, batch_size)[:steps]:
        optimizer.zero_grad()
        F.mse_loss(model(x[index]), y[index]).backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        losses.append(full_loss(model))
        snapshots.append(tg.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy())
    return np.array(losses), np.array(snapshots)


def simulated_workers(n_workers, batch_size, steps):
    """``n_workers`` workers with batches of ``batch_size``, one after the other in this process. Their
    models are identical copies at every step, so one model stands for all of them: each worker's gradient
    is computed on its own batch, and the mean of the gradients is what every copy steps with."""
    model = make_model()
    optimizer, scheduler = make_optimizer(model)
    samplers = [tg.data.DistributedSampler(dataset, n_workers, rank=r, seed=1) for r in range(n_workers)]
    worker_batches = [batches(s, batch_size) for s in samplers]
    losses, snapshots = [full_loss(model)], []
    for step in range(steps):
        mean_grad = None
        for r in range(n_workers):  # worker r: forward and backward on its own batch
            model.zero_grad()
            index = worker_batches[r][step]
            F.mse_loss(model(x[index]), y[index]).backward()
            grads = [p.grad / n_workers for p in model.parameters()]
            mean_grad = grads if mean_grad is None else [m + g for m, g in zip(mean_grad, grads)]
        for p, g in zip(model.parameters(), mean_grad):  # the all-reduce: every worker gets the mean
            p.grad = g
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        losses.append(full_loss(model))
        snapshots.append(tg.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy())
    return np.array(losses), np.array(snapshots)


big_losses, big_params = one_worker(N_SIM * B, STEPS)
sim_losses, sim_params = simulated_workers(N_SIM, B, STEPS)
sim_gap = np.abs(sim_params - big_params).max(axis=1)
say(f"{N_SIM} simulated workers (B = {B}) vs one worker (B = {N_SIM * B}), {STEPS} SGD steps with momentum,")
say(f"  clipping and a cosine schedule: largest parameter difference {sim_gap.max():.1e}")
assert sim_gap.max() < 1e-12, f"the simulated workers left the big-batch path: {sim_gap.max():.2e}"
assert big_losses[-1] < 0.7 * big_losses[0], "the network should learn"

# %% [markdown]
# The equality needs every worker to average over *the same number* of samples. A mean of means equals the
# overall mean only when the groups are equal in size: two workers with 3 and 5 samples would weight the
# 3 samples more than the 5. That is why `tg.data.DistributedSampler` gives every rank the same number of
# indices — it pads the shuffled order by repeating its start (or cuts the tail with `drop_last=True`) —
# and why the batches here divide the dataset evenly.

# %%
values = np.arange(8.0)
mean_of_means = (values[:3].mean() + values[3:].mean()) / 2
say(f"mean of 0..7 = {values.mean()}, mean of the means of [0..2] and [3..7] = {mean_of_means}")
assert mean_of_means != values.mean()
sampler_demo = [list(tg.data.DistributedSampler(range(10), 4, rank=r, shuffle=False)) for r in range(4)]
say(f"10 samples on 4 ranks: {sampler_demo} (padded to 12 with samples 0 and 1)")
assert {len(part) for part in sampler_demo} == {3}

# %% [markdown]
# ## The real thing: `DistributedDataParallel` on MPI
#
# Now every rank of this job runs the same training loop, PyTorch's data-parallel recipe line for line:
#
# ```python
# dist.init_process_group()                            # backend="mpi"
# model = DistributedDataParallel(make_model())        # rank 0's weights, copied to every rank
# sampler = tg.data.DistributedSampler(dataset)        # this rank's share of every epoch
# for xb, yb in batches_of(sampler):                   # B samples per rank
#     loss = F.mse_loss(model(xb), yb)
#     loss.backward()                                  # ... and .grad is the mean over the ranks
#     optimizer.step()
# ```
#
# `DistributedDataParallel` hooks into the backward pass: when it is over, it packs all gradients into one
# flat buffer, sums it across the ranks with one MPI all-reduce, and divides by the number of ranks — one
# message, not one per parameter, because every message pays a fixed latency. Each rank then checks that it
# ended exactly where one worker with batches of WORLD·B ends (computed locally as the reference), and that
# all ranks hold the same parameters. In a world of one process both checks hold trivially: run it with
# `mpiexec -n 4` to see them hold across processes.

# %%
model = DistributedDataParallel(make_model())
optimizer, scheduler = make_optimizer(model)
sampler = tg.data.DistributedSampler(dataset, seed=1)  # num_replicas and rank from the process group
ddp_losses, ddp_params = [full_loss(model)], []
for index in batches(sampler, B)[:STEPS]:
    optimizer.zero_grad()
    F.mse_loss(model(x[index]), y[index]).backward()  # the average over the ranks happens here
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    scheduler.step()
    ddp_losses.append(full_loss(model))
    ddp_params.append(tg.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy())
ddp_losses, ddp_params = np.array(ddp_losses), np.array(ddp_params)

ref_losses, ref_params = one_worker(WORLD * B, STEPS)  # one worker, batches of WORLD·B: every rank checks
ddp_gap = np.abs(ddp_params - ref_params).max(axis=1)
flat = tg.tensor(ddp_params[-1])
copies = [tg.zeros_like(flat) for _ in range(WORLD)]
dist.all_gather(copies, flat)  # every rank's final parameters, on every rank
spread = max(np.abs(c.numpy() - ddp_params[-1]).max() for c in copies)
say(f"{WORLD} rank(s) with B = {B} vs one worker with B = {WORLD * B}: ", end="")
say(f"largest difference {ddp_gap.max():.1e};")
say(f"  largest difference between the ranks' parameters: {spread:.1e}")
assert ddp_gap.max() < 1e-12, f"rank {RANK}: DDP left the big-batch path by {ddp_gap.max():.2e}"
assert spread == 0.0, f"rank {RANK}: the ranks' parameters differ by {spread:.2e}"

# %%
if RANK == 0:
    fig, (ax_loss, ax_gap) = viz.subplots(1, 2, figsize=(12, 4.2))
    steps = np.arange(STEPS + 1)
    ax_loss.plot(steps, big_losses, lw=5, alpha=0.35, color="C0", label=f"one worker, B = {N_SIM * B}")
    ax_loss.plot(steps, sim_losses, "--", color="C1", label=f"{N_SIM} simulated workers, B = {B} each")
    ax_loss.plot(
        steps, ddp_losses, ":", lw=2.5, color="C3", label=f"DDP on {WORLD} MPI rank(s), B = {B} each"
    )
    ax_loss.set(xlabel="optimizer step", ylabel="loss on the whole data set", yscale="log")
    ax_loss.set_title("The same steps: one path, three ways to compute it")
    ax_loss.legend()
    floor = 1e-18  # exact zeros cannot be drawn on a log scale
    ax_gap.semilogy(np.arange(1, STEPS + 1), np.maximum(sim_gap, floor), "o-", color="C1", label="simulated")
    ax_gap.semilogy(
        np.arange(1, STEPS + 1), np.maximum(ddp_gap, floor), "s-", color="C3", label=f"DDP, {WORLD}"
    )
    ax_gap.axhline(np.finfo(np.float64).eps, color="0.5", ls=":", label="float64 machine epsilon")
    ax_gap.set(xlabel="optimizer step", ylabel="max |θ − θ_one worker|", ylim=(floor / 2, 1e-6))
    ax_gap.set_title("Distance from the one-worker run: float rounding")
    ax_gap.legend()
    save(fig, "same_steps")

# %% [markdown]
# ## What it buys in time
#
# The point of spreading the work is time: with N ranks an epoch is N times fewer steps per rank, each on a
# batch of B. What it costs is the all-reduce after every backward pass, which moves the whole gradient
# (every parameter, in float32: 4 bytes each) between the processes. So data parallelism pays off when a
# step's computation is large compared with the gradient's size — wide layers, large per-rank batches.
#
# The measurement: a 256 → 1024 → 1024 → 10 network (≈1.3 M parameters: a 5 MB gradient), batches of 64 per
# rank, one epoch of 4,096 samples, with 1, 2 and 4 processes as far as this job has ranks. The ranks
# that a measurement leaves out wait in `dist.barrier()`, which sleeps while it waits, so they do not steal
# processor time. `DistributedDataParallel.communication_seconds` clocks the gradient averaging; the rest
# of each epoch is computation (forward, backward, optimizer).

# %%
WIDTH, SAMPLES, BATCH = (256, 512, 64) if QUICK else (1024, 4096, 64)
rng = np.random.default_rng(0)
bx = tg.tensor(rng.normal(size=(SAMPLES, 256)).astype(np.float32))
by = tg.tensor(rng.integers(0, 10, size=SAMPLES))
bench_set = tg.data.TensorDataset(bx, by)


def time_one_epoch(group):
    """One epoch of DDP training on the ranks of ``group``; returns (seconds, communication seconds)."""
    tg.manual_seed(0)
    net = nn.Sequential(
        nn.Linear(256, WIDTH), nn.ReLU(), nn.Linear(WIDTH, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 10)
    )
    net = DistributedDataParallel(net, process_group=group)
    opt = tg.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    share = tg.data.DistributedSampler(
        bench_set, num_replicas=dist.get_world_size(group), rank=dist.get_rank(group), seed=0
    )
    order = batches(share, BATCH)

    def step(index):
        opt.zero_grad()
        F.cross_entropy(net(bx[index]), by[index]).backward()
        opt.step()

    step(order[0])  # warm up (first-touch memory, caches)
    net.communication_seconds = 0.0
    dist.barrier(group)
    start = time.perf_counter()
    for index in order:
        step(index)
    dist.barrier(group)
    return time.perf_counter() - start, net.communication_seconds


sizes = [k for k in (1, 2, 4) if k <= WORLD]
timings = {}
for k in sizes:
    group = dist.new_group(range(k))  # ranks 0..k-1 train; the others wait at the barrier below
    if group is not dist.GroupMember.NON_GROUP_MEMBER:
        seconds, communication = time_one_epoch(group)
        timings[k] = (seconds, communication)
    dist.barrier()
everyone = [None] * WORLD
dist.all_gather_object(everyone, timings)
timings = everyone[0]  # rank 0 took part in every measurement
threads = os.environ.get("OMP_NUM_THREADS", "the library's default")
say(f"\none epoch of {SAMPLES} samples, batches of {BATCH} per rank, {WIDTH}-wide layers, ", end="")
say(f"{threads} BLAS threads:")
say(f"{'processes':>10} {'s/epoch':>8} {'speed-up':>9} {'communication':>14}")
for k, (seconds, communication) in timings.items():
    say(f"{k:>10} {seconds:8.2f} {timings[1][0] / seconds:8.2f}x {communication / seconds:13.0%}")
say(f"cores on this machine: {os.cpu_count()}")
assert all(seconds > 0 and 0 <= communication < seconds for seconds, communication in timings.values())

# %%
if RANK == 0:
    fig, (ax_time, ax_speed) = viz.subplots(1, 2, figsize=(12, 4.2))
    ks = list(timings)
    compute = [timings[k][0] - timings[k][1] for k in ks]
    communicate = [timings[k][1] for k in ks]
    labels = [str(k) for k in ks]
    ax_time.bar(labels, compute, color="C0", label="computation")
    ax_time.bar(labels, communicate, bottom=compute, color="C3", label="gradient all-reduce")
    ax_time.set(
        xlabel="processes", ylabel="seconds per epoch", title="Time per epoch, split by what it is spent on"
    )
    ax_time.legend()
    ax_speed.plot(ks, [timings[1][0] / timings[k][0] for k in ks], "o-", color="C0", label="measured")
    ax_speed.plot(ks, ks, ":", color="0.5", label="ideal (N times faster)")
    ax_speed.axhline(
        max(1, os.cpu_count() or 1), color="C3", ls="--", lw=1, label=f"cores here: {os.cpu_count()}"
    )
    ax_speed.set(xlabel="processes", ylabel="speed-up over one process", title="Speed-up")
    ax_speed.set_xticks(ks)
    ax_speed.legend()
    save(fig, "time_per_epoch")

# %% [markdown]
# ## Reading the timings honestly
#
# On a cluster, each rank has its own cores and the speed-up follows the computation-to-communication
# ratio: near N when the all-reduce is a small share of a step. On a laptop or a small VM the ranks share
# the cores, so the speed-up can never exceed the number of cores — and one process may already use several
# cores through the BLAS library's threads (NumPy's matrix products), leaving little for more processes to
# add. Compare `OMP_NUM_THREADS=1 mpiexec -n 4 ...` (one core per rank, as clusters run MPI jobs) with the
# default. With more ranks than cores, a waiting rank also competes for the processor (MPI's collectives spin
# while they wait), so the communication share grows beyond what the bytes alone cost; the benchmark
# `benchmarks/bench_distributed.py` measures the all-reduce by itself.
#
# The lesson holds whatever the timings: data parallelism changes *where* a large-batch gradient is computed,
# never *which* steps are taken. A learning rate tuned for a batch of N·B on one machine is the one to use
# for N ranks with batches of B.

# %%
dist.barrier()
if STARTED_HERE:
    dist.destroy_process_group()
