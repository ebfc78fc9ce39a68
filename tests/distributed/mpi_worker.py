"""One rank of a test job: ``mpiexec -n N python mpi_worker.py SCENARIO [--device cuda]``.

Each scenario checks its results with ``assert`` on every rank and prints ``OK <scenario> rank R``
at the end; ``test_mpi.py`` starts the jobs and reads their output. With ``--device cuda`` and no GPU,
the strict stand-in serves "cuda" (as in the test suite), so the staging of device tensors through
host memory is exercised too.
"""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

import tinygrad_edu as tg
import tinygrad_edu.distributed as dist
from tinygrad_edu import backend, nn
from tinygrad_edu.nn import functional as F

DEVICE = "cuda" if "--device" in sys.argv and sys.argv[sys.argv.index("--device") + 1] == "cuda" else "cpu"
if DEVICE == "cuda" and not tg.cuda.is_available():
    backend.register_backend("cuda", backend.strict_backend("cuda"))
tg.set_default_device(DEVICE)


def host(t):
    return t.detach().cpu().numpy()


def data_of(rank, shape=(3, 5), dtype=np.float64):
    """The tensor that rank ``rank`` contributes (any rank can recompute any other rank's)."""
    values = np.random.default_rng(100 + rank).normal(size=shape) * 10
    return values.astype(dtype)


# ---- scenarios ------------------------------------------------------------------------------------


def collectives():
    """Every collective against the same computation done with NumPy on all ranks' inputs."""
    dist.init_process_group()
    rank, n = dist.get_rank(), dist.get_world_size()
    everyone = {d: np.stack([data_of(r, dtype=d) for r in range(n)]) for d in (np.float64, np.float32)}
    for dtype, stacked in everyone.items():
        expected = {
            dist.ReduceOp.SUM: stacked.sum(0),
            dist.ReduceOp.AVG: stacked.mean(0),
            dist.ReduceOp.MAX: stacked.max(0),
            dist.ReduceOp.MIN: stacked.min(0),
            dist.ReduceOp.PRODUCT: stacked.prod(0),
        }
        for op, want in expected.items():
            t = tg.tensor(data_of(rank, dtype=dtype))
            dist.all_reduce(t, op=op)
            assert t.dtype == dtype and t.device == DEVICE
            np.testing.assert_allclose(host(t), want, rtol=1e-6 if dtype == np.float32 else 1e-12)
    ints = tg.tensor(np.arange(6).reshape(2, 3) * (rank + 1))
    dist.all_reduce(ints)
    assert ints.dtype == tg.int64
    assert (host(ints) == np.arange(6).reshape(2, 3) * sum(range(1, n + 1))).all()
    try:
        dist.all_reduce(tg.tensor([1, 2]), op=dist.ReduceOp.AVG)
    except TypeError as error:
        assert "AVG" in str(error) and "int64" in str(error)
    else:
        raise AssertionError("AVG of an int tensor did not raise")
    # a non-contiguous view: reduced through a contiguous copy, written back into the view
    base = tg.tensor(data_of(rank, shape=(4, 6)))
    view = base.T
    dist.all_reduce(view)
    np.testing.assert_allclose(host(base), sum(data_of(r, shape=(4, 6)) for r in range(n)), rtol=1e-12)
    # broadcast from the last rank
    t = tg.tensor(data_of(rank))
    dist.broadcast(t, src=n - 1)
    np.testing.assert_array_equal(host(t), data_of(n - 1))
    # all_gather
    outs = [tg.zeros(3, 5, dtype=tg.float64) for _ in range(n)]
    dist.all_gather(outs, tg.tensor(data_of(rank)))
    for r, out in enumerate(outs):
        np.testing.assert_array_equal(host(out), data_of(r))
    # reduce to the last rank: only it changes
    t = tg.tensor(data_of(rank))
    dist.reduce(t, dst=n - 1)
    want = sum(data_of(r) for r in range(n)) if rank == n - 1 else data_of(rank)
    np.testing.assert_allclose(host(t), want, rtol=1e-12)
    # a group of the even ranks
    evens = list(range(0, n, 2))
    group = dist.new_group(evens)
    if rank in evens:
        t = tg.tensor(data_of(rank))
        dist.all_reduce(t, group=group)
        np.testing.assert_allclose(host(t), sum(data_of(r) for r in evens), rtol=1e-12)
        assert dist.get_world_size(group) == len(evens) and dist.get_rank(group) == evens.index(rank)
    else:
        assert group is dist.GroupMember.NON_GROUP_MEMBER
    objects = [None] * n
    dist.all_gather_object(objects, {"rank": rank})
    assert objects == [{"rank": r} for r in range(n)]
    dist.barrier()
    print(f"OK collectives rank {rank} {dist.info()['cuda_tensors']}")


def make_data(n_samples=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples, 4))
    y = np.sin(x @ np.array([1.0, -2.0, 0.5, 3.0]))[:, None]
    return tg.tensor(x), tg.tensor(y)


def make_model(seed):
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1)).double()


OPTIMIZERS = {
    "SGD": lambda p: tg.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "Adam": lambda p: tg.optim.Adam(p, lr=0.01, amsgrad=True),
    "AdamW": lambda p: tg.optim.AdamW(p, lr=0.01),
    "Adamax": lambda p: tg.optim.Adamax(p),
    "NAdam": lambda p: tg.optim.NAdam(p),
    "RMSprop": lambda p: tg.optim.RMSprop(p, centered=True, momentum=0.5),
    "Adagrad": lambda p: tg.optim.Adagrad(p),
    "Adadelta": lambda p: tg.optim.Adadelta(p),
    "Rprop": lambda p: tg.optim.Rprop(p),
    "GD": lambda p: tg.optim.GD(p, lr=0.1),
    "Momentum": lambda p: tg.optim.Momentum(p, lr=0.1),
}


def train(model, x, y, batches, optimizer_name, clip=True):
    """Train on the given list of index batches with a scheduler and gradient clipping."""
    optimizer = OPTIMIZERS[optimizer_name](model.parameters())
    scheduler = tg.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    for index in batches:
        optimizer.zero_grad()
        F.mse_loss(model(x[index]), y[index]).backward()
        if clip:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        optimizer.step()
        scheduler.step()


def batches_of(sampler, batch_size, epochs):
    out = []
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        order = list(sampler)
        out += [tg.tensor(order[i : i + batch_size]) for i in range(0, len(order), batch_size)]
    return out


def ddp():
    """N ranks with batches of B take the steps of one process with batches of N·B, for every optimizer."""
    dist.init_process_group()
    rank, n = dist.get_rank(), dist.get_world_size()
    x, y = make_data()
    B, epochs = 4, 2
    for name in OPTIMIZERS:
        model = nn.parallel.DistributedDataParallel(make_model(seed=rank))  # different inits: rank 0's wins
        sampler = tg.data.DistributedSampler(tg.data.TensorDataset(x, y), seed=7)
        train(model, x, y, batches_of(sampler, B, epochs), name)

        reference = make_model(seed=0)
        one = tg.data.DistributedSampler(tg.data.TensorDataset(x, y), num_replicas=1, rank=0, seed=7)
        train(reference, x, y, batches_of(one, n * B, epochs), name)
        for (key, mine), theirs in zip(model.module.state_dict().items(), reference.state_dict().values()):
            assert np.abs(mine - theirs).max() < 1e-12, (name, key, np.abs(mine - theirs).max())
        flat = tg.cat([p.detach().reshape(-1) for p in model.parameters()])
        copies = [tg.zeros_like(flat) for _ in range(n)]
        dist.all_gather(copies, flat)
        for r in range(n):
            assert (host(copies[r]) == host(flat)).all(), f"{name}: rank {r} differs from {rank}"
    assert next(iter(model.state_dict())) == "module.0.weight"
    print(f"OK ddp rank {rank}")


def ddp_details():
    """One flat buffer per backward, buckets, unused parameters, no_sync, buffers."""
    dist.init_process_group()
    rank, n = dist.get_rank(), dist.get_world_size()
    calls = []
    original = dist.all_reduce

    def counting_all_reduce(tensor, *args, **kwargs):
        calls.append(tensor.shape)
        return original(tensor, *args, **kwargs)

    dist.all_reduce = counting_all_reduce
    x, y = make_data(8, seed=rank)  # a different batch on every rank
    model = nn.parallel.DistributedDataParallel(make_model(seed=rank))
    F.mse_loss(model(x), y).backward()
    assert len(calls) == 1, calls  # 6 parameters, one message
    assert calls[0] == (4 * 8 + 8 + 8 * 8 + 8 + 8 + 1 + 6,), calls  # gradients + one flag per parameter
    # the gradient is the mean of the ranks' gradients
    grads = {name: host(p.grad) for name, p in model.module.named_parameters()}
    for r in range(n):
        local = make_model(seed=0)
        xr, yr = make_data(8, seed=r)
        F.mse_loss(local(xr), yr).backward()
        for name, p in local.named_parameters():
            grads[name] = grads[name] - host(p.grad) / n
    assert max(np.abs(g).max() for g in grads.values()) < 1e-12
    # small buckets: several messages
    calls.clear()
    small = nn.parallel.DistributedDataParallel(make_model(seed=0), bucket_cap_mb=300 / 2**20)
    F.mse_loss(small(x), y).backward()
    assert len(calls) > 1, calls
    # no_sync: local accumulation, then one average of the total
    calls.clear()
    model.zero_grad()
    with model.no_sync():
        F.mse_loss(model(x), y).backward()
    assert not calls
    F.mse_loss(model(x), y).backward()
    assert len(calls) == 1
    # a parameter used on rank 0 only: averaged with zeros; one used nowhere keeps None
    tg.manual_seed(0)
    two = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 1), "c": nn.Linear(2, 1)}).double()
    wrapped = nn.parallel.DistributedDataParallel(two)
    inp = tg.ones(1, 2, dtype=tg.float64)
    out = two["a"](inp) + (two["b"](inp) if rank == 0 else 0)
    out.sum().backward()
    assert two["c"].weight.grad is None
    np.testing.assert_allclose(host(two["b"].weight.grad), np.ones((1, 2)) / n)
    np.testing.assert_allclose(host(two["a"].weight.grad), np.ones((1, 2)))
    del wrapped
    # BatchNorm: batch statistics per rank; rank 0's running statistics copied at each forward
    tg.manual_seed(0)
    bn_model = nn.parallel.DistributedDataParallel(nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3)).double())
    bn = bn_model.module[1]
    seen = []
    bn.register_forward_pre_hook(lambda module, args: seen.append(tg.tensor(host(module.running_mean))))
    bn_model(x)
    everyone = [tg.zeros(3, dtype=tg.float64) for _ in range(n)]
    dist.all_gather(everyone, bn.running_mean)
    assert not np.allclose(host(everyone[0]), host(everyone[-1]))  # per-rank batches, per-rank stats
    bn_model(x)  # starts from rank 0's running statistics on every rank
    dist.all_gather(everyone, seen[-1])
    assert all((host(e) == host(everyone[0])).all() for e in everyone)
    assert (host(everyone[0]) == host(seen[-1])).all() and not (host(seen[0]) == host(seen[1])).all()
    print(f"OK ddp_details rank {rank}")


def fail():
    """Rank 1 raises while the others wait in a collective: the job must end, naming rank 1."""
    dist.init_process_group()
    rank = dist.get_rank()
    if rank == 1:
        time.sleep(0.2)
        raise ValueError("boom on purpose")
    t = tg.ones(3)
    for _ in range(10**6):
        dist.all_reduce(t)
    print("not reached")


def timeout():
    """Rank 1 hangs without raising: the others' collective times out after 1.5 s."""
    dist.init_process_group(timeout=1.5)
    if dist.get_rank() == 1:
        time.sleep(60)
    dist.all_reduce(tg.ones(3))
    print("not reached")


def mismatch():
    """Rank 1 builds a different model: DDP's constructor says so."""
    dist.init_process_group()
    width = 5 if dist.get_rank() == 1 else 4
    nn.parallel.DistributedDataParallel(nn.Linear(3, width))
    print("not reached")


def single():
    """No launcher: a world of one, where everything still works."""
    dist.init_process_group()
    assert dist.get_rank() == 0 and dist.get_world_size() == 1
    t = tg.tensor([1.0, 2.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    dist.broadcast(t, 0)
    outs = [tg.zeros(2)]
    dist.all_gather(outs, t)
    dist.barrier()
    assert host(outs[0]).tolist() == [1.0, 2.0] == host(t).tolist()
    x, y = make_data()
    model = nn.parallel.DistributedDataParallel(make_model(seed=0))
    sampler = tg.data.DistributedSampler(tg.data.TensorDataset(x, y), seed=7)
    train(model, x, y, batches_of(sampler, 8, 1), "SGD")
    reference = make_model(seed=0)
    train(reference, x, y, batches_of(sampler, 8, 1), "SGD")
    for a, b in zip(model.module.state_dict().values(), reference.state_dict().values()):
        assert (a == b).all()
    print(f"OK single rank 0 mpi={dist.info()['mpi_library'] is not None}")


if __name__ == "__main__":
    globals()[sys.argv[1]]()
