"""The course's textbook forms: ``GD``, ``Momentum`` (the averaging form) and ``NAG`` (the look-ahead form).

They differ from PyTorch's ``SGD(momentum=..., nesterov=...)`` in how the formulas are written, not
in what they can do: ``Momentum`` averages gradients (V ← βV + (1−β)g) where SGD sums them
(b ← μb + g), so its step is (1−β) times smaller for the same α; ``NAG`` takes the gradient at the
look-ahead point θ − βV, as the method is first taught, where SGD's ``nesterov=True`` uses an
equivalent rewrite that needs only the gradient at θ.
"""

from ..autograd import no_grad
from .optimizer import Optimizer, buffer_like, hyperparameters, in_interval, nonnegative


def gradient_descent(param, grad, *, lr):
    """θ ← θ − α∇J."""
    param -= lr * grad


def momentum(param, grad, velocity, *, lr, beta):
    """V ← βV + (1−β)g;  θ ← θ − αV  (an exponentially weighted average of gradients, V₀ = 0)."""
    velocity *= beta
    velocity += (1 - beta) * grad
    param -= lr * velocity


def nesterov(param, grad, velocity, *, lr, beta):
    """V ← βV + α∇J(θ − βV);  θ ← θ − V  (``grad`` is the gradient at the look-ahead point θ − βV)."""
    velocity *= beta
    velocity += lr * grad
    param -= velocity


class GD(Optimizer):
    """Plain gradient descent, θ ← θ − α∇J(θ): batch, mini-batch or stochastic depending on the data fed.

    For each parameter θ with gradient g = ∇J(θ):

        θ ← θ − αg

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: α, the learning rate (required).
    """

    update = staticmethod(gradient_descent)
    rules = (nonnegative("lr"),)

    def __init__(self, params, lr):
        super().__init__(params, hyperparameters(locals()))


class Momentum(Optimizer):
    """Gradient descent with momentum, the averaging form taught in courses.

    For each parameter θ with gradient g (V₀ = 0):

        V ← βV + (1 − β)g          an exponentially weighted average of the gradients
        θ ← θ − αV

    The velocity *averages* gradients, so the steady-state step is α·g; PyTorch's
    ``SGD(momentum=β)`` *sums* them (b ← βb + g), a step 1/(1 − β) times larger at the same α:
    ``Momentum(lr=α, beta=β)`` moves like ``SGD(lr=(1 − β)α, momentum=β)`` (tutorial 10).

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: α, the learning rate (required).
        beta: β in [0, 1), how much of the old velocity is kept. Default 0.9.
    """

    update = staticmethod(momentum)
    rules = (nonnegative("lr"), in_interval("beta", 0, 1))

    def __init__(self, params, lr, beta=0.9):
        super().__init__(params, hyperparameters(locals()))

    def initial_state(self, param, group):
        return {"velocity": buffer_like(param)}


class NAG(Momentum):
    """Nesterov's accelerated gradient, look-ahead form: the gradient where momentum is about to carry θ.

    For each parameter θ (V₀ = 0):

        V ← βV + α∇J(θ − βV)       the gradient at the look-ahead point θ − βV
        θ ← θ − V

    Unlike ``Momentum``, the velocity here is a *sum* of learning-rate-scaled gradients (α sits
    inside V), so at the same α its steady-state step is 1/(1 − β) times ``Momentum``'s: a ten
    times smaller α gives NAG the step size of ``Momentum`` at β = 0.9. That is a difference of
    parametrisation, not of the method (tutorial 10).

    The gradient is needed at the look-ahead point, so ``step`` takes a closure::

        def closure():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            return loss

        opt.step(closure)   # moves to θ − βV, calls closure() there, moves back, updates

    Args:
        params: the tensors to optimise, or a list of parameter groups: dicts with a ``"params"``
            entry and, optionally, hyperparameters of their own that override the defaults.
        lr: α, the learning rate (required).
        beta: β in [0, 1), the momentum factor. Default 0.9.
    """

    # the hyperparameters (lr, beta) and the state (a velocity per parameter) are Momentum's
    update = staticmethod(nesterov)

    def step(self, closure=None):
        """Evaluate ``closure`` at the look-ahead point θ − βV, then update; returns its loss."""
        if closure is None:
            raise RuntimeError(
                "NAG.step: the look-ahead form needs the gradient at θ − βV, so pass a closure that "
                "computes the loss and calls backward: opt.step(closure)"
            )
        self._shift_by_velocity(-1)  # θ → θ − βV
        try:
            self.zero_grad()
            loss = self.evaluate(closure)
        finally:
            self._shift_by_velocity(+1)  # and back to θ, even if the closure raised
        self.update_each()  # V ← βV + α∇J(θ − βV), θ ← θ − V: the formula `nesterov`
        return loss

    def _shift_by_velocity(self, sign):
        """θ ← θ + sign·βV for every parameter."""
        with no_grad():
            for param, group in self.params_and_groups():
                param.add_(self.state_of(param, group)["velocity"], alpha=sign * group["beta"])
