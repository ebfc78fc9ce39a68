"""TensorDataset: rows of tensors, and its size check."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import Dataset, TensorDataset


def test_tensor_dataset_rows_and_len():
    x = tg.arange(12).reshape(6, 2)
    y = tg.arange(6) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    np.testing.assert_array_equal(np.asarray(xi), np.asarray(x)[4])
    assert yi.item() == 40


def test_tensor_dataset_size_mismatch_names_argument_and_sizes():
    with pytest.raises(ValueError, match=r"argument 1 has 4 rows.*\[5, 4\]"):
        TensorDataset(tg.zeros(5, 2), tg.zeros(4))


def test_tensor_dataset_rejects_no_tensors_and_scalars():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="argument 0 is a 0-d"):
        TensorDataset(tg.tensor(1.0))
    with pytest.raises(TypeError, match="argument 0 must be a Tensor"):
        TensorDataset([1, 2, 3])


def test_dataset_base_is_abstract():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())
