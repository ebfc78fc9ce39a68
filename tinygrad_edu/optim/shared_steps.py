"""Steps that several update formulas share: the gradient they step with, and a running mean."""


def effective_gradient(param, grad, weight_decay, maximize, lr=None, decoupled=False):
    """The gradient a formula steps with: −g to maximize, then the weight decay λ.

    L2 decay folds λθ into the gradient (g + λθ); decoupled decay (Loshchilov & Hutter 2019, with
    ``lr`` γ) shrinks θ directly, θ ← θ(1 − γλ), and leaves g alone.
    """
    if maximize:
        grad = -grad
    if not weight_decay:
        return grad
    if decoupled:
        param *= 1 - lr * weight_decay  # shrink θ directly, outside any adaptive scaling
        return grad
    return grad + weight_decay * param


def running_mean_(average, value, decay):
    """``average ← decay·average + (1 − decay)·value``, in place: an exponential moving average."""
    average *= decay
    average += (1 - decay) * value
