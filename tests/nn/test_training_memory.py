"""A training loop's memory stays flat, also when it keeps every loss tensor (backward frees the graph)."""

import gc
import tracemalloc

import tinygrad_edu as tg


def _training_loop(steps, kept):
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(8, 16), tg.nn.ReLU(), tg.nn.Linear(16, 3))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = tg.nn.CrossEntropyLoss()
    x, y = tg.randn(32, 8), tg.randint(0, 3, (32,))

    def run(n):
        for _ in range(n):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            kept.append(loss)

    run(20)  # warm up: optimizer state, caches
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    run(steps)
    gc.collect()
    growth = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    return growth


def test_no_memory_growth_over_1000_steps_while_keeping_every_loss():
    kept = []
    growth = _training_loop(1000, kept)
    # each kept loss is a 0-d tensor whose released graph holds no activations: well under 1 KiB
    # per step, where one step's activations alone are 32 x 16 x 4 bytes x several arrays
    assert growth / 1000 < 1024, f"{growth / 1000:.0f} bytes per step retained"
    assert all(loss.grad_fn is not None and loss.grad_fn.inputs is None for loss in kept)


def test_the_kept_losses_would_have_held_the_graph_without_backward():
    """The same measurement without backward keeps every graph alive: the test above can fail."""
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(8, 16), tg.nn.ReLU(), tg.nn.Linear(16, 3))
    x, y = tg.randn(32, 8), tg.randint(0, 3, (32,))
    kept = []
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    for _ in range(200):
        kept.append(tg.nn.functional.cross_entropy(model(x), y))
    growth = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    assert growth / 200 > 1024
