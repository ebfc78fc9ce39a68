"""Collectives on Tensors: every rank calls the same function, and MPI moves the data between them.

| call | after it, on every rank (``n`` ranks, ``x_r`` the tensor of rank ``r``) |
|---|---|
| ``all_reduce(x, op=SUM)`` | ``x`` = x_0 + x_1 + … + x_{n−1} (or their mean, max, min, product) |
| ``broadcast(x, src)`` | ``x`` = x_src |
| ``all_gather(xs, x)`` | ``xs[r]`` = x_r for every r |
| ``reduce(x, dst, op=SUM)`` | on ``dst`` only: ``x`` = x_0 + … + x_{n−1} |
| ``barrier()`` | nothing: no rank leaves before every rank has arrived |

The data travels through mpi4py's *buffer* interface (``comm.Allreduce``, capital A): MPI reads and
writes the tensor's memory directly, with no pickling. A "cuda" tensor goes to MPI directly when the
MPI library is CUDA-aware, and is otherwise staged: copied to host memory, reduced there, copied back
(``tg.distributed.info()["cuda_tensors"]`` says which).
"""

import enum
import time

from ..backend import get_backend
from .process_group import _group, _state, cuda_aware

__all__ = ["ReduceOp", "all_gather", "all_gather_object", "all_reduce", "barrier", "broadcast", "reduce"]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce`` combine the ranks' tensors, element by element."""

    SUM = "SUM"
    AVG = "AVG"  # MPI has no mean: a SUM, then a division by the number of ranks
    MAX = "MAX"
    MIN = "MIN"
    PRODUCT = "PROD"


# ---- the buffer MPI reads and writes ---------------------------------------------------------------


class _Buffer:
    """The memory that MPI works on for ``tensor``.

    That is the tensor's own array when MPI can use it in place (a contiguous CPU array; a contiguous GPU
    array with CUDA-aware MPI); otherwise a contiguous copy — in host memory for a GPU tensor without
    CUDA-aware MPI — that ``write_back`` copies into the tensor afterwards. ``fill=False``: the copy's
    values do not matter (a receive buffer).
    """

    def __init__(self, tensor, who, fill=True):
        if not hasattr(tensor, "_backend"):
            raise TypeError(f"tg.distributed.{who}: expected a Tensor, got {type(tensor).__name__}")
        self.tensor = tensor
        self.backend = backend = tensor._backend()
        array = tensor.data
        self.on_host = backend.name == "cpu" or not _gpu_direct(backend)
        if not self.on_host:
            self.array = backend.ascontiguousarray(array)
            backend.module.cuda.get_current_stream().synchronize()  # MPI must see finished values
        elif backend.name == "cpu":
            self.array = array if array.flags.c_contiguous else backend.ascontiguousarray(array)
        elif fill:
            self.array = get_backend("cpu").ascontiguousarray(backend.to_numpy(array))  # a host copy
        else:
            self.array = _host_empty(array.shape, array.dtype)
        self.copied = self.array is not array

    def empty(self, shape):
        """A buffer of ``shape`` (the tensor's dtype) where this one lives: host or device memory."""
        if self.on_host:
            return _host_empty(shape, self.tensor.dtype)
        return self.backend.empty(shape, dtype=self.tensor.dtype)

    def write_back(self):
        """Make the tensor hold what MPI wrote (a no-op when MPI wrote into the tensor itself)."""
        if self.copied:
            self.tensor.data[...] = self.to_tensor_memory(self.array)
        self.tensor._version_cell[0] += (
            1  # changed in place: a graph that saved the old values must not use them
        )

    def to_tensor_memory(self, array):
        """``array`` (from a buffer like this one) moved to the tensor's device."""
        return array if not self.on_host or self.backend.name == "cpu" else self.backend.from_numpy(array)


def _gpu_direct(backend):
    """True when ``backend`` holds real GPU (CuPy) arrays and MPI is CUDA-aware."""
    return backend.name == "cuda" and backend.module.__name__ == "cupy" and cuda_aware()


def _host_empty(shape, dtype):
    return get_backend("cpu").empty(shape, dtype=dtype)


def _wait(request, who, group):
    """Wait for a non-blocking collective, at most the process group's timeout, sleeping between checks
    (so a waiting rank leaves the processor to the others)."""
    timeout = _state.timeout
    deadline, pause = time.monotonic() + (timeout or 0), 1e-5
    while not request.Test():
        if timeout is not None and time.monotonic() > deadline:
            raise RuntimeError(
                f"tg.distributed.{who}: rank {group.rank} of {group.size} waited {timeout:g} s for the other "
                "ranks and timed out (init_process_group(timeout=...)); another rank has failed, hangs, "
                "or is not calling the same collective"
            )
        time.sleep(pause)
        pause = min(2 * pause, 0.005)


def _collective(group, who, blocking, nonblocking):
    """Run a collective: the blocking MPI call, or (with a timeout) the non-blocking one, polled."""
    if _state.timeout is None:
        blocking()
    else:
        _wait(nonblocking(), who, group)


def _mpi_op(op, who):
    if not isinstance(op, ReduceOp):
        raise TypeError(
            f"tg.distributed.{who}: op must be a ReduceOp (SUM, AVG, MAX, MIN, PRODUCT), got {op!r}"
        )
    return getattr(_state.mpi, "SUM" if op is ReduceOp.AVG else op.value)


def _check_avg(tensor, op, who):
    if op is ReduceOp.AVG and tensor.dtype.kind not in "fc":
        raise TypeError(
            f"tg.distributed.{who}: ReduceOp.AVG needs a floating point tensor, got {tensor.dtype} "
            "(use SUM and divide)"
        )


# ---- the collectives -------------------------------------------------------------------------------


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` across all ranks of ``group`` with ``op``; every rank gets the result, in place.

    >>> t = tg.tensor([float(dist.get_rank())])
    >>> dist.all_reduce(t)                  # 4 ranks: t == [0 + 1 + 2 + 3] == [6.] on every rank
    """
    group = _group(group, "all_reduce")
    _check_avg(tensor, op, "all_reduce")
    mpi_op = _mpi_op(op, "all_reduce") if group.comm is not None else None
    buffer = _Buffer(tensor, "all_reduce")
    if group.comm is not None:
        in_place = _state.mpi.IN_PLACE
        _collective(
            group,
            "all_reduce",
            lambda: group.comm.Allreduce(in_place, buffer.array, op=mpi_op),
            lambda: group.comm.Iallreduce(in_place, buffer.array, op=mpi_op),
        )
    if op is ReduceOp.AVG and group.size > 1:
        buffer.array /= group.size
    buffer.write_back()
    return _done(async_op)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every other rank of ``group`` (in place)."""
    group = _group(group, "broadcast")
    _check_rank(src, group, "broadcast", "src")
    if group.comm is None:
        return _done(async_op)
    root = group.world_ranks.index(src)  # src is a world rank; MPI wants its number in the group
    buffer = _Buffer(tensor, "broadcast", fill=group.rank == root)
    _collective(
        group,
        "broadcast",
        lambda: group.comm.Bcast(buffer.array, root=root),
        lambda: group.comm.Ibcast(buffer.array, root=root),
    )
    if group.rank != root:
        buffer.write_back()
    return _done(async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` across the ranks of ``group``; only rank ``dst`` gets the result (in place)."""
    group = _group(group, "reduce")
    _check_rank(dst, group, "reduce", "dst")
    _check_avg(tensor, op, "reduce")
    if group.comm is None:
        return _done(async_op)
    mpi_op = _mpi_op(op, "reduce")
    root = group.world_ranks.index(dst)
    buffer = _Buffer(tensor, "reduce")
    send = _state.mpi.IN_PLACE if group.rank == root else buffer.array
    receive = buffer.array if group.rank == root else None
    _collective(
        group,
        "reduce",
        lambda: group.comm.Reduce(send, receive, op=mpi_op, root=root),
        lambda: group.comm.Ireduce(send, receive, op=mpi_op, root=root),
    )
    if group.rank == root:
        if op is ReduceOp.AVG:
            buffer.array /= group.size
        buffer.write_back()
    return _done(async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill ``tensor_list[r]`` with rank r's ``tensor``, on every rank (``tensor_list`` has one tensor
    per rank, each of ``tensor``'s shape and dtype)."""
    group = _group(group, "all_gather")
    if not isinstance(tensor_list, list) or len(tensor_list) != group.size:
        count = len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__
        raise ValueError(
            f"tg.distributed.all_gather: tensor_list must be a list of {group.size} tensors (one per rank), "
            f"got {count}"
        )
    for i, out in enumerate(tensor_list):
        if getattr(out, "shape", None) != tensor.shape or out.dtype != tensor.dtype:
            raise ValueError(
                f"tg.distributed.all_gather: tensor_list[{i}] has shape {getattr(out, 'shape', None)} and "
                f"dtype {getattr(out, 'dtype', None)}, but the tensor has shape {tensor.shape} and dtype "
                f"{tensor.dtype}"
            )
    send = _Buffer(tensor, "all_gather")
    if group.comm is None:
        rows = [send.array]
    else:
        receive = send.empty((group.size, *tensor.shape))
        _collective(
            group,
            "all_gather",
            lambda: group.comm.Allgather(send.array, receive),
            lambda: group.comm.Iallgather(send.array, receive),
        )
        rows = [receive[i] for i in range(group.size)]
    for out, row in zip(tensor_list, rows):
        out.data[...] = send.to_tensor_memory(row)
        out._version_cell[0] += 1
    return _done(async_op)


def barrier(group=None, async_op=False):
    """Wait until every rank of ``group`` has called ``barrier``.

    A rank that waits here sleeps between checks instead of spinning (MPI's own ``Barrier`` keeps a
    core busy): on a machine with fewer cores than ranks, the ranks that work keep the processor.
    """
    group = _group(group, "barrier")
    if group.comm is not None:
        _wait(group.comm.Ibarrier(), "barrier", group)
    return _done(async_op)


def all_gather_object(object_list, obj, group=None):
    """Fill ``object_list[r]`` with rank r's Python object ``obj`` (pickled: for small things such as
    timings and names, never for tensors)."""
    group = _group(group, "all_gather_object")
    if len(object_list) != group.size:
        raise ValueError(
            f"tg.distributed.all_gather_object: object_list must have {group.size} entries (one per rank), "
            f"got {len(object_list)}"
        )
    if _state.timeout is not None and group.comm is not None:
        barrier(group)  # the pickled allgather has no non-blocking form: time out here instead
    object_list[:] = [obj] if group.comm is None else group.comm.allgather(obj)


def _check_rank(rank, group, who, name):
    if not isinstance(rank, int) or rank not in group.world_ranks:
        raise ValueError(
            f"tg.distributed.{who}: {name}={rank!r} is not a rank of the group "
            f"(ranks {list(group.world_ranks)})"
        )


class _Work:
    """What ``async_op=True`` returns: the operation has already finished (MPI ran it to completion)."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True


def _done(async_op):
    return _Work() if async_op else None
