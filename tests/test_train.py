"""tg.train: fit lowers the loss and records each epoch; evaluate and accuracy compute what they say."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import train
from tinygrad_edu.nn import functional as F

data = pytest.importorskip("tinygrad_edu.data")


def blobs(n=64, seed=0):
    """Two well separated Gaussian blobs in 2-D: class 0 around (-2, 0), class 1 around (2, 0)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    points = rng.normal(0, 0.5, (n, 2)) + np.stack([labels * 4.0 - 2.0, np.zeros(n)], axis=1)
    return tg.tensor(points.astype(np.float32)), tg.tensor(labels)


def loaders(batch_size=16):
    x, y = blobs()
    dataset = data.TensorDataset(x, y)
    return data.DataLoader(dataset, batch_size=batch_size, shuffle=True, seed=0), data.DataLoader(
        dataset, batch_size=64
    )


def test_fit_reduces_the_loss_and_records_every_epoch():
    tg.manual_seed(0)
    model = tg.nn.Linear(2, 2)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    scheduler = tg.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    train_loader, val_loader = loaders()
    history = train.fit(
        model,
        F.cross_entropy,
        optimizer,
        train_loader,
        epochs=4,
        val_loader=val_loader,
        scheduler=scheduler,
        progress=False,
    )
    assert isinstance(history, train.History)
    assert {len(history[k]) for k in ("train_loss", "val_loss", "val_accuracy")} == {4}
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**4)  # stepped once per epoch
    assert model.training


def test_fit_without_validation_and_with_a_custom_metric():
    tg.manual_seed(0)
    model = tg.nn.Linear(2, 2)

    def error_rate(logits, targets):
        return 1.0 - train.accuracy(logits, targets)

    train_loader, val_loader = loaders()
    history = train.fit(
        model,
        F.cross_entropy,
        tg.optim.Adam(model.parameters(), lr=0.05),
        train_loader,
        epochs=2,
        progress=True,
    )
    assert len(history["train_loss"]) == 2 and history["val_loss"] == []
    scores = train.evaluate(model, val_loader, metrics=("accuracy", error_rate))
    assert scores["accuracy"] + scores["error_rate"] == pytest.approx(1.0)


def test_evaluate_weights_batches_by_size_and_restores_the_mode():
    model = tg.nn.Linear(2, 2)
    x, y = blobs(n=10)
    with tg.no_grad():
        logits = model(x)
    whole_loss = F.cross_entropy(logits, y).item()
    whole_accuracy = float((logits.detach().numpy().argmax(1) == y.numpy()).mean())
    # batches of 4, 4, 2: a plain mean of batch means would differ from the mean over all 10
    scores = train.evaluate(model, data.DataLoader(data.TensorDataset(x, y), batch_size=4), F.cross_entropy)
    assert scores["loss"] == pytest.approx(whole_loss, rel=1e-5)
    assert scores["accuracy"] == pytest.approx(whole_accuracy)
    assert model.training


def test_accuracy_is_the_fraction_of_correct_argmaxes():
    logits = tg.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    assert train.accuracy(logits, tg.tensor([0, 1, 0, 1])) == pytest.approx(0.5)
    assert isinstance(train.accuracy(logits, tg.tensor([0, 1, 2, 0])), float)


def test_bad_metrics_fail_before_training():
    model = tg.nn.Linear(2, 2)
    train_loader, _ = loaders()
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        train.fit(model, F.cross_entropy, optimizer, train_loader, metrics=("f1",), progress=False)
    with pytest.raises(TypeError, match="metric must be a name or a function"):
        train.evaluate(model, train_loader, metrics=(3,))
