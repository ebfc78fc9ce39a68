"""An optional training loop: ``fit`` and ``evaluate``, written out so they can be read.

The tutorials write their loops by hand; this is the same loop, once, for scripts and the demo::

    history = tg.train.fit(model, F.cross_entropy, optimizer, train_loader, epochs=5, val_loader=val_loader)
    history["val_accuracy"]      # one value per epoch

A progress bar is shown when ``tqdm`` is installed (``pip install tqdm``, or ``pip install ".[demo]"``
from a checkout).
"""

import importlib.util
import sys

from .autograd import no_grad


def accuracy(logits, targets):
    """Fraction of rows whose largest logit sits at the target class, as a float."""
    return (logits.argmax(dim=-1) == targets).float().mean().item()


_METRICS = {"accuracy": accuracy}


class History(dict):
    """Per-epoch lists of numbers: ``history["train_loss"]``, ``history["val_accuracy"]``, ..."""

    def __init__(self):
        super().__init__(train_loss=[], val_loss=[])

    def record(self, values):
        """Append one epoch's ``{name: value}`` to the matching lists."""
        for name, value in values.items():
            self.setdefault(name, []).append(value)

    def __repr__(self):
        latest = ", ".join(f"{name}={values[-1]:.4f}" for name, values in self.items() if values)
        return f"History({len(self['train_loss'])} epochs: {latest})"


def _named_metrics(metrics):
    """``("accuracy", my_fn)`` -> ``{"accuracy": accuracy, "my_fn": my_fn}``."""
    named = {}
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in _METRICS:
                raise ValueError(
                    f"train: unknown metric {metric!r} (known: {sorted(_METRICS)}; or pass a function)"
                )
            named[metric] = _METRICS[metric]
        elif callable(metric):
            named[getattr(metric, "__name__", "metric")] = metric
        else:
            raise TypeError(f"train: a metric must be a name or a function, got {type(metric).__name__}")
    return named


def _progress_bar(total, enabled):
    """One tqdm bar for the whole run (``total`` batches), or None when there should be none.

    None when not asked for, when tqdm is missing (an optional extra), and when the output is a pipe
    or a log file rather than a terminal: a bar redrawn with carriage returns is noise there, and it
    would come out of order with the printed lines (stderr is unbuffered, stdout is not). In a
    notebook the widget bar needs ipywidgets; without it, the text bar is used (no "IProgress not
    found" warning).
    """
    if not enabled:
        return None
    try:
        from tqdm import tqdm as bar
    except ImportError:
        return None
    in_notebook = "ipykernel" in sys.modules
    if in_notebook and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm as bar
    elif not in_notebook and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return None
    return bar(
        total=total, desc="training", unit="batch", leave=True, file=None if in_notebook else sys.stderr
    )


def evaluate(model, loader, loss_fn=None, metrics=("accuracy",)):
    """Mean loss (when ``loss_fn`` is given) and metrics over ``loader``, in eval mode, without grad.

    Means are weighted by batch size, so a short last batch counts for what it holds.
    """
    named = _named_metrics(metrics)
    totals = dict.fromkeys(["loss", *named] if loss_fn else named, 0.0)
    count = 0
    was_training = model.training
    model.eval()
    with no_grad():
        for inputs, targets in loader:
            outputs = model(inputs)
            size = len(targets)
            if loss_fn is not None:
                totals["loss"] += loss_fn(outputs, targets).item() * size
            for name, metric in named.items():
                totals[name] += float(metric(outputs, targets)) * size
            count += size
    model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no batches")
    return {name: total / count for name, total in totals.items()}


def fit(
    model,
    loss_fn,
    optimizer,
    train_loader,
    epochs=1,
    val_loader=None,
    metrics=("accuracy",),
    scheduler=None,
    progress=True,
):
    """Train for ``epochs`` passes over ``train_loader``; returns a ``History`` of per-epoch values.

    Each step is the loop every tutorial writes: zero the gradients, compute the loss, backward, step.
    The scheduler (if any) steps once per epoch; ``val_loader`` is evaluated after every epoch.

    Args:
        model: the ``nn.Module`` to train (put in train mode for each epoch).
        loss_fn: ``loss_fn(model(inputs), targets)`` → a scalar loss tensor, e.g. ``F.cross_entropy``.
        optimizer: the optimizer over ``model``'s parameters.
        train_loader: an iterable of ``(inputs, targets)`` batches, e.g. a ``data.DataLoader``.
        epochs: how many passes over ``train_loader``. Default 1.
        val_loader: batches to evaluate after every epoch (``val_loss`` and ``val_<metric>``). Default None.
        metrics: names (``"accuracy"``) or functions ``metric(outputs, targets)`` for the validation. Default
            ``("accuracy",)``.
        scheduler: a learning-rate scheduler to step once per epoch. Default None.
        progress: show one progress bar over the whole run (all epochs), with the epoch and its running
            mean loss, when ``tqdm`` is installed and the output is a terminal or a notebook. Default True.

    Returns:
        A ``History``: ``history["train_loss"]`` (the mean loss of each epoch), ``history["val_loss"]``, ...
    """
    _named_metrics(metrics)  # fail on a bad metric before training, not after the first epoch
    history = History()
    batches_per_epoch = len(train_loader) if hasattr(train_loader, "__len__") else None
    bar = _progress_bar(batches_per_epoch and epochs * batches_per_epoch, progress)
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(targets)
            count += len(targets)
            if bar is not None:  # one bar over all epochs, with this epoch's running mean loss
                bar.set_postfix_str(f"epoch {epoch}/{epochs}, loss {total / count:.4f}", refresh=False)
                bar.update(1)
        if scheduler is not None:
            scheduler.step()
        values = {"train_loss": total / max(count, 1)}
        if val_loader is not None:
            scores = evaluate(model, val_loader, loss_fn, metrics)
            values.update({f"val_{name}": value for name, value in scores.items()})
        history.record(values)
    if bar is not None:
        bar.close()
    return history
