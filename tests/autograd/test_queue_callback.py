"""``tg.autograd.engine.queue_callback``: run code once a backward pass has finished (what DDP needs)."""

import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd.engine import queue_callback


def test_a_callback_queued_by_a_hook_runs_after_every_grad_is_in():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    seen = []

    def hook(grad):
        if not seen:
            queue_callback(lambda: seen.append((a.grad.tolist(), b.grad.tolist())))
        seen.append("hook")

    a.register_hook(hook)
    b.register_hook(hook)
    (a * b).sum().backward()
    assert seen == ["hook", "hook", ([3.0, 4.0], [1.0, 2.0])]


def test_callbacks_run_after_backward_with_inputs_and_after_autograd_grad():
    x = tg.tensor(2.0, requires_grad=True)
    ran = []
    x.register_hook(lambda g: queue_callback(lambda: ran.append(None if x.grad is None else x.grad.item())))
    (x * x).backward(inputs=[x])
    tg.autograd.grad(x * x, x)
    assert ran == [4.0, 4.0]


def test_a_callback_does_not_run_when_backward_fails_and_none_leak_into_the_next():
    x = tg.tensor(1.0, requires_grad=True)
    ran = []

    def failing_hook(grad):
        queue_callback(lambda: ran.append("stale"))
        raise ValueError("hook failed")

    handle = x.register_hook(failing_hook)
    with pytest.raises(ValueError, match="hook failed"):
        (x * 3).backward()
    handle.remove()
    (x * 3).backward()
    assert ran == []


def test_outside_backward_it_raises():
    with pytest.raises(RuntimeError, match="no backward pass is running"):
        queue_callback(lambda: None)
