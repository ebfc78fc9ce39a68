"""``tg.distributed``: data-parallel training on MPI, with ``torch.distributed``'s names.

Start the same script on N processes with the MPI launcher, and let each one learn who it is::

    mpiexec -n 4 python train.py

    import tinygrad_edu.distributed as dist
    dist.init_process_group()            # backend="mpi"; without mpiexec the world is one process
    rank, world = dist.get_rank(), dist.get_world_size()

Then the collectives move tensors between the processes (``collectives.py``), and
``tg.nn.parallel.DistributedDataParallel`` with ``tg.data.DistributedSampler`` turn one training
script into N cooperating ones. ``import tinygrad_edu`` never needs ``mpi4py``: it is imported by
``init_process_group`` (``pip install "tinygrad_edu[mpi]"`` brings it and an MPI library).
"""

from . import collectives, process_group  # noqa: F401  (tg.distributed.collectives: the file to read)
from .collectives import ReduceOp, all_gather, all_gather_object, all_reduce, barrier, broadcast, reduce
from .process_group import (
    GroupMember,
    ProcessGroup,
    cuda_aware,
    destroy_process_group,
    get_rank,
    get_world_size,
    info,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_launched,
    new_group,
)

__all__ = [
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "cuda_aware",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "info",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_launched",
    "new_group",
    "reduce",
]
