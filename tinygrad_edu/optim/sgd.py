"""``SGD``: stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from ..tensor import Tensor
from .optimizer import Optimizer


def sgd(xp, param, grad, buf, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """One SGD step on arrays, PyTorch's documented algorithm; returns the momentum buffer.

    g ← −g (maximize);  g ← g + λθ;  b ← μb + (1−τ)g (b₁ = g);  g ← g + μb (Nesterov) or b;  θ ← θ − γg
    """
    if maximize:
        grad = -grad
    if weight_decay:
        grad = grad + weight_decay * param
    if momentum:
        if buf is None:
            buf = xp.array(grad)  # b₁ = g₁ (a copy): the first step has no history to dampen
        else:
            buf *= momentum
            buf += (1 - dampening) * grad if dampening else grad
        grad = grad + momentum * buf if nesterov else buf
    param -= lr * grad
    return buf


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD`` (momentum and Nesterov as Sutskever et al. 2013).

    >>> opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(
        self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        self._check_nonnegative(group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _update(self, param, grad, state, group):
        buf = state.get("momentum_buffer")
        new_buf = sgd(
            param._backend(),
            param.data,
            grad,
            None if buf is None else buf.data,
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
        )
        if buf is None and new_buf is not None:
            state["momentum_buffer"] = Tensor._make(new_buf)
