"""Grad mode: no_grad / enable_grad / set_grad_enabled, nesting, exceptions, threads, int tensors."""

import threading

import pytest

import tinygrad_edu as tg


@pytest.fixture(autouse=True)
def grad_mode_is_restored():
    assert tg.is_grad_enabled()
    yield
    enabled = tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    assert enabled, "a test left grad mode disabled"


def records():
    """Whether an op on a tensor that requires grad is recorded right now."""
    y = tg.ones(2, requires_grad=True) * 2
    assert (y.grad_fn is not None) == y.requires_grad
    return y.requires_grad


def test_grad_is_enabled_by_default():
    assert tg.is_grad_enabled() is True
    assert tg.autograd.is_grad_enabled() is True
    assert records()


def test_no_grad_context_manager():
    with tg.no_grad():
        assert tg.is_grad_enabled() is False
        assert not records()
    assert tg.is_grad_enabled() and records()


def test_results_made_under_no_grad_are_leaves_without_grad():
    x = tg.ones(2, requires_grad=True)
    with tg.no_grad():
        y = x * 2
    assert y.is_leaf and y.grad_fn is None and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


def test_no_grad_as_decorator():
    @tg.no_grad()
    def inside():
        return tg.is_grad_enabled(), records()

    assert inside() == (False, False)
    assert tg.is_grad_enabled()
    assert inside.__name__ == "inside"


def test_enable_grad_inside_no_grad():
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled() and records()
        assert not tg.is_grad_enabled()

        @tg.enable_grad()
        def inside():
            return records()

        assert inside()
        assert not tg.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call():
    tg.set_grad_enabled(False)
    assert not tg.is_grad_enabled() and not records()
    tg.set_grad_enabled(True)
    assert tg.is_grad_enabled() and records()


@pytest.mark.parametrize("mode", [False, True])
def test_set_grad_enabled_as_a_context_manager(mode):
    with tg.no_grad():
        with tg.set_grad_enabled(mode):
            assert tg.is_grad_enabled() is mode
            assert records() is mode
        assert tg.is_grad_enabled() is False
    with tg.set_grad_enabled(mode):
        assert tg.is_grad_enabled() is mode
    assert tg.is_grad_enabled() is True


def test_set_grad_enabled_as_a_decorator():
    @tg.set_grad_enabled(False)
    def inside():
        return tg.is_grad_enabled()

    assert tg.is_grad_enabled()  # decorating does not change the mode
    assert inside() is False
    assert tg.is_grad_enabled()


def test_nesting_restores_each_level():
    states = []
    with tg.no_grad():
        states.append(tg.is_grad_enabled())
        with tg.enable_grad():
            states.append(tg.is_grad_enabled())
            with tg.no_grad():
                states.append(tg.is_grad_enabled())
                with tg.set_grad_enabled(True):
                    states.append(tg.is_grad_enabled())
                states.append(tg.is_grad_enabled())
            states.append(tg.is_grad_enabled())
        states.append(tg.is_grad_enabled())
    states.append(tg.is_grad_enabled())
    assert states == [False, True, False, True, False, True, False, True]


def test_one_no_grad_object_can_be_reused_and_nested():
    guard = tg.no_grad()
    with guard:
        with guard:
            assert not tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    with guard:
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_exception_inside_a_context_manager_restores_the_mode():
    with pytest.raises(ValueError, match="boom"), tg.no_grad():
        raise ValueError("boom")
    assert tg.is_grad_enabled()

    with tg.no_grad():
        with pytest.raises(KeyError), tg.enable_grad():
            raise KeyError("x")
        assert not tg.is_grad_enabled()

    with pytest.raises(ValueError), tg.set_grad_enabled(False):
        raise ValueError
    assert tg.is_grad_enabled()


def test_exception_inside_a_decorated_function_restores_the_mode():
    @tg.no_grad()
    def fails():
        raise RuntimeError("inside")

    with pytest.raises(RuntimeError, match="inside"):
        fails()
    assert tg.is_grad_enabled()


def _in_thread(func):
    result, errors = [], []

    def run():
        try:
            result.append(func())
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    if errors:
        raise errors[0]
    return result[0]


def test_a_new_thread_starts_with_grad_enabled():
    with tg.no_grad():
        assert _in_thread(lambda: (tg.is_grad_enabled(), records())) == (True, True)
    tg.set_grad_enabled(False)
    try:
        assert _in_thread(tg.is_grad_enabled) is True
    finally:
        tg.set_grad_enabled(True)


def test_no_grad_in_one_thread_does_not_affect_another():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with tg.no_grad():
            entered.set()
            release.wait(timeout=10)
            seen["worker"] = tg.is_grad_enabled()
        seen["worker after"] = tg.is_grad_enabled()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert entered.wait(timeout=10)
        seen["main"] = tg.is_grad_enabled()
        seen["main records"] = records()
    finally:
        release.set()
        thread.join(timeout=10)
    assert seen == {"worker": False, "worker after": True, "main": True, "main records": True}


def test_set_grad_enabled_false_in_a_thread_stays_in_that_thread():
    def worker():
        tg.set_grad_enabled(False)
        return tg.is_grad_enabled()

    assert _in_thread(worker) is False
    assert tg.is_grad_enabled()


# ---- integer and bool tensors carry no gradient ----------------------------------------------------


@pytest.mark.parametrize("dtype", [tg.int64, tg.int32, tg.bool])
def test_requires_grad_on_an_integer_or_bool_tensor_raises(dtype):
    with pytest.raises(RuntimeError, match="floating point") as info:
        tg.tensor([1, 0], dtype=dtype, requires_grad=True)
    assert str(dtype) in str(info.value)
    t = tg.tensor([1, 0], dtype=dtype)
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        t.requires_grad = True
    assert not t.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        tg.zeros(2, dtype=dtype, requires_grad=True)


def test_factories_of_integers_refuse_requires_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        tg.arange(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        tg.randint(0, 5, (3,), requires_grad=True)


def test_ops_on_integer_tensors_do_not_require_grad():
    i = tg.tensor([3, 1, 2])
    results = [-i, i + 1, i * i, i.abs(), i.sum(), i.max(), i[0], i.reshape(3, 1), i.relu(), i**2]
    results += [tg.cat([i, i]), i.clamp(0, 2), i.float() * 2, i / 2]
    for r in results:
        assert not r.requires_grad and r.grad_fn is None


def test_integer_results_of_a_float_tensor_that_requires_grad_do_not_require_grad():
    x = tg.tensor([[1.5, -2.0], [0.5, 3.0]], requires_grad=True)
    results = [x > 0, x == x, x.argmax(), x.argmin(1), x.max(1).indices, x.long(), x.to(tg.int32), x.bool()]
    results += [(x > 0) & (x < 2), ~(x > 0), x.isnan()]
    for r in results:
        assert r.dtype.kind in "biu"
        assert not r.requires_grad and r.grad_fn is None


def test_mixing_an_integer_tensor_with_a_float_tensor_that_requires_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    i = tg.tensor([3, 4])
    y = (x * i).sum()
    assert y.requires_grad
    y.backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_inference_mode_records_nothing_as_context_and_decorator():
    x = tg.ones(2, requires_grad=True)
    with tg.inference_mode():
        assert not tg.is_grad_enabled()
        assert not (x * 2).requires_grad
    assert tg.is_grad_enabled()
    with tg.inference_mode(False):
        assert (x * 2).requires_grad

    @tg.inference_mode()
    def evaluate(t):
        return t * 2

    assert not evaluate(x).requires_grad and tg.is_grad_enabled()
