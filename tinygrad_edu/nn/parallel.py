"""``DistributedDataParallel``: the same model on every rank, each rank a different part of the batch.

Data parallelism in three sentences. Every rank holds a full copy of the model, starting from the same
weights (rank 0's, copied to all when the wrapper is built). Each rank computes the gradient of the
mean loss over *its own* batch of B samples. Averaging those gradients over the N ranks gives exactly
the gradient of the mean loss over all N·B samples — so after the average, every rank takes the very
step that one process would take with a batch of N·B, and the copies stay identical.

    model = DistributedDataParallel(model)          # rank 0's weights everywhere
    loss_fn(model(x), y).backward()                 # .grad is now the average over the ranks
    optimizer.step()                                # the same step on every rank

How the average happens after ``backward``: the wrapper registers a hook on every parameter; the first
hook that fires in a backward pass queues a callback that the engine runs once the pass has finished
(``tg.autograd.engine.queue_callback``). The callback packs the gradients into one flat buffer per
bucket (``bucket_cap_mb``, 25 MB as PyTorch's), sums it across ranks with one ``all_reduce`` and
divides by the number of ranks. One large message instead of one per parameter, because every MPI
message pays a fixed latency. (PyTorch goes further and overlaps these all-reduces with the rest of
the backward pass; here they run after it, which is simpler to read and to measure.)

Where to put the average is a design choice. ChainerMN wrapped the *optimizer*
(``create_multi_node_optimizer``: all-reduce the gradients, then update), so each optimizer had to be
wrapped; PyTorch attaches it to the *backward pass* of the wrapped model, so ``.grad`` is already the
average when any optimizer, clipping or logging code looks at it. We follow PyTorch.
"""

import contextlib
import time

from .. import distributed as dist
from ..autograd.engine import queue_callback
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..tensor import Tensor
from .module import Module

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the ranks of ``process_group`` (default: all).

    Build it after ``tg.distributed.init_process_group()`` on every rank, with the same architecture
    everywhere (a different parameter shape on some rank raises ``RuntimeError`` naming the rank).
    Then ``model(x)`` runs ``module(x)``, and each ``backward`` leaves in every parameter's ``.grad``
    the average over the ranks of their gradients. Any optimizer, scheduler or gradient clipping then
    acts identically on every rank.

    - ``model.module`` is the wrapped model; ``model.state_dict()`` keys start with ``module.``
      (PyTorch's), so save ``model.module.state_dict()`` to load it without the wrapper.
    - Buffers (BatchNorm's running statistics): with ``broadcast_buffers=True`` (PyTorch's default)
      rank 0's are copied to every rank at the start of each forward in grad mode. BatchNorm still
      normalizes with the statistics of each rank's own batch (PyTorch's SyncBatchNorm is not here).
    - ``with model.no_sync():`` skips the averaging, for gradient accumulation: the next backward
      outside it averages everything accumulated.
    - A parameter that received no gradient on any rank keeps ``.grad = None``; one that received a
      gradient on some ranks only gets the average with zeros from the others
      (``find_unused_parameters`` is accepted and not needed).
    - ``communication_seconds`` adds up the time spent averaging gradients (packing, all-reduce,
      unpacking): the cost of being distributed, for measurements.
    """

    def __init__(
        self,
        module,
        device_ids=None,
        output_device=None,
        dim=0,
        broadcast_buffers=True,
        process_group=None,
        bucket_cap_mb=25,
        find_unused_parameters=False,
        gradient_as_bucket_view=False,
    ):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got {type(module).__name__}")
        if not dist.is_initialized():
            raise RuntimeError(
                "DistributedDataParallel: call tg.distributed.init_process_group() first (on every rank)"
            )
        if not bucket_cap_mb > 0:
            raise ValueError(
                f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb!r}"
            )
        self.module = module
        self.process_group = dist.process_group._group(process_group, "DistributedDataParallel")
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        self.communication_seconds = 0.0
        self._root = self.process_group.world_ranks[0]  # the rank whose weights everyone starts from
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._check_same_model_on_every_rank()
        self._sync_module_states()
        self._buckets = _buckets(self._params, int(bucket_cap_mb * 2**20))
        self._queued = False
        self._gradient_hooks = [p.register_hook(self._on_gradient) for p in self._params]

    # ---- construction ------------------------------------------------------------------------------

    def _check_same_model_on_every_rank(self):
        """Every rank must wrap the same architecture: compare names, shapes and dtypes with rank 0's."""
        group = self.process_group
        mine = [(name, tuple(t.shape), str(t.dtype)) for name, t in self.module._state_tensors()]
        everyone = [None] * group.size
        dist.all_gather_object(everyone, mine, group=group)
        reference = everyone[0]
        for rank, theirs in zip(group.world_ranks, everyone):
            if theirs == reference:
                continue
            for (name0, shape0, dtype0), (name, shape, dtype) in zip(reference, theirs):
                if (name0, shape0, dtype0) != (name, shape, dtype):
                    raise RuntimeError(
                        f"DistributedDataParallel: rank {rank}'s model differs from rank {self._root}'s: "
                        f"'{name}' has shape {shape} and dtype {dtype} on rank {rank}, but rank "
                        f"{self._root} has '{name0}' with shape {shape0} and dtype {dtype0} (every rank "
                        "must build the same model)"
                    )
            raise RuntimeError(
                f"DistributedDataParallel: rank {rank}'s model has {len(theirs)} parameters and buffers, "
                f"rank {self._root}'s has {len(reference)} (every rank must build the same model)"
            )

    def _sync_module_states(self):
        """Copy rank 0's parameters and buffers to every rank: all copies start identical."""
        with no_grad():
            for _, tensor in self.module._state_tensors():
                dist.broadcast(tensor, src=self._root, group=self.process_group)

    # ---- running -----------------------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        """``module(*args, **kwargs)``, after copying rank 0's buffers to every rank (see the class)."""
        if self.broadcast_buffers and is_grad_enabled() and self.process_group.size > 1:
            with no_grad():
                for buffer in self.module.buffers():
                    dist.broadcast(buffer, src=self._root, group=self.process_group)
        return self.module(*args, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this block, backward passes only accumulate local gradients (no communication)."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def _on_gradient(self, grad):
        """A parameter's gradient was computed: make sure the average runs once this backward is over."""
        if self.require_backward_grad_sync and not self._queued:
            self._queued = True
            queue_callback(self._average_gradients)

    def _average_gradients(self):
        """After backward: every ``.grad`` ← the mean over the ranks, one all-reduce per bucket."""
        self._queued = False
        if self.process_group.size == 1:
            return
        start = time.perf_counter()
        for bucket in self._buckets:
            _average_bucket(bucket, self.process_group)
        self.communication_seconds += time.perf_counter() - start

    def extra_repr(self):
        return f"world_size={self.process_group.size}, buckets={len(self._buckets)}"


def _buckets(params, capacity_bytes):
    """Group the parameters into buckets of one device and dtype, each at most ``capacity_bytes``
    (a parameter larger than that gets a bucket of its own)."""
    buckets, open_buckets = [], {}
    for p in params:
        key = (p.device, p.dtype)
        bucket = open_buckets.get(key)
        size = p.numel() * p.dtype.itemsize
        if bucket is None or bucket["bytes"] + size > capacity_bytes:
            bucket = open_buckets[key] = {"params": [], "bytes": 0}
            buckets.append(bucket)
        bucket["params"].append(p)
        bucket["bytes"] += size
    return [bucket["params"] for bucket in buckets]


def _average_bucket(params, group):
    """Sum the bucket's gradients across ranks in one flat buffer, then divide by the number of ranks.

    The buffer ends with one "has a gradient" flag per parameter, so after the sum each rank knows how
    many ranks had one: a parameter unused everywhere keeps ``grad = None``.
    """
    xp = params[0]._backend()
    dtype = params[0].dtype
    pieces = [
        xp.reshape(p.grad.data, (-1,)) if p.grad is not None else xp.zeros(p.numel(), dtype=dtype)
        for p in params
    ]
    flags = xp.asarray([1.0 if p.grad is not None else 0.0 for p in params], dtype=dtype)
    flat = Tensor._make(xp.concatenate(pieces + [flags]))
    dist.all_reduce(flat, dist.ReduceOp.SUM, group=group)
    total = flat.data
    counts = xp.to_numpy(total[-len(params) :]).tolist()  # how many ranks had each gradient
    offset = 0
    for p, count in zip(params, counts):
        n = p.numel()
        if count > 0:
            mean = xp.reshape(total[offset : offset + n], p.shape) / group.size
            if p.grad is None:
                p.grad = Tensor._make(mean)
            else:
                p.grad.data[...] = mean
                p.grad._version_cell[0] += 1
        offset += n
