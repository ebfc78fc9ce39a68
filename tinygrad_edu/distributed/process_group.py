"""The world of processes: who am I (``get_rank``), how many are we (``get_world_size``), and what
happens when one of us fails.

MPI does the work. ``mpiexec -n 4 python train.py`` starts four copies of the script; each calls
``init_process_group()``, which imports ``mpi4py`` (that starts MPI) and wraps ``MPI.COMM_WORLD``, the
communicator that connects all four. Started without a launcher, the world is one process and MPI is
not started at all (every collective is then a no-op on one copy), so the same script runs on a
laptop unchanged, with or without mpi4py. ``TINYGRAD_EDU_MPI=1`` starts MPI anyway (for a launcher
that this module does not recognise by its environment variables).

Faults. An MPI job in which one rank dies while the others wait in a collective would hang forever.
Two guards prevent that:

- an uncaught exception on any rank prints its traceback under a line naming the rank, then calls
  ``MPI.COMM_WORLD.Abort``, which ends every process of the job (``sys.excepthook``, installed by
  ``init_process_group`` when there is more than one rank);
- ``init_process_group(timeout=seconds)`` makes every collective give up after that long and raise
  a ``RuntimeError`` naming the rank and the operation — which, uncaught, aborts the job the same way.
"""

import ctypes
import datetime
import os
import sys
import time

__all__ = [
    "GroupMember",
    "ProcessGroup",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "info",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_launched",
    "new_group",
]

# Environment variables that MPI launchers set in every process they start (MPICH/Intel MPI's
# hydra, Open MPI, Slurm's srun with PMI).
_LAUNCHER_VARIABLES = (
    "PMI_RANK",
    "PMI_SIZE",
    "PMIX_RANK",
    "OMPI_COMM_WORLD_SIZE",
    "MPI_LOCALNRANKS",
    "MV2_COMM_WORLD_SIZE",
)


class ProcessGroup:
    """A set of ranks that run collectives together: the whole world, or a ``new_group`` of it.

    ``comm`` is the ``mpi4py`` communicator (None for the one-process world without MPI); ``rank``
    and ``size`` are this process's place in the group and the group's size.
    """

    def __init__(self, comm, rank, size, world_ranks):
        self.comm = comm
        self.rank = rank
        self.size = size
        self.world_ranks = tuple(world_ranks)  # the group's ranks, numbered in the world

    def __repr__(self):
        return f"ProcessGroup(size={self.size}, ranks={list(self.world_ranks)})"


class GroupMember:
    """``GroupMember.WORLD`` is the default group; ``new_group`` returns ``NON_GROUP_MEMBER`` to the
    ranks it leaves out (as in PyTorch)."""

    WORLD = None
    NON_GROUP_MEMBER = object()


class _State:
    """Everything ``init_process_group`` sets up, in one place."""

    mpi = None  # the mpi4py.MPI module, or None without MPI
    world = None  # the world ProcessGroup, or None before init_process_group
    timeout = None  # seconds every collective may wait, or None for no limit
    previous_excepthook = None
    cuda_aware = None  # the MPI library's answer, asked once


_state = _State()


def is_available():
    """True when ``mpi4py`` can be imported (``pip install "tinygrad_edu[mpi]"``)."""
    try:
        import mpi4py  # noqa: F401  (only asking whether it is there; MPI starts in init_process_group)
    except ImportError:
        return False
    return True


def is_mpi_launched():
    """True when this process was started by an MPI launcher (``mpiexec``, ``srun``), or when
    ``TINYGRAD_EDU_MPI=1`` says to start MPI anyway."""
    if os.environ.get("TINYGRAD_EDU_MPI", "").strip() == "1":
        return True
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def is_initialized():
    """True between ``init_process_group`` and ``destroy_process_group``."""
    return _state.world is not None


def init_process_group(backend="mpi", timeout=None, init_method=None, world_size=-1, rank=-1):
    """Join the world of processes that the launcher started: call it once, at the start of the script.

    ``backend`` must be ``"mpi"``. ``timeout`` (seconds or a ``datetime.timedelta``; default: none)
    bounds how long any collective waits for the other ranks. ``init_method``, ``world_size`` and
    ``rank`` are accepted for PyTorch's signature; MPI's launcher decides them, and given values must
    agree with it.

    >>> import tinygrad_edu.distributed as dist
    >>> dist.init_process_group()          # under  mpiexec -n 4 python train.py
    >>> dist.get_rank(), dist.get_world_size()
    (2, 4)
    """
    if backend not in ("mpi", None):
        raise ValueError(
            f"init_process_group: backend {backend!r} is not supported; tinygrad_edu runs on MPI "
            "(backend='mpi')"
        )
    if is_initialized():
        raise RuntimeError("init_process_group: the default process group is already initialized")
    _state.timeout = _seconds(timeout)
    mpi = _import_mpi()
    if mpi is None:
        world = ProcessGroup(None, 0, 1, [0])
    else:
        comm = mpi.COMM_WORLD
        world = ProcessGroup(comm, comm.Get_rank(), comm.Get_size(), range(comm.Get_size()))
    for name, given, actual in (("world_size", world_size, world.size), ("rank", rank, world.rank)):
        if given not in (-1, None) and given != actual:
            raise ValueError(f"init_process_group: {name}={given}, but the MPI launcher says {actual}")
    _state.mpi, _state.world = mpi, world
    GroupMember.WORLD = world
    if world.size > 1:
        _state.previous_excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught_exception


def _seconds(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        timeout = timeout.total_seconds()
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"init_process_group: timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


def _import_mpi():
    """``mpi4py.MPI`` (importing it starts MPI) under a launcher; None without one (then the world is
    this one process and MPI is not needed)."""
    if not is_mpi_launched():
        return None
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise RuntimeError(
            "init_process_group: this process was started by an MPI launcher, but mpi4py cannot be "
            f'imported ({error}); install it with  pip install "tinygrad_edu[mpi]"'
        ) from None
    return MPI


def destroy_process_group(group=None):
    """Leave the process group (MPI itself shuts down when the interpreter exits)."""
    if group not in (None, _state.world):
        if isinstance(group, ProcessGroup) and group.comm is not None:
            group.comm.Free()
        return
    if _state.previous_excepthook is not None:
        sys.excepthook = _state.previous_excepthook
    _state.world = _state.previous_excepthook = None
    GroupMember.WORLD = None


def _world():
    if _state.world is None:
        raise RuntimeError(
            "Default process group has not been initialized, please make sure to call "
            "tg.distributed.init_process_group()"
        )
    return _state.world


def _group(group, who):
    """The ProcessGroup a collective runs on (None: the world)."""
    if group is None:
        return _world()
    if group is GroupMember.NON_GROUP_MEMBER:
        raise RuntimeError(f"{who}: this rank ({get_rank()}) is not a member of the group")
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"{who}: group must be a ProcessGroup from new_group, got {type(group).__name__}")
    return group


def get_rank(group=None):
    """This process's number in ``group`` (default: the world), 0 … size − 1."""
    return _group(group, "get_rank").rank


def get_world_size(group=None):
    """The number of processes in ``group`` (default: the world)."""
    return _group(group, "get_world_size").size


def new_group(ranks=None):
    """A group of some of the world's ranks (all when ``ranks`` is None); every rank must call it.

    Members get a ``ProcessGroup`` in which they are numbered by their place in ``ranks``; the others
    get ``GroupMember.NON_GROUP_MEMBER``.
    """
    world = _world()
    ranks = list(range(world.size)) if ranks is None else sorted(int(r) for r in ranks)
    bad = [r for r in ranks if not 0 <= r < world.size]
    if bad or len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: ranks must be distinct ranks of a world of {world.size}, got {ranks}")
    member = world.rank in ranks
    if world.comm is None:
        return ProcessGroup(None, 0, 1, [0])
    undefined = _state.mpi.UNDEFINED
    comm = world.comm.Split(0 if member else undefined, ranks.index(world.rank) if member else 0)
    if not member:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(comm, comm.Get_rank(), comm.Get_size(), ranks)


def _abort_on_uncaught_exception(exc_type, exc, tb):
    """``sys.excepthook`` while a multi-rank world is up: report which rank failed, then end the job."""
    world = _state.world
    rank = "?" if world is None else world.rank
    size = "?" if world is None else world.size
    sys.stderr.write(f"\ntg.distributed: rank {rank} of {size} raised an uncaught exception:\n")
    (_state.previous_excepthook or sys.__excepthook__)(exc_type, exc, tb)
    sys.stderr.write(
        f"tg.distributed: aborting the job because rank {rank} failed (MPI.COMM_WORLD.Abort), "
        "so the other ranks do not wait for it forever\n"
    )
    sys.stderr.flush()
    sys.stdout.flush()
    # The launcher forwards each rank's output through pipes it stops reading once the abort arrives:
    # give it a moment to pass this report on first (without it, a loaded machine can lose it).
    time.sleep(0.5)
    _state.mpi.COMM_WORLD.Abort(1)


# ---- info ---------------------------------------------------------------------------------------


def cuda_aware():
    """True when the MPI library can read GPU memory itself (CUDA-aware MPI), so "cuda" tensors go to
    it directly; False when they are staged through host memory.

    ``TINYGRAD_EDU_CUDA_AWARE_MPI=1`` or ``0`` decides; otherwise the MPI library is asked through the
    extension functions that Open MPI (``MPIX_Query_cuda_support``) and MPICH
    (``MPIX_GPU_query_support``) export (mpi4py has no question for it).
    """
    setting = os.environ.get("TINYGRAD_EDU_CUDA_AWARE_MPI")
    if setting is not None:
        return setting.strip() == "1"
    if _state.mpi is None:
        return False
    if _state.cuda_aware is None:
        _state.cuda_aware = _ask_the_mpi_library()
    return _state.cuda_aware


def _ask_the_mpi_library():
    """Ask the loaded MPI library (Open MPI or MPICH extension functions) whether it is CUDA-aware."""
    library = _loaded_mpi_library()
    if library is None:
        return False
    if hasattr(library, "MPIX_Query_cuda_support"):
        return bool(library.MPIX_Query_cuda_support())
    if hasattr(library, "MPIX_GPU_query_support"):
        flag = ctypes.c_int(0)
        cuda = 0  # MPIX_GPU_SUPPORT_CUDA
        return library.MPIX_GPU_query_support(cuda, ctypes.byref(flag)) == 0 and bool(flag.value)
    return False


def _loaded_mpi_library():
    """The MPI shared library this process loaded (read from /proc/self/maps; None elsewhere)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "libmpi" in line and ".so" in line}
    except OSError:
        return None
    for path in sorted(paths):
        if os.path.basename(path).startswith("libmpi.so") or os.path.basename(path).startswith("libmpi_"):
            try:
                return ctypes.CDLL(path)
            except OSError:
                continue
    return None


def info():
    """A dict describing the distributed setup: MPI library, world, how "cuda" tensors travel."""
    mpi = _state.mpi
    description = {
        "mpi4py": _mpi4py_version(),
        "initialized": is_initialized(),
        "world_size": _state.world.size if is_initialized() else None,
        "rank": _state.world.rank if is_initialized() else None,
        "timeout_s": _state.timeout,
    }
    if mpi is not None:
        first_line = mpi.Get_library_version().strip().splitlines()[0]
        description["mpi_library"] = " ".join(first_line.split())
        description["mpi_standard"] = "{}.{}".format(*mpi.Get_version())
        aware = cuda_aware()
        description["cuda_tensors"] = (
            "passed to MPI directly (CUDA-aware MPI)" if aware else "staged through host memory"
        )
    else:
        description["mpi_library"] = None
        description["cuda_tensors"] = (
            "one-process world: nothing is sent" if is_initialized() else "(init_process_group not called)"
        )
    return description


def _mpi4py_version():
    try:
        import mpi4py
    except ImportError:
        return None
    return mpi4py.__version__
