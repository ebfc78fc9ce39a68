"""tg.compile: a replayed step equals the eager step bit for bit, and every guard falls back when it must.

Each test builds two identical models (same seed): one trained by the eager step, one by the compiled
step, on the same batches; then compares losses, parameters, gradients and optimizer state exactly.
"""

import gc
import tracemalloc
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

STEPS = 100


def batches(shape, classes, count=STEPS, seed=0, dtype=np.float32):
    """``count`` different (x, y) batches: each replay sees new data."""
    rng = np.random.default_rng(seed)
    return [
        (tg.tensor(rng.standard_normal(shape).astype(dtype)), tg.tensor(rng.integers(0, classes, shape[0])))
        for _ in range(count)
    ]


def mlp():
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 3 * 3, 3)
    )


class Recurrent(nn.Module):
    """An LSTM over a sequence, then a linear read-out of its last state."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 5, batch_first=True)
        self.head = nn.Linear(5, 3)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def training_step(model, optimizer, scheduler=None):
    loss_fn = nn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        return loss

    return step


def twins(build, make_optimizer, make_scheduler=None):
    """Two identical (model, optimizer, step) triples; the second step compiled."""
    made = []
    for _ in range(2):
        tg.manual_seed(0)
        model = build()
        optimizer = make_optimizer(model.parameters())
        scheduler = make_scheduler(optimizer) if make_scheduler else None
        made.append((model, optimizer, training_step(model, optimizer, scheduler)))
    (eager_model, eager_opt, eager_step), (model, opt, step) = made
    return (eager_model, eager_opt, eager_step), (model, opt, tg.compile(step))


def exact(tensor):
    return tensor.detach().cpu().numpy()


def assert_same_state(eager_model, model, eager_opt=None, opt=None):
    for (name, p), q in zip(eager_model.named_parameters(), model.parameters()):
        np.testing.assert_array_equal(exact(p), exact(q), err_msg=name)
        if p.grad is None:
            assert q.grad is None, name
        else:
            np.testing.assert_array_equal(exact(p.grad), exact(q.grad), err_msg=f"{name}.grad")
    if eager_opt is not None:
        for p, q in zip(eager_model.parameters(), model.parameters()):
            for key, value in eager_opt.state.get(p, {}).items():
                other = opt.state[q][key]
                if isinstance(value, tg.Tensor):
                    np.testing.assert_array_equal(exact(value), exact(other), err_msg=key)
                else:
                    assert value == other, key


def train_both(eager, compiled, data):
    (eager_model, eager_opt, eager_step), (model, opt, step) = eager, compiled
    for x, y in data:
        assert exact(eager_step(x, y)).tobytes() == exact(step(x, y)).tobytes()
    assert_same_state(eager_model, model, eager_opt, opt)
    return step


def sgd(params):
    return tg.optim.SGD(params, lr=0.1, momentum=0.9)


def cnn_with_batch_norm():
    """BatchNorm updates its running statistics in place, outside the graph, at every step."""
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 6 * 6, 3)
    )


@pytest.mark.parametrize(
    "build, shape",
    [(mlp, (8, 6)), (cnn, (4, 1, 6, 6)), (cnn_with_batch_norm, (4, 1, 6, 6)), (Recurrent, (4, 7, 4))],
    ids=["mlp", "cnn", "cnn-batchnorm", "lstm"],
)
def test_replayed_steps_equal_eager_steps_bit_for_bit(build, shape):
    eager, compiled = twins(build, sgd)
    step = train_both(eager, compiled, batches(shape, 3))
    assert step.stats == {"recorded": 2, "replayed": STEPS - 2, "eager": 0}
    for (name, a), b in zip(eager[0].named_buffers(), compiled[0].buffers()):  # BatchNorm's statistics
        np.testing.assert_array_equal(exact(a), exact(b), err_msg=name)


OPTIMIZERS = {
    "SGD": lambda p: tg.optim.SGD(p, lr=0.1),
    "SGD-nesterov-decay": lambda p: tg.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "GD": lambda p: tg.optim.GD(p, lr=0.1),
    "Momentum": lambda p: tg.optim.Momentum(p, lr=0.1, beta=0.9),
    "Adam": lambda p: tg.optim.Adam(p, lr=0.01),
    "Adam-amsgrad": lambda p: tg.optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.01),
    "AdamW": lambda p: tg.optim.AdamW(p, lr=0.01),
    "Adamax": lambda p: tg.optim.Adamax(p, lr=0.01),
    "NAdam": lambda p: tg.optim.NAdam(p, lr=0.01),
    "RMSprop-centered": lambda p: tg.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "Adagrad": lambda p: tg.optim.Adagrad(p, lr=0.1),
    "Adadelta": lambda p: tg.optim.Adadelta(p),
    "Rprop": lambda p: tg.optim.Rprop(p),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_replays_bit_for_bit(name):
    """The optimizer's step replays whole: Adam's step count and bias corrections are read afresh."""
    step = train_both(*twins(mlp, OPTIMIZERS[name]), batches((8, 6), 3))
    assert step.stats["replayed"] == STEPS - 2


@pytest.mark.parametrize("name", ["NAG", "RandomSearch"])
def test_optimizers_that_need_a_closure_run_eagerly(name):
    """A closure is made from the step's own tensors: replaying it would reuse the first batch."""
    make = {
        "NAG": lambda p: tg.optim.NAG(p, lr=0.1, beta=0.9),
        "RandomSearch": lambda p: tg.optim.RandomSearch(p, lr=0.05),
    }[name]
    made = []
    for _ in range(2):
        tg.manual_seed(0)
        model = mlp()
        made.append((model, make(model.parameters())))
    loss_fn = nn.CrossEntropyLoss()

    def stepper(model, optimizer):
        def step(x, y):
            def closure():
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                if name == "NAG":  # RandomSearch needs the loss alone
                    loss.backward()
                return loss

            return optimizer.step(closure)

        return step

    eager_step, compiled = stepper(*made[0]), tg.compile(stepper(*made[1]))
    with pytest.warns(RuntimeWarning, match="closure"):
        for x, y in batches((8, 6), 3, count=5):
            tg.manual_seed(1)
            a = eager_step(x, y)
            tg.manual_seed(1)
            assert exact(a).tobytes() == exact(compiled(x, y)).tobytes()
    assert compiled.stats["replayed"] == 0
    assert_same_state(made[0][0], made[1][0])


def test_a_schedule_inside_the_step_changes_lr_every_replay():
    """StepLR steps inside the compiled step and replays whole: its lr reaches every replay."""
    eager, compiled = twins(
        mlp,
        lambda p: tg.optim.SGD(p, lr=0.5, momentum=0.9),
        lambda o: tg.optim.lr_scheduler.StepLR(o, 3, 0.7),
    )
    step = train_both(eager, compiled, batches((8, 6), 3))
    assert compiled[1].param_groups[0]["lr"] == eager[1].param_groups[0]["lr"] < 0.5 * 0.7**30
    assert step.stats["recorded"] == 2


def test_a_schedule_outside_and_a_changed_hyperparameter_need_no_new_recording():
    eager, compiled = twins(mlp, lambda p: tg.optim.Adam(p, lr=0.01))
    schedules = [tg.optim.lr_scheduler.CosineAnnealingLR(opt, 20) for _, opt, _ in (eager, compiled)]
    data = batches((8, 6), 3)
    for i in range(0, STEPS, 10):
        train_both(eager, compiled, data[i : i + 10])
        for schedule in schedules:
            schedule.step()
        if i == 50:
            for _, opt, _ in (eager, compiled):
                opt.param_groups[0]["betas"] = (0.5, 0.9)
    assert compiled[2].stats["recorded"] == 2


def test_a_new_input_shape_records_a_program_of_its_own():
    eager, compiled = twins(mlp, sgd)
    data = (
        batches((8, 6), 3, count=6)
        + batches((5, 6), 3, count=6, seed=1)
        + batches((8, 6), 3, count=3, seed=2)
    )
    step = train_both(eager, compiled, data)
    assert len(step.programs) == 2
    assert step.stats == {"recorded": 4, "replayed": 11, "eager": 0}


def test_dtype_and_device_are_part_of_the_signature():
    compiled = tg.compile(lambda x: (x * 2 + 1).sum())
    inputs = [tg.ones(3, dtype=tg.float32), tg.ones(3, dtype=tg.float64), tg.ones(3, device="cpu")]
    if tg.get_default_device() == "cpu":
        inputs.append(tg.ones(3, device="cuda"))
    for x in inputs * 3:
        result = compiled(x)
        assert result.dtype == x.dtype and result.device == x.device and result.item() == 9
    assert len(compiled.programs) == len({(x.dtype, x.device) for x in inputs})


def test_freezing_a_parameter_records_again():
    eager, compiled = twins(mlp, sgd)
    data = batches((8, 6), 3, count=20)
    train_both(eager, compiled, data[:10])
    for model, _, _ in (eager, compiled):
        model[0].weight.requires_grad_(False)
    train_both(eager, compiled, data[10:])
    assert compiled[2].stats == {"recorded": 4, "replayed": 16, "eager": 0}


class Doubling(nn.Module):
    """Python control flow on the module's mode: doubles its input in training only."""

    def forward(self, x):
        return x * 2 if self.training else x


def test_switching_train_and_eval_mode_records_again():
    eager, compiled = twins(lambda: nn.Sequential(nn.Linear(6, 3), Doubling()), sgd)
    data = batches((8, 6), 3, count=20)
    train_both(eager, compiled, data[:10])
    for model, _, _ in (eager, compiled):
        model.eval()
    train_both(eager, compiled, data[10:])
    assert compiled[2].stats["recorded"] == 4


def test_reading_a_value_into_python_runs_eagerly():
    """``if loss.item() > 1``: Python decides by a value, which a replay would not look at again."""
    model = nn.Linear(6, 1)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        optimizer.zero_grad()
        loss = model(x).pow(2).mean()
        if loss.item() > 1.0:
            loss = loss * 2
        loss.backward()
        optimizer.step()
        return loss

    compiled = tg.compile(step)
    with pytest.warns(RuntimeWarning, match=r"item\(\) reads a tensor's values"):
        for x, _ in batches((8, 6), 3, count=4):
            compiled(x)
    assert compiled.stats == {"recorded": 1, "replayed": 0, "eager": 3}


def test_control_flow_on_python_state_is_caught_by_the_check_run():
    """The step doubles the loss on some calls, by a Python flag: the two recordings differ."""
    thresholds = iter([-1.0, 1e9])  # first recording: the branch; the check run: not

    def make(model, optimizer):
        def step(x):
            optimizer.zero_grad()
            loss = model(x).pow(2).mean()
            if threshold[0] < 0:
                loss = loss * 2
            loss.backward()
            optimizer.step()
            return loss

        return step

    threshold = [None]
    model = nn.Linear(6, 1)
    compiled = tg.compile(make(model, tg.optim.SGD(model.parameters(), lr=0.1)))
    with pytest.warns(RuntimeWarning, match="check run differs"):
        for x, _ in batches((8, 6), 3, count=4):
            threshold[0] = next(thresholds, 1e9)
            compiled(x)
    assert compiled.stats == {"recorded": 2, "replayed": 0, "eager": 2}


def test_random_numbers_drawn_outside_the_ops_are_caught_by_the_check_run():
    model = nn.Linear(6, 3)
    compiled = tg.compile(lambda x: (model(x + tg.randn(*x.shape)) ** 2).mean())
    with pytest.warns(RuntimeWarning, match="check run differs"), tg.no_grad():
        for x, _ in batches((8, 6), 3, count=3):
            compiled(x)
    assert compiled.stats["replayed"] == 0


class Square(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


def test_a_custom_function_runs_eagerly_or_raises_with_fullgraph():
    model = nn.Linear(6, 3)

    def step(x):
        loss = Square.apply(model(x)).mean()
        loss.backward()
        return loss

    data = batches((8, 6), 3, count=3)
    with pytest.warns(RuntimeWarning, match="custom autograd.Function"):
        compiled = tg.compile(step)
        for x, _ in data:
            compiled(x)
    assert compiled.stats["eager"] == 2
    strict = tg.compile(step, fullgraph=True)
    with pytest.raises(RuntimeError, match="fullgraph=True"):
        strict(data[0][0])


@pytest.mark.parametrize(
    "step, reason",
    [
        (lambda x: (x * 2).sum().item(), r"item\(\) reads"),
        (lambda x: ((x * 2).sum(), 6.0), "returned a float"),
    ],
    ids=["item", "a-number"],
)
def test_a_step_that_returns_a_number_runs_eagerly_with_a_reason(step, reason):
    compiled = tg.compile(step)
    x = tg.ones(3)
    with pytest.warns(RuntimeWarning, match=reason):
        first = compiled(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once per signature
        second = compiled(x)
    assert str(first) == str(second) and compiled.stats == {"recorded": 1, "replayed": 0, "eager": 1}


def test_in_place_changes_outside_the_graph_are_replayed():
    """``add_`` under no_grad on a buffer, and on an input: each is an instruction of the step."""
    counter = tg.zeros(3)

    def step(x):
        with tg.no_grad():
            counter.add_(x, alpha=0.5)
            counter.clamp_(max=4.0)
            x.mul_(2)
        return (x * counter).sum()

    compiled = tg.compile(step)
    expected_counter = tg.zeros(3)
    for i in range(6):
        x, twin = tg.full((3,), float(i)), tg.full((3,), float(i))
        result = compiled(x)
        with tg.no_grad():
            expected_counter.add_(twin, alpha=0.5)
            expected_counter.clamp_(max=4.0)
            twin.mul_(2)
        assert result.item() == (twin * expected_counter).sum().item()
        assert x.tolist() == twin.tolist() and counter.tolist() == expected_counter.tolist()
    assert compiled.stats["replayed"] == 4 and counter._version == expected_counter._version == 12


def test_an_input_that_requires_grad_runs_eagerly():
    compiled = tg.compile(lambda x: (x * x).sum())
    x = tg.ones(3, requires_grad=True)
    with pytest.warns(RuntimeWarning, match="requires grad"):
        assert compiled(x).item() == 3


def test_more_signatures_than_the_cache_holds_run_eagerly():
    compiled = tg.compile(lambda x: x.sum())
    with pytest.warns(RuntimeWarning, match="more than 8 input signatures"):
        for n in range(1, 11):
            assert compiled(tg.ones(n)).item() == n
    assert compiled.stats["eager"] == 2


def test_each_replay_returns_fresh_tensors():
    """Kept losses are not overwritten by later replays (a static output buffer would be)."""
    model = nn.Linear(6, 3)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    step = tg.compile(training_step(model, optimizer))
    losses = [step(x, y) for x, y in batches((8, 6), 3, count=6)]
    values = [loss.item() for loss in losses]
    assert len(set(values)) == 6 and [loss.item() for loss in losses] == values
    assert all(not loss.requires_grad for loss in losses[2:])


def test_the_program_lists_its_instructions():
    model = mlp()
    step = tg.compile(training_step(model, sgd(model.parameters())))
    for x, y in batches((8, 6), 3, count=3):
        step(x, y)
    (program,) = step.programs.values()
    listing = str(program)
    for name in ("SGD.zero_grad", "Affine.forward", "CrossEntropy.backward", ".grad +=", "SGD.step"):
        assert name in listing, name
    assert len(program.entries) == len(listing.splitlines()) - 1


def test_decorator_forms():
    @tg.compile
    def double(x):
        return x * 2

    @tg.compile(fullgraph=True)
    def triple(x):
        return x * 3

    def plain(x):
        return x

    assert tg.compile(plain, disable=True) is plain
    for _ in range(3):
        assert double(tg.ones(2)).tolist() == [2, 2] and triple(tg.ones(2)).tolist() == [3, 3]
    assert double.stats["replayed"] == triple.stats["replayed"] == 1
    with pytest.raises(TypeError, match="expected a function"):
        tg.compile(3)


def test_memory_does_not_grow_over_ten_thousand_replays():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    step = tg.compile(training_step(model, tg.optim.Adam(model.parameters(), lr=1e-3)))
    x, y = batches((2, 4), 2, count=1)[0]
    for _ in range(100):
        step(x, y)
    tracemalloc.start()
    try:
        for _ in range(1000):
            step(x, y)
        gc.collect()  # empties the interpreter's free lists too, which tracemalloc counts as in use
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10_000):
            step(x, y)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert step.stats["replayed"] == 11_098
    assert grown < 4096, f"{grown} bytes more after 10,000 replays"


def test_a_hand_written_update_on_data_runs_eagerly():
    """``p.data -= lr * p.grad`` is NumPy on the array, which no replay would repeat: refused."""
    made = []
    for _ in range(2):
        tg.manual_seed(0)
        made.append(nn.Linear(6, 3))

    def stepper(model):
        def step(x, y):
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            for p in model.parameters():
                p.data -= 0.1 * p.grad.data
                p.grad = None
            return loss

        return step

    eager, compiled = stepper(made[0]), tg.compile(stepper(made[1]))
    with pytest.warns(RuntimeWarning, match="data is assigned"):
        for x, y in batches((8, 6), 3, count=4):
            assert exact(eager(x, y)).tobytes() == exact(compiled(x, y)).tobytes()
    assert compiled.stats["replayed"] == 0
    assert_same_state(made[0], made[1])


def test_gradient_clipping_inside_the_step_replays_whole():
    """clip_grad_norm_ runs ops of its own: they belong to its call, not to the program."""
    made = []
    for _ in range(2):
        tg.manual_seed(0)
        model = mlp()
        made.append((model, tg.optim.SGD(model.parameters(), lr=0.5)))
    loss_fn = nn.CrossEntropyLoss()

    def stepper(model, optimizer):
        def step(x, y):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            optimizer.step()
            return loss, norm

        return step

    eager, compiled = stepper(*made[0]), tg.compile(stepper(*made[1]))
    for x, y in batches((8, 6), 3, count=20):
        (loss_a, norm_a), (loss_b, norm_b) = eager(x, y), compiled(x, y)
        assert exact(loss_a).tobytes() == exact(loss_b).tobytes()
        assert exact(norm_a).tobytes() == exact(norm_b).tobytes()
    assert compiled.stats["replayed"] == 18
    (program,) = compiled.programs.values()
    last_lines = str(program).splitlines()[-2:]
    assert "clip_grad_norm_" in last_lines[0] and "SGD.step" in last_lines[1]
    assert_same_state(made[0][0], made[1][0])


def test_a_compiled_function_called_inside_a_compiled_step_is_part_of_it():
    model = mlp()
    forward = tg.compile(lambda x: model(x))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = sgd(model.parameters())

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(forward(x), y)
        loss.backward()
        optimizer.step()
        return loss

    twin = mlp()
    twin.load_state_dict(model.state_dict())
    eager = training_step(twin, sgd(twin.parameters()))
    compiled = tg.compile(step)
    for x, y in batches((8, 6), 3, count=6):
        assert exact(eager(x, y)).tobytes() == exact(compiled(x, y)).tobytes()
    assert compiled.stats["replayed"] == 4 and forward.stats == {"recorded": 0, "replayed": 0, "eager": 0}


def test_ops_of_another_thread_are_not_recorded():
    """A thread that runs ops while a step is recorded does not add them to the step."""
    import threading

    model = nn.Linear(6, 3)
    started, stop = threading.Event(), threading.Event()

    def busy():
        a = tg.ones(4)
        started.set()
        while not stop.is_set():
            a = (a * 1.0).exp().log()

    worker = threading.Thread(target=busy)
    worker.start()
    started.wait()
    try:
        compiled = tg.compile(lambda x: model(x).sum())
        with tg.no_grad():
            for x, _ in batches((8, 6), 3, count=4):
                compiled(x)
    finally:
        stop.set()
        worker.join()
    (program,) = compiled.programs.values()
    assert not any(name in str(program) for name in ("Exp.", "Log.")), str(program)


class SeededDropout(nn.Module):
    """Dropout from a generator of its own, so that twin models draw the same masks."""

    def __init__(self, p):
        super().__init__()
        self.p, self.generator = p, tg.Generator().manual_seed(7)

    def forward(self, x):
        return nn.functional.dropout(x, self.p, self.training, generator=self.generator)


def test_dropout_draws_a_new_mask_at_every_replay():
    """The mask is drawn inside the Dropout op: replays draw what the eager steps draw."""
    build = lambda: nn.Sequential(nn.Linear(6, 16), nn.ReLU(), SeededDropout(0.5), nn.Linear(16, 3))  # noqa: E731
    eager, compiled = twins(build, sgd)
    train_both(eager, compiled, batches((8, 6), 3, count=30))
    assert compiled[2].stats["replayed"] == 28
    x = batches((8, 6), 3, count=1)[0][0]
    model = compiled[0]
    with tg.no_grad():
        outputs = {tuple(exact(model[:3](x)).ravel()) for _ in range(3)}
    assert len(outputs) == 3  # three different masks


def test_between_replays_the_program_holds_no_activation():
    """After a replay, as after an eager step, the step's intermediate arrays are freed."""
    import weakref

    model = mlp()
    step = tg.compile(training_step(model, sgd(model.parameters())))
    data = batches((8, 6), 3, count=4)
    for x, y in data[:3]:
        step(x, y)
    (program,) = step.programs.values()
    x, y = data[3]
    step(x, y)
    held = [entry.ctx for entry in program.entries if hasattr(entry, "ctx")]
    assert all(ctx.saved == () and ctx.inputs == () for ctx in held)
    input_array = weakref.ref(x.data) if hasattr(x.data, "__weakref__") else None
    del x, data
    gc.collect()
    if input_array is not None:
        assert input_array() is None, "the program still holds the last input"


def test_a_forward_whose_graph_is_used_after_the_step_runs_eagerly():
    """tg.compile(model) while training: the caller backpropagates the output, which a replay (no
    graph) could not give it; under no_grad (inference) the same function replays."""
    model = nn.Linear(6, 3)
    forward = tg.compile(model)
    data = batches((8, 6), 3, count=4)
    with pytest.warns(RuntimeWarning, match="did not backpropagate"):
        for x, y in data:
            nn.functional.cross_entropy(forward(x), y).backward()
    assert model.weight.grad is not None and forward.stats["replayed"] == 0
    with tg.no_grad():
        outputs = [forward(x) for x, _ in data]
        expected = [model(x) for x, _ in data]
    assert [exact(o).tobytes() for o in outputs] == [exact(e).tobytes() for e in expected]
    assert forward.stats["replayed"] == 2


def test_a_module_that_keeps_changing_mode_ends_up_eager():
    """Guards that fail at every other call would record forever: after 16 recordings, eager."""
    model = nn.Sequential(nn.Linear(6, 3))
    step = tg.compile(training_step(model, sgd(model.parameters())))
    with pytest.warns(RuntimeWarning, match="keeps changing"):
        for i, (x, y) in enumerate(batches((8, 6), 3, count=40)):
            model.train(i % 3 != 2)
            step(x, y)
    assert step.stats["recorded"] == 16 and step.stats["eager"] > 0


def _with_hook(loss):
    loss.register_hook(lambda grad: grad)
    loss.backward()


def _retaining(loss):
    loss.retain_grad()
    loss.backward()


def _anomaly(loss):
    with tg.autograd.detect_anomaly():
        loss.backward()


@pytest.mark.parametrize(
    "backward, reason",
    [
        (_with_hook, "has a hook or retains its grad"),
        (_retaining, "has a hook or retains its grad"),
        (lambda loss: loss.backward(create_graph=True), "create_graph"),
        (_anomaly, "anomaly detection"),
    ],
    ids=["hook", "retain_grad", "create_graph", "anomaly"],
)
def test_a_backward_the_replay_cannot_repeat_runs_eagerly(backward, reason):
    made = []
    for _ in range(2):
        tg.manual_seed(0)
        made.append(nn.Linear(6, 3))

    def stepper(model):
        def step(x, y):
            model.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            backward(loss)
            return loss.detach()

        return step

    eager, compiled = stepper(made[0]), tg.compile(stepper(made[1]))
    with pytest.warns(RuntimeWarning, match=reason):
        for x, y in batches((8, 6), 3, count=3):
            assert exact(eager(x, y)).tobytes() == exact(compiled(x, y)).tobytes()
    assert compiled.stats["replayed"] == 0
    for p, q in zip(made[0].parameters(), made[1].parameters()):
        np.testing.assert_array_equal(exact(p.grad), exact(q.grad))
