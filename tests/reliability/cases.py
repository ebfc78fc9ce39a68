"""The bad-input table: each case is a call that must fail with a clear error.

A case is written against a library module ``lib`` so that, where the API is the same, the very same
call runs on tinygrad_edu and on PyTorch (``torch=SAME``). Where the API differs, ``torch`` is the
PyTorch spelling of the same mistake; where PyTorch accepts the input, ``torch`` is a string saying
why we are stricter.

Fields: ``id``; ``call(lib)``; the exception type; ``op``, a regex that the message must match (the
operation's name); ``mentions``, strings the message must contain (the offending value).
"""

import collections

import numpy as np

SAME = "same call"
Case = collections.namedtuple("Case", "id call exc op mentions torch")


def case(id, call, exc, op, *mentions, torch=SAME):
    return Case(id, call, exc, op, tuple(str(m) for m in mentions), torch)


# ---- small helpers that build the inputs of a case with either library ----------------------------


def leaf(lib, *shape):
    """A float leaf that requires grad."""
    return lib.ones(*shape, requires_grad=True)


def linear(lib, n_in=2, n_out=2):
    return lib.nn.Linear(n_in, n_out)


def sgd(lib, **kwargs):
    return lib.optim.SGD([leaf(lib, 2)], **{"lr": 0.1, **kwargs})


def scheduler(lib, name, **kwargs):
    return getattr(lib.optim.lr_scheduler, name)(sgd(lib), **kwargs)


def backward_twice(lib):
    x = leaf(lib, 2)
    y = (x.exp()).sum()
    y.backward()
    y.backward()


def inplace_on_leaf(lib):
    x = leaf(lib, 2)
    x += 1


def modified_saved_tensor(lib):
    x = leaf(lib, 2)
    y = x.exp()
    z = y.sum()
    with lib.no_grad():
        y += 1
    z.backward()


def grad_of_non_scalar(lib):
    (leaf(lib, 2) * 2).backward()


def grad_wrong_gradient_shape(lib):
    (leaf(lib, 2) * 2).backward(lib.ones(3))


def autograd_grad_unused(lib):
    x, y = leaf(lib, 2), leaf(lib, 2)
    return lib.autograd.grad((x * 2).sum(), [y])


def autograd_grad_no_grad_output(lib):
    x = lib.ones(2)
    return lib.autograd.grad(x.sum(), [x])


def hook_on_no_grad(lib):
    lib.ones(2).register_hook(lambda g: g)


def hook_not_callable(lib):
    leaf(lib, 2).register_hook(3)


def hook_returns_wrong_type(lib):
    x = leaf(lib, 2)
    x.register_hook(lambda g: "not a gradient")
    (x * 2).sum().backward()


def function_class(lib, backward):
    """A custom Function whose forward doubles its input and whose backward is ``backward``."""

    class Double(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    Double.backward = staticmethod(backward)
    return Double


def function_wrong_count(lib):
    Double = function_class(lib, lambda ctx, grad: (grad * 2, grad))
    Double.apply(leaf(lib, 2)).sum().backward()


def function_returns_list(lib):
    class Listy(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return [x * 2]

        @staticmethod
        def backward(ctx, grad):
            return grad

    Listy.apply(leaf(lib, 2))


def function_called_directly(lib):
    class Direct(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    Direct()(leaf(lib, 2))


def module_without_forward(lib):
    class Empty(lib.nn.Module):
        pass

    Empty()(lib.ones(2))


def load_state_dict_of(lib, **changes):
    model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 1))
    state = dict(model.state_dict())
    for key, value in changes.items():
        name = key.replace("_", ".")
        if value is None:
            del state[name]
        else:
            state[name] = value
    model.load_state_dict(state)


def optimizer_load(lib, state):
    return sgd(lib).load_state_dict(state)


def adam_state(lib, **entries):
    """A state dict of Adam over one 2-element parameter, with ``entries`` replaced."""
    state = {"step": 1, "exp_avg": lib.ones(2), "exp_avg_sq": lib.ones(2), **entries}
    group = {
        "params": [0],
        "lr": 0.1,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0,
        "amsgrad": False,
    }
    return {"state": {0: state}, "param_groups": [group]}


def data_loader(lib, **kwargs):
    dataset = tensor_dataset(lib, lib.ones(4, 2))
    return data_module(lib).DataLoader(dataset, **kwargs)


def data_module(lib):
    return lib.utils.data if lib.__name__ == "torch" else lib.data


def tensor_dataset(lib, *tensors):
    return data_module(lib).TensorDataset(*tensors)


F = lambda lib: lib.nn.functional  # noqa: E731


# ---- the table ---------------------------------------------------------------------------------------

CASES = [
    # -- tensor creation ------------------------------------------------------------------------------
    case(
        "tensor object array",
        lambda lib: lib.tensor(np.array([1, "a"], dtype=object)),
        TypeError,
        "tensor",
        "object",
    ),
    case("tensor string array", lambda lib: lib.tensor(np.array(["1", "2"])), TypeError, "tensor", "<U1"),
    case(
        "tensor datetime array",
        lambda lib: lib.tensor(np.array(["2020-01-01"], dtype="datetime64[D]")),
        TypeError,
        "tensor",
        "datetime64",
    ),
    case(
        "tensor structured array",
        lambda lib: lib.tensor(np.zeros(2, dtype=[("a", "f4"), ("b", "i4")])),
        TypeError,
        "tensor",
        "dtype",
    ),
    case("tensor string list", lambda lib: lib.tensor(["a", "b"]), TypeError, "tensor", "'a'"),
    case("tensor ragged list", lambda lib: lib.tensor([[1, 2], [3]]), ValueError, "tensor", "[[1, 2], [3]]"),
    case(
        "tensor int overflow", lambda lib: lib.tensor([2**63]), (OverflowError, RuntimeError), "tensor", 2**63
    ),
    case("tensor huge int", lambda lib: lib.tensor([2**64]), (TypeError, RuntimeError), "tensor", 2**64),
    case("tensor None", lambda lib: lib.tensor(None), (TypeError, RuntimeError), "tensor", "None"),
    case("tensor dict", lambda lib: lib.tensor({"a": 1}), (TypeError, RuntimeError), "tensor", "'a'"),
    case(
        "tensor bad dtype name",
        lambda lib: lib.tensor([1.0], dtype="floaty"),
        TypeError,
        "dtype",
        "floaty",
        torch="torch dtypes are objects; a string dtype is a TypeError there too",
    ),
    case(
        "tensor complex dtype",
        lambda lib: lib.tensor([1.0], dtype=np.complex64),
        TypeError,
        "dtype",
        "complex64",
        torch="stricter: PyTorch has complex tensors; tinygrad_edu does not",
    ),
    case("tensor object dtype", lambda lib: lib.tensor([1.0], dtype=object), TypeError, "dtype", "object"),
    case(
        "from_numpy object",
        lambda lib: lib.from_numpy(np.array([1, "a"], dtype=object)),
        TypeError,
        "from_numpy",
        "object",
    ),
    case("from_numpy strings", lambda lib: lib.from_numpy(np.array(["x"])), TypeError, "from_numpy", "<U1"),
    case("from_numpy list", lambda lib: lib.from_numpy([1.0, 2.0]), TypeError, "from_numpy", "list"),
    case("zeros negative", lambda lib: lib.zeros(-1), RuntimeError, "zeros", "-1"),
    case("zeros negative 2d", lambda lib: lib.zeros(2, -3), RuntimeError, "zeros", "(2, -3)"),
    case("zeros float size", lambda lib: lib.zeros(2.5), TypeError, "zeros", "2.5"),
    case("ones negative", lambda lib: lib.ones(-2), RuntimeError, "ones", "-2"),
    case("empty negative", lambda lib: lib.empty(-1), RuntimeError, "zeros|empty", "-1"),
    case("full negative", lambda lib: lib.full((-1,), 2.0), RuntimeError, "full", "-1"),
    case("rand negative", lambda lib: lib.rand(-1), RuntimeError, "rand", "-1"),
    case("randn negative", lambda lib: lib.randn(3, -1), RuntimeError, "randn", "-1"),
    case("eye negative", lambda lib: lib.eye(-1), RuntimeError, "eye", "-1"),
    case("eye negative m", lambda lib: lib.eye(2, -3), RuntimeError, "eye", "-3"),
    case(
        "randint low >= high", lambda lib: lib.randint(5, 2, (3,)), RuntimeError, "randint", "low=5", "high=2"
    ),
    case("randint empty range", lambda lib: lib.randint(0, (3,)), RuntimeError, "randint", "high=0"),
    case("randint negative size", lambda lib: lib.randint(0, 3, (-1,)), RuntimeError, "randint", "-1"),
    case("randperm negative", lambda lib: lib.randperm(-1), RuntimeError, "randperm", "-1"),
    case("arange zero step", lambda lib: lib.arange(0, 5, 0), (ValueError, RuntimeError), "arange", "step"),
    case("arange wrong sign", lambda lib: lib.arange(0, -5), RuntimeError, "arange", "end=-5"),
    case("linspace negative steps", lambda lib: lib.linspace(0, 1, -1), RuntimeError, "linspace", "-1"),
    case(
        "zeros_like not a tensor",
        lambda lib: lib.zeros_like([1, 2]),
        (TypeError, AttributeError),
        "zeros_like|shape",
        "list",
    ),
    # -- shapes --------------------------------------------------------------------------------------
    case("reshape bad size", lambda lib: lib.ones(2, 3).reshape(4, 2), RuntimeError, "reshape", "(4, 2)"),
    case("reshape two -1", lambda lib: lib.ones(6).reshape(-1, -1), RuntimeError, "reshape", "(-1, -1)"),
    case("reshape float", lambda lib: lib.ones(6).reshape(2.0, 3), TypeError, "reshape", "2.0"),
    case("view bad size", lambda lib: lib.ones(6).view(4), RuntimeError, "view", "(4,)"),
    case("view dtype size", lambda lib: lib.ones(3).view(lib.int64), RuntimeError, "view", "int64"),
    case("transpose dim", lambda lib: lib.ones(2, 3).transpose(0, 2), IndexError, "transpose", "2"),
    case(
        "permute repeated",
        lambda lib: lib.ones(2, 3).permute(0, 0),
        (ValueError, RuntimeError),
        "permute",
        "(0, 0)",
    ),
    case(
        "permute too few",
        lambda lib: lib.ones(2, 3).permute(0),
        (ValueError, RuntimeError),
        "permute",
        "(0,)",
    ),
    case("squeeze dim", lambda lib: lib.ones(2, 3).squeeze(3), IndexError, "squeeze", "3"),
    case("unsqueeze dim", lambda lib: lib.ones(2).unsqueeze(5), IndexError, "unsqueeze", "5"),
    case(
        "expand shrink",
        lambda lib: lib.ones(2, 3).expand(4, 3),
        RuntimeError,
        "expand|broadcast_to",
        "(4, 3)",
    ),
    case(
        "flatten dims",
        lambda lib: lib.ones(2, 3).flatten(1, 0),
        (ValueError, RuntimeError),
        "flatten",
        "1",
        "0",
    ),
    case(
        "cat shapes",
        lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)]),
        (ValueError, RuntimeError),
        "cat",
        "(2, 4)",
    ),
    case("cat empty list", lambda lib: lib.cat([]), (ValueError, RuntimeError), "cat", "empty|no tensors"),
    case(
        "stack shapes",
        lambda lib: lib.stack([lib.ones(2), lib.ones(3)]),
        (ValueError, RuntimeError),
        "stack",
        "(3,)",
    ),
    case("chunk zero", lambda lib: lib.ones(4).chunk(0), (ValueError, RuntimeError), "chunk", "0"),
    case(
        "split bad sizes",
        lambda lib: lib.ones(4).split([1, 2]),
        (ValueError, RuntimeError),
        "split",
        "[1, 2]",
    ),
    case(
        "repeat too few", lambda lib: lib.ones(2, 3).repeat(2), (ValueError, RuntimeError), "repeat", "dims 1"
    ),
    case(
        "broadcast add",
        lambda lib: lib.ones(2, 3) + lib.ones(4, 3),
        (ValueError, RuntimeError),
        "add",
        "(2, 3)",
        "(4, 3)",
    ),
    case("matmul shapes", lambda lib: lib.ones(2, 3) @ lib.ones(2, 3), RuntimeError, "matmul", "(2, 3)"),
    case("matmul 0-d", lambda lib: lib.tensor(1.0) @ lib.ones(2), RuntimeError, "matmul", "()"),
    case("sum dim out of range", lambda lib: lib.ones(2, 3).sum(2), IndexError, "sum", "2"),
    case("mean dim out of range", lambda lib: lib.ones(2).mean(-3), IndexError, "mean", "-3"),
    case("softmax dim", lambda lib: lib.ones(2).softmax(1), IndexError, "softmax", "1"),
    case("max dim", lambda lib: lib.ones(2).max(3), IndexError, "max", "3"),
    case("argmax empty", lambda lib: lib.ones(0).argmax(), (RuntimeError, IndexError), "argmax", "empty"),
    case(
        "gather index dtype",
        lambda lib: lib.ones(3).gather(0, lib.tensor([0.0])),
        (RuntimeError, TypeError),
        "gather",
        "float32",
    ),
    case("gather ndim", lambda lib: lib.ones(3).gather(0, lib.tensor([[0]])), RuntimeError, "gather", "2"),
    case("var dim", lambda lib: lib.ones(2).var(4), IndexError, "var", "4"),
    case(
        "std of ints",
        lambda lib: lib.ones(2, dtype=lib.int64).std(),
        (TypeError, RuntimeError),
        "std|var",
        "int64",
    ),
    case("norm bad p", lambda lib: lib.ones(2).norm(p="nuc"), (ValueError, RuntimeError), "norm", "nuc"),
    # -- dtypes ----------------------------------------------------------------------------------------
    case(
        "requires_grad on ints",
        lambda lib: lib.ones(2, dtype=lib.int64).requires_grad_(),
        RuntimeError,
        "requires_grad",
        "int64",
    ),
    case(
        "tensor int requires grad",
        lambda lib: lib.tensor([1, 2], requires_grad=True),
        RuntimeError,
        "requires_grad",
        "int64",
    ),
    case(
        "mean of ints",
        lambda lib: lib.ones(2, dtype=lib.int64).mean(),
        (TypeError, RuntimeError),
        "mean",
        "int64",
    ),
    case("invert float", lambda lib: ~lib.ones(2), TypeError, "invert|not", "float32"),
    case("and float", lambda lib: lib.ones(2) & lib.ones(2), TypeError, "and", "float32"),
    case("to a dtype string", lambda lib: lib.ones(2).to("complex128"), RuntimeError, "device", "complex128"),
    case(
        "grad of int dtype",
        lambda lib: setattr(leaf(lib, 2), "grad", lib.ones(2, dtype=lib.int64)),
        RuntimeError,
        "grad",
        "int64",
        "float32",
    ),
    case(
        "grad of other shape",
        lambda lib: setattr(leaf(lib, 2), "grad", lib.ones(3)),
        RuntimeError,
        "grad",
        "(3,)",
    ),
    case(
        "grad not a tensor", lambda lib: setattr(leaf(lib, 2), "grad", [1.0, 2.0]), TypeError, "grad", "list"
    ),
    case("data list", lambda lib: setattr(lib.ones(2), "data", [1.0, 2.0]), TypeError, "data", "list"),
    case("data number", lambda lib: setattr(lib.ones(2), "data", 3.0), TypeError, "data", "float"),
    case(
        "data string array",
        lambda lib: setattr(lib.ones(2), "data", np.array(["a", "b"])),
        TypeError,
        "data",
        "<U1",
        torch="PyTorch refuses any NumPy array here (it wants a Tensor)",
    ),
    case("uniform_ a > b", lambda lib: lib.ones(2).uniform_(1, 0), RuntimeError, "uniform_", "a=1", "b=0"),
    case("normal_ negative std", lambda lib: lib.ones(2).normal_(std=-1), RuntimeError, "normal", "std=-1"),
    case("item of many", lambda lib: lib.ones(2).item(), (ValueError, RuntimeError), "item", "2"),
    case("bool of many", lambda lib: bool(lib.ones(2)), RuntimeError, "bool|ambiguous", "2"),
    # -- indexing --------------------------------------------------------------------------------------
    case("index out of range", lambda lib: lib.ones(3)[5], IndexError, "index", "5"),
    case("index too many", lambda lib: lib.ones(3)[0, 0], IndexError, "index", "(3,)"),
    case("index float", lambda lib: lib.ones(3)[1.5], IndexError, "index", "1.5"),
    case("index float tensor", lambda lib: lib.ones(3)[lib.tensor([0.0])], IndexError, "index", "float32"),
    case(
        "index mask shape",
        lambda lib: lib.ones(3)[lib.tensor([True, False])],
        IndexError,
        "index",
        "size of axis is 3",
    ),
    case("index list out of range", lambda lib: lib.ones(3)[[0, 7]], IndexError, "index", "7"),
    case("index string", lambda lib: lib.ones(3)["a"], IndexError, "index", "'a'"),
    case(
        "setitem out of range",
        lambda lib: lib.ones(3).__setitem__(4, 1.0),
        (IndexError, RuntimeError),
        "setitem|index",
        "index 4",
    ),
    case(
        "setitem bad value shape",
        lambda lib: lib.ones(3).__setitem__(slice(None), lib.ones(2)),
        (ValueError, RuntimeError),
        "setitem|copy|index",
        "(2,)",
    ),
    # -- autograd misuse ------------------------------------------------------------------------------
    case("backward non-scalar", grad_of_non_scalar, RuntimeError, "backward|grad", "scalar"),
    case("backward gradient shape", grad_wrong_gradient_shape, RuntimeError, "backward|grad", "(3,)"),
    case("backward twice", backward_twice, RuntimeError, "backward", "retain_graph"),
    case(
        "backward without grad",
        lambda lib: lib.ones(2).sum().backward(),
        RuntimeError,
        "backward|grad",
        "requires_grad|grad_fn",
    ),
    case("in-place on leaf", inplace_on_leaf, RuntimeError, "leaf", "in-place"),
    case("modified saved tensor", modified_saved_tensor, RuntimeError, "in-place|modified", "version"),
    case("grad of unused input", autograd_grad_unused, RuntimeError, "grad", "allow_unused"),
    case(
        "grad of constant",
        autograd_grad_no_grad_output,
        RuntimeError,
        "grad",
        "require grad|requires_grad|grad_fn",
    ),
    case(
        "retain_grad without grad",
        lambda lib: lib.ones(2).retain_grad(),
        RuntimeError,
        "retain_grad",
        "requires_grad",
    ),
    case(
        "requires_grad_ on non-leaf",
        lambda lib: (leaf(lib, 2) * 2).requires_grad_(False),
        RuntimeError,
        "requires_grad",
        "leaf",
    ),
    # -- hooks -------------------------------------------------------------------------------------------
    case(
        "hook without grad",
        hook_on_no_grad,
        RuntimeError,
        "hook",
        "require gradient|requires_grad|requires grad",
    ),
    case(
        "hook not callable",
        hook_not_callable,
        TypeError,
        "hook",
        "int",
        torch="stricter: PyTorch registers a non-callable hook and fails only during backward",
    ),
    # -- custom Functions (gradient shapes: see tests/autograd) -----------------------------------------
    case("Function too many gradients", function_wrong_count, RuntimeError, "Double", "2"),
    # -- nn ----------------------------------------------------------------------------------------------
    case("Linear negative in", lambda lib: lib.nn.Linear(-1, 3), (ValueError, RuntimeError), "Linear", "-1"),
    case("Linear negative out", lambda lib: lib.nn.Linear(2, -3), (ValueError, RuntimeError), "Linear", "-3"),
    case("Linear float size", lambda lib: lib.nn.Linear(2.5, 3), (ValueError, TypeError), "Linear", "2.5"),
    case(
        "Linear wrong input",
        lambda lib: linear(lib, 3)(lib.ones(2, 2)),
        (ValueError, RuntimeError),
        "linear|matmul",
        "(2, 2)",
    ),
    case(
        "Conv2d negative channels",
        lambda lib: lib.nn.Conv2d(1, -2, 3),
        (ValueError, RuntimeError),
        "Conv2d",
        "-2",
    ),
    case(
        "Conv2d groups",
        lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
        (ValueError, RuntimeError),
        "Conv2d|groups",
        "groups",
    ),
    case(
        "Conv2d padding_mode",
        lambda lib: lib.nn.Conv2d(1, 1, 3, padding_mode="loop"),
        ValueError,
        "Conv2d|padding_mode",
        "loop",
    ),
    case(
        "Conv2d wrong input",
        lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(1, 2, 5, 5)),
        (ValueError, RuntimeError),
        "conv2d",
        "3",
        "2",
    ),
    case(
        "BatchNorm1d negative",
        lambda lib: lib.nn.BatchNorm1d(-1),
        (ValueError, RuntimeError),
        "BatchNorm1d|ones|negative",
        "-1",
    ),
    case("Dropout p", lambda lib: lib.nn.Dropout(1.5), ValueError, "Dropout|dropout", "1.5"),
    case("dropout p", lambda lib: F(lib).dropout(lib.ones(2), p=-0.1), ValueError, "dropout", "-0.1"),
    case("Module without forward", module_without_forward, NotImplementedError, "forward", "Empty"),
    case(
        "load_state_dict missing key",
        lambda lib: load_state_dict_of(lib, **{"2_bias": None}),
        RuntimeError,
        "state_dict",
        "2.bias",
    ),
    case(
        "load_state_dict unexpected key",
        lambda lib: load_state_dict_of(lib, extra=lib.ones(1) if lib.__name__ == "torch" else np.ones(1)),
        RuntimeError,
        "state_dict",
        "extra",
    ),
    case(
        "load_state_dict wrong shape",
        lambda lib: load_state_dict_of(lib, **{"0_weight": lib.ones(3, 3)}),
        RuntimeError,
        "state_dict",
        "(3, 3)|3, 3",
    ),
    case(
        "load_state_dict string array",
        lambda lib: load_state_dict_of(lib, **{"2_weight": np.array([["a", "b"]])}),
        (RuntimeError, TypeError),
        "state_dict",
        "<U1|2.weight",
    ),
    case(
        "load_state_dict not a dict",
        lambda lib: linear(lib).load_state_dict([1, 2]),
        (TypeError, AttributeError),
        "state_dict",
        "list",
    ),
    case(
        "add_module bad name",
        lambda lib: lib.nn.Module().add_module("a.b", lib.nn.ReLU()),
        KeyError,
        "module name",
        "a.b",
    ),
    case(
        "register_buffer not a tensor",
        lambda lib: lib.nn.Module().register_buffer("b", [1]),
        TypeError,
        "buffer|register_buffer",
        "list",
    ),
    case(
        "Parameter assigned a number",
        lambda lib: setattr(linear(lib), "weight", 3.0),
        TypeError,
        "weight",
        "float",
    ),
    case("Sequential index", lambda lib: lib.nn.Sequential(lib.nn.ReLU())[3], IndexError, "index", "3"),
    case(
        "one_hot out of range",
        lambda lib: F(lib).one_hot(lib.tensor([3]), 2),
        (ValueError, RuntimeError),
        "one_hot",
        "3",
    ),
    case(
        "one_hot float",
        lambda lib: F(lib).one_hot(lib.tensor([1.0]), 2),
        (TypeError, ValueError, RuntimeError),
        "one_hot",
        "float32",
    ),
    case(
        "pad odd length",
        lambda lib: F(lib).pad(lib.ones(2, 2), (1,)),
        (ValueError, RuntimeError),
        "pad",
        "(1,)",
    ),
    case(
        "max_pool2d 1-d",
        lambda lib: F(lib).max_pool2d(lib.ones(4), 2),
        (ValueError, RuntimeError),
        "max_pool2d",
        "(4,)",
    ),
    case(
        "clip_grad_norm_ bad norm",
        lambda lib: lib.nn.utils.clip_grad_norm_([leaf(lib, 2)], 1.0, "x"),
        (ValueError, RuntimeError, TypeError),
        "norm_type|clip_grad_norm_",
        "x",
    ),
    # -- losses -----------------------------------------------------------------------------------------
    case(
        "mse shapes",
        lambda lib: F(lib).mse_loss(lib.ones(2, 3), lib.ones(3, 2)),
        (ValueError, RuntimeError),
        "mse_loss",
        "(3, 2)",
        torch="PyTorch only warns about the shape mismatch before a broadcast error",
    ),
    case(
        "l1 shapes",
        lambda lib: F(lib).l1_loss(lib.ones(2), lib.ones(3)),
        (ValueError, RuntimeError),
        "l1_loss",
        "(3,)",
    ),
    case(
        "cross_entropy class out of range",
        lambda lib: F(lib).cross_entropy(lib.ones(2, 3), lib.tensor([0, 3])),
        (ValueError, IndexError),
        "cross_entropy",
        "3",
    ),
    case(
        "cross_entropy negative class",
        lambda lib: F(lib).cross_entropy(lib.ones(2, 3), lib.tensor([0, -5])),
        (ValueError, IndexError),
        "cross_entropy",
        "-5",
    ),
    case(
        "cross_entropy float target shape",
        lambda lib: F(lib).cross_entropy(lib.ones(2, 3), lib.ones(2, 4)),
        (ValueError, RuntimeError),
        "cross_entropy",
        "(2, 4)",
    ),
    case(
        "cross_entropy batch mismatch",
        lambda lib: F(lib).cross_entropy(lib.ones(2, 3), lib.tensor([0])),
        (ValueError, RuntimeError),
        "cross_entropy",
        "(1,)",
    ),
    case(
        "cross_entropy bad reduction",
        lambda lib: F(lib).cross_entropy(lib.ones(2, 3), lib.tensor([0, 1]), reduction="avg"),
        ValueError,
        "reduction|cross_entropy",
        "avg",
    ),
    case(
        "nll class out of range",
        lambda lib: F(lib).nll_loss(lib.ones(2, 3), lib.tensor([0, 9])),
        (ValueError, IndexError),
        "nll_loss",
        "9",
    ),
    case(
        "bce probability > 1",
        lambda lib: F(lib).binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])),
        (ValueError, RuntimeError),
        "binary_cross_entropy",
        "1.5",
    ),
    case(
        "bce target > 1",
        lambda lib: F(lib).binary_cross_entropy(lib.tensor([0.5]), lib.tensor([2.0])),
        (ValueError, RuntimeError),
        "binary_cross_entropy",
        "2",
        torch="stricter: PyTorch computes a (meaningless) loss for targets outside [0, 1]",
    ),
    case(
        "bce shapes",
        lambda lib: F(lib).binary_cross_entropy(lib.ones(2) / 2, lib.ones(3) / 2),
        (ValueError, RuntimeError),
        "binary_cross_entropy",
        "(3,)",
    ),
    case(
        "bce with logits shapes",
        lambda lib: F(lib).binary_cross_entropy_with_logits(lib.ones(2), lib.ones(3)),
        (ValueError, RuntimeError),
        "binary_cross_entropy_with_logits",
        "(3,)",
    ),
    case(
        "huber negative delta",
        lambda lib: F(lib).huber_loss(lib.ones(2), lib.ones(2), delta=-1.0),
        (ValueError, RuntimeError),
        "huber",
        "-1",
    ),
    case(
        "hinge targets",
        lambda lib: lib.nn.HingeLoss()(lib.ones(2), lib.tensor([0.0, 1.0])),
        ValueError,
        "hinge",
        "0",
        torch="PyTorch has no HingeLoss of this form (tinygrad_edu's textbook loss)",
    ),
    case(
        "multi_margin class out of range",
        lambda lib: F(lib).multi_margin_loss(lib.ones(2, 3), lib.tensor([0, 4])),
        (ValueError, RuntimeError),
        "multi_margin_loss",
        "4",
    ),
    case(
        "MSELoss bad reduction",
        lambda lib: lib.nn.MSELoss(reduction="all")(lib.ones(2), lib.ones(2)),
        ValueError,
        "reduction|mse",
        "all",
    ),
    # -- optim -------------------------------------------------------------------------------------------
    case("SGD negative lr", lambda lib: sgd(lib, lr=-0.1), ValueError, "SGD|lr", "-0.1"),
    case("SGD negative momentum", lambda lib: sgd(lib, momentum=-1), ValueError, "SGD|momentum", "-1"),
    case(
        "SGD nesterov without momentum",
        lambda lib: sgd(lib, nesterov=True),
        ValueError,
        "nesterov",
        "momentum",
    ),
    case(
        "SGD single tensor",
        lambda lib: lib.optim.SGD(leaf(lib, 2), lr=0.1),
        TypeError,
        "SGD|params",
        "Tensor",
    ),
    case(
        "SGD set of params",
        lambda lib: lib.optim.SGD({leaf(lib, 2)}, lr=0.1),
        TypeError,
        "SGD|params",
        "set",
        torch="stricter: recent PyTorch only warns about a set, whose order changes between runs",
    ),
    case("SGD empty params", lambda lib: lib.optim.SGD([], lr=0.1), ValueError, "SGD|empty", "empty"),
    case(
        "SGD non-leaf", lambda lib: lib.optim.SGD([leaf(lib, 2) * 2], lr=0.1), ValueError, "SGD|leaf", "leaf"
    ),
    case(
        "SGD int params",
        lambda lib: lib.optim.SGD([lib.ones(2, dtype=lib.int64)], lr=0.1),
        ValueError,
        "SGD|floating|leaf",
        "int64|leaf",
        torch="PyTorch says the int tensor is not a leaf that requires grad",
    ),
    case(
        "Adam betas",
        lambda lib: lib.optim.Adam([leaf(lib, 2)], betas=(0.9, 1.5)),
        ValueError,
        "Adam|beta",
        "1.5",
    ),
    case("Adam eps", lambda lib: lib.optim.Adam([leaf(lib, 2)], eps=-1e-8), ValueError, "Adam|eps", "-1e-08"),
    case(
        "Adam weight_decay",
        lambda lib: lib.optim.Adam([leaf(lib, 2)], weight_decay=-1),
        ValueError,
        "Adam|weight_decay",
        "-1",
    ),
    case(
        "RMSprop alpha",
        lambda lib: lib.optim.RMSprop([leaf(lib, 2)], alpha=-0.5),
        ValueError,
        "RMSprop|alpha",
        "-0.5",
    ),
    case(
        "Adagrad lr_decay",
        lambda lib: lib.optim.Adagrad([leaf(lib, 2)], lr_decay=-1),
        ValueError,
        "Adagrad|lr_decay",
        "-1",
    ),
    case(
        "Adadelta rho",
        lambda lib: lib.optim.Adadelta([leaf(lib, 2)], rho=2.0),
        ValueError,
        "Adadelta|rho",
        "2.0",
    ),
    case(
        "Rprop etas",
        lambda lib: lib.optim.Rprop([leaf(lib, 2)], etas=(1.5, 1.2)),
        ValueError,
        "Rprop|etas",
        "1.5",
    ),
    case(
        "add_param_group shared param",
        lambda lib: (lambda p: lib.optim.SGD([p], lr=0.1).add_param_group({"params": [p]}))(leaf(lib, 2)),
        ValueError,
        "param|group",
        "more than one|already",
    ),
    case(
        "optimizer load not a dict",
        lambda lib: optimizer_load(lib, [1, 2]),
        (ValueError, TypeError),
        "load_state_dict",
        "state",
    ),
    case(
        "optimizer load group count",
        lambda lib: optimizer_load(lib, {"state": {}, "param_groups": []}),
        ValueError,
        "load_state_dict",
        "0",
    ),
    case(
        "optimizer load foreign state",
        lambda lib: lib.optim.Adam([leaf(lib, 2)]).load_state_dict(
            {
                "state": {0: {"momentum_buffer": lib.ones(2)}},
                "param_groups": [
                    {
                        "params": [0],
                        "lr": 0.1,
                        "betas": (0.9, 0.999),
                        "eps": 1e-8,
                        "weight_decay": 0,
                        "amsgrad": False,
                    }
                ],
            }
        ),
        ValueError,
        "Adam.load_state_dict",
        "step",
        torch="stricter: PyTorch loads it and fails with KeyError 'step' at the next step()",
    ),
    case(
        "optimizer load wrong state shape",
        lambda lib: lib.optim.Adam([leaf(lib, 2)]).load_state_dict(
            {
                "state": {0: {"step": 1, "exp_avg": np.ones(3), "exp_avg_sq": np.ones(3)}},
                "param_groups": [
                    {
                        "params": [0],
                        "lr": 0.1,
                        "betas": (0.9, 0.999),
                        "eps": 1e-8,
                        "weight_decay": 0,
                        "amsgrad": False,
                    }
                ],
            }
        ),
        ValueError,
        "load_state_dict",
        "(3,)",
        torch="stricter: PyTorch accepts the wrong-shaped state and fails at the next step()",
    ),
    case(
        "optimizer load step not a number",
        lambda lib: lib.optim.Adam([leaf(lib, 2)]).load_state_dict(adam_state(lib, step="abc")),
        ValueError,
        "load_state_dict",
        "'abc'",
        torch="stricter: PyTorch loads the string and fails at the next step()",
    ),
    case(
        "optimizer load string state",
        lambda lib: lib.optim.Adam([leaf(lib, 2)]).load_state_dict(
            adam_state(lib, exp_avg=np.array(["a", "b"]))
        ),
        ValueError,
        "load_state_dict",
        "<U1",
        torch="stricter: PyTorch loads the array as it is and fails at the next step()",
    ),
    # -- schedulers --------------------------------------------------------------------------------------
    case(
        "StepLR step_size 0",
        lambda lib: scheduler(lib, "StepLR", step_size=0),
        ValueError,
        "StepLR",
        "step_size",
        torch="stricter: PyTorch accepts step_size=0 and divides by zero at step()",
    ),
    case(
        "LinearLR start_factor",
        lambda lib: scheduler(lib, "LinearLR", start_factor=0),
        ValueError,
        "LinearLR",
        "start_factor",
    ),
    case(
        "CosineAnnealingLR T_max",
        lambda lib: scheduler(lib, "CosineAnnealingLR", T_max=0),
        ValueError,
        "CosineAnnealingLR",
        "T_max",
        torch="stricter: PyTorch accepts T_max=0 and divides by zero",
    ),
    case(
        "ReduceLROnPlateau mode",
        lambda lib: scheduler(lib, "ReduceLROnPlateau", mode="up"),
        ValueError,
        "mode",
        "up",
    ),
    case(
        "ReduceLROnPlateau factor",
        lambda lib: scheduler(lib, "ReduceLROnPlateau", factor=1.5),
        ValueError,
        "factor",
        "1.5",
    ),
    case(
        "scheduler of non-optimizer",
        lambda lib: lib.optim.lr_scheduler.StepLR("sgd", 3),
        TypeError,
        "StepLR|Optimizer",
        "str",
    ),
    case(
        "LambdaLR lambda count",
        lambda lib: scheduler(lib, "LambdaLR", lr_lambda=[lambda e: 1, lambda e: 1]),
        ValueError,
        "LambdaLR|lr_lambda",
        "2",
    ),
    # -- data --------------------------------------------------------------------------------------------
    case(
        "TensorDataset sizes",
        lambda lib: tensor_dataset(lib, lib.ones(3), lib.ones(4)),
        (ValueError, AssertionError),
        "TensorDataset|Size mismatch",
        "3|4",
        torch="PyTorch raises AssertionError('Size mismatch between tensors')",
    ),
    case(
        "TensorDataset not a tensor",
        lambda lib: tensor_dataset(lib, [1, 2]),
        (TypeError, AttributeError),
        "TensorDataset|size",
        "list",
        torch="PyTorch fails with AttributeError: 'list' has no attribute size",
    ),
    case("TensorDataset index", lambda lib: tensor_dataset(lib, lib.ones(3))[5], IndexError, "index", "5"),
    case(
        "DataLoader batch_size 0", lambda lib: data_loader(lib, batch_size=0), ValueError, "batch_size", "0"
    ),
    case(
        "DataLoader batch_size float",
        lambda lib: data_loader(lib, batch_size=1.5),
        (ValueError, TypeError),
        "batch_size",
        "1.5",
    ),
    # -- devices ----------------------------------------------------------------------------------------
    case(
        "device cuda:1",
        lambda lib: lib.zeros(1, device=lib.device("cuda:1")),
        RuntimeError,
        "device",
        "cuda:1",
        torch="PyTorch refuses cuda:1 when there is no second GPU (or no CUDA at all)",
    ),
    case("device unknown", lambda lib: lib.device("tpu"), RuntimeError, "device", "tpu"),
    case("device malformed", lambda lib: lib.device("cuda:x"), RuntimeError, "device", "cuda:x"),
    case("device number", lambda lib: lib.device(3.5), (TypeError, RuntimeError), "device", "3.5"),
    case(
        "set_default_device unknown", lambda lib: lib.set_default_device("gpu"), RuntimeError, "device", "gpu"
    ),
    case("to unknown device", lambda lib: lib.ones(2).to("npu"), (RuntimeError, TypeError), "device", "npu"),
    # -- checkpoints (the hostile files are in test_hostile_checkpoints.py) --------------------------------
    case(
        "save a module",
        lambda lib: lib.save(lib.nn.Linear(1, 1), "unused.npz"),
        TypeError,
        "save",
        "Linear|state_dict",
        torch="stricter: torch.save pickles the whole module",
    ),
    case(
        "save a set",
        lambda lib: lib.save({"x": {1, 2}}, "unused.npz"),
        TypeError,
        "save",
        "set",
        torch="stricter: torch.save pickles sets",
    ),
    case(
        "save a string array",
        lambda lib: lib.save({"x": np.array(["a"])}, "unused.npz"),
        TypeError,
        "save",
        "<U1",
        torch="stricter: torch.save pickles string arrays",
    ),
    case(
        "save a cycle",
        lambda lib: (lambda a: (a.append(a), lib.save(a, "unused.npz")))([]),
        ValueError,
        "save",
        "itself|cycle",
        torch="stricter: torch.save pickles reference cycles",
    ),
    case(
        "load a missing file",
        lambda lib: lib.load("/nonexistent/dir/ckpt.npz"),
        FileNotFoundError,
        "No such file",
        "/nonexistent/dir/ckpt.npz",
    ),
    case(
        "load map_location unknown",
        lambda lib: lib.load("/nonexistent.npz", map_location="tpu"),
        (RuntimeError, FileNotFoundError),
        "device|No such file",
        "tpu|nonexistent",
    ),
]

assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"
