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

from . import collectives, process_group  # tg.distributed.collectives: the file to read
from .collectives import *  # noqa: F403  (collectives.__all__)
from .process_group import *  # noqa: F403  (process_group.__all__)
from .process_group import cuda_aware

# The package exports what its two modules export, and ``cuda_aware`` (asked by ``collectives``).
__all__ = [*collectives.__all__, *process_group.__all__, "cuda_aware"]
