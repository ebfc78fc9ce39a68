"""Worker processes for ``DataLoader(num_workers=W)``: batches made in parallel, yielded in order.

How it works (the same plan as PyTorch's, in one readable path):

1. The main process lists the batches of the epoch (their indices) and starts W processes, each with its
   own task queue; all share one result queue.
2. Batch k goes to worker k mod W (round robin). At most ``prefetch_factor · W`` batches are in flight.
3. A worker seeds the library with ``base_seed + k`` (so random augmentations differ per batch and do not
   depend on which worker got the batch), makes the batch — ``dataset[i]`` for its indices, then
   ``collate_fn`` — and sends it back pickled, with Tensors moved to the host.
4. The main process yields batch 0, 1, 2, ... in order, keeping early arrivals until their turn.

Nothing hangs: an exception in a worker comes back as its traceback and is raised in the main process,
naming the batch and its indices; a worker that dies (killed, out of memory) is noticed while waiting;
``timeout`` bounds the wait for a batch. At the end of the epoch — or when the loop over the loader
stops early — the workers are told to stop and are terminated if they do not.

Start methods: "fork" (the default here on Linux) inherits the dataset and functions; "spawn" (the
platform's default on macOS and Windows) and "forkserver" send them pickled, so the dataset and
``collate_fn`` must be defined at module level, and the main script needs ``if __name__ == "__main__":``.
"""

import contextlib
import multiprocessing
import pickle
import queue
import sys
import time
import traceback

from .. import backend as backends
from ..tensor import Tensor

_POLL_SECONDS = 0.1  # how often a waiting main process checks that the workers are alive


class WorkerPool:
    """The workers of one epoch of ``loader``: ``run(batches)`` yields the finished batches in order."""

    def __init__(self, loader):
        self.loader = loader
        context = loader.multiprocessing_context
        if context is None:  # fork on Linux: nothing to pickle (Python 3.14 made forkserver the default)
            context = "fork" if sys.platform.startswith("linux") else None
        self.context = context if hasattr(context, "Process") else multiprocessing.get_context(context)
        self.workers, self.task_queues, self.results = [], [], None
        self.unfinished = set()  # batches sent to a worker and not back yet

    def run(self, batches):
        """Yield the batch of each list of indices in ``batches``, in order, made by the workers."""
        tasks = [(k, _as_list(index)) for k, index in enumerate(batches)]
        base_seed = int(backends.get_backend("cpu").rng.integers(2**31))  # after the order was drawn
        self._start(base_seed)
        try:
            sent = 0
            for _ in range(min(len(tasks), self.loader.prefetch_factor * len(self.workers))):
                self._send(tasks[sent])
                sent += 1
            arrived = {}
            for k in range(len(tasks)):
                while k not in arrived:
                    number, payload, error = self._receive(k)
                    arrived[number] = payload, error
                payload, error = arrived.pop(k)
                if error is not None:  # raised in its turn: the batches before it were all yielded
                    raise RuntimeError(
                        f"DataLoader worker {k % len(self.workers)} raised an exception while preparing "
                        f"{_describe(k, tasks)}:\n{error}"
                    )
                if sent < len(tasks):
                    self._send(tasks[sent])
                    sent += 1
                yield _unpack(pickle.loads(payload))
        finally:
            self._shutdown()

    def _start(self, base_seed):
        ctx, loader = self.context, self.loader
        self.results = ctx.Queue()
        for worker_id in range(loader.num_workers):
            tasks = ctx.Queue()
            process = ctx.Process(
                target=_worker_loop,
                args=(loader._fetcher, tasks, self.results, base_seed, worker_id, loader.worker_init_fn),
                daemon=True,  # never outlive the main process
            )
            process.start()
            self.task_queues.append(tasks)
            self.workers.append(process)

    def _send(self, task):
        self.task_queues[task[0] % len(self.workers)].put(task)
        self.unfinished.add(task[0])

    def _receive(self, waiting_for):
        """The next (batch number, pickled batch, error text) from any worker; raises if none can come."""
        started = time.monotonic()
        timeout = self.loader.timeout
        while True:
            try:
                number, payload, error = self.results.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                self._check_alive(waiting_for)
                if timeout and time.monotonic() - started > timeout:
                    raise RuntimeError(
                        f"DataLoader timed out after {timeout} s waiting for batch {waiting_for} "
                        f"(worker {waiting_for % len(self.workers)})"
                    ) from None
                continue
            if number < 0:  # a worker_init_fn failed: that worker does no batch at all
                raise RuntimeError(
                    f"DataLoader worker {-1 - number}: worker_init_fn raised an exception:\n{error}"
                )
            self.unfinished.discard(number)
            return number, payload, error

    def _check_alive(self, waiting_for):
        for worker_id, process in enumerate(self.workers):
            if not process.is_alive():
                lost = sorted(k for k in self.unfinished if k % len(self.workers) == worker_id)
                raise RuntimeError(
                    f"DataLoader worker {worker_id} (pid {process.pid}) exited unexpectedly with exit code "
                    f"{process.exitcode} while preparing batch {' or '.join(map(str, lost)) or '?'} "
                    f"(waiting for batch {waiting_for})"
                )

    def _shutdown(self):
        for tasks in self.task_queues:
            with contextlib.suppress(OSError, ValueError):  # a queue already broken
                tasks.put(None)  # "no more work"
        for process in self.workers:
            process.join(timeout=1.0)
            if process.is_alive():
                process.terminate()
                process.join()
        for q in (*self.task_queues, self.results):
            q.cancel_join_thread()  # never block on a queue nobody reads any more
            q.close()
        self.workers, self.task_queues = [], []


def _worker_loop(fetch, tasks, results, base_seed, worker_id, init_fn):
    """A worker's life: take (k, indices) from ``tasks`` until None; put (k, batch, error) in ``results``."""
    from ..factories import manual_seed

    if init_fn is not None:
        try:
            manual_seed(base_seed - 1 - worker_id)
            init_fn(worker_id)
        except Exception:
            results.put((-1 - worker_id, None, traceback.format_exc()))  # negative: not a batch
            return
    while True:
        try:
            task = tasks.get()
        except (EOFError, OSError, KeyboardInterrupt):  # the main process went away
            return
        if task is None:
            return
        number, index = task
        try:
            manual_seed(base_seed + number)
            payload = pickle.dumps(_pack(fetch(index)))  # here, so an unpicklable batch is reported too
            results.put((number, payload, None))
        except Exception:
            results.put((number, None, traceback.format_exc()))


class _Packed:
    """A Tensor on its way from a worker: its values on the host and the device to put them back on."""

    def __init__(self, tensor):
        self.host, self.device = tensor.detach().cpu(), tensor.device


def _pack(batch):
    return _map_tensors(batch, _Packed, Tensor)


def _unpack(batch):
    return _map_tensors(batch, lambda packed: packed.host.to(packed.device), _Packed)


def _map_tensors(batch, fn, kind):
    """``batch`` with every ``kind`` inside tuples, lists and dicts replaced by ``fn(it)``."""
    if isinstance(batch, kind):
        return fn(batch)
    if isinstance(batch, dict):
        return {key: _map_tensors(value, fn, kind) for key, value in batch.items()}
    if isinstance(batch, (tuple, list)):
        items = [_map_tensors(value, fn, kind) for value in batch]
        return type(batch)(*items) if hasattr(batch, "_fields") else type(batch)(items)
    return batch


def _as_list(index):
    """Batch indices as a list of Python ints (what crosses to a worker)."""
    if isinstance(index, list):
        return [int(i) for i in index]
    backend = backends.backend_of(index)
    return backend.to_numpy(index).tolist()


def _describe(number, tasks):
    index = tasks[number][1]
    shown = index if len(index) <= 8 else [*index[:8], "..."]
    return f"batch {number} (dataset indices {shown})"
