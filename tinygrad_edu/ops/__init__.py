"""The library's differentiable operations: one ``Op`` subclass each, its forward and its backward
side by side, the derivative in its docstring. Grouped by kind:

- ``elementwise``: unary math and activations (exp, tanh, relu, ...)
- ``binary``: arithmetic with broadcasting (add, mul, pow, maximum, where, ...)
- ``reduce``: sums, means, max/min, prod, logsumexp, softmax (and the one ``softmax`` function)
- ``movement``: reshape, permute, expand, indexing, gather, cat, pad, ...
- ``linalg``: matmul, ``F.linear`` (``Affine``, PyTorch's addmm) and einsum
- ``conv``: convolution, pooling, im2col/col2im
- ``norm``: layer normalisation
- ``loss``: cross-entropy (every form) and binary cross-entropy
- ``rnn``: one LSTM step

``INDEX`` below answers "where is the backward of X?": each op (``module.Class``, in
``ops/<module>.py``) with the public names that reach it — Tensor methods, ``tg.*`` functions,
``F.*`` (``nn.functional``) and ``nn.*`` modules. Each name calls its op directly, so there is no
second backward to find. ``tests/ops/test_index.py`` keeps the table true: every op is listed once,
every name exists, and calling a name records its op.
"""

INDEX = {
    # ---- elementwise.py -------------------------------------------------------------------------
    "elementwise.Neg": ("Tensor.__neg__", "Tensor.neg", "tg.neg"),
    "elementwise.Exp": ("Tensor.exp", "tg.exp"),
    "elementwise.Log": ("Tensor.log", "Tensor.log2", "Tensor.log10", "tg.log", "tg.log2", "tg.log10"),
    "elementwise.Log1p": ("Tensor.log1p", "tg.log1p"),
    "elementwise.Expm1": ("Tensor.expm1", "tg.expm1"),
    "elementwise.Sqrt": ("Tensor.sqrt", "tg.sqrt"),
    "elementwise.Sin": ("Tensor.sin", "tg.sin"),
    "elementwise.Cos": ("Tensor.cos", "tg.cos"),
    "elementwise.Tanh": ("Tensor.tanh", "tg.tanh", "F.tanh", "nn.Tanh"),
    "elementwise.Sigmoid": ("Tensor.sigmoid", "tg.sigmoid", "F.sigmoid", "nn.Sigmoid"),
    "elementwise.Relu": ("Tensor.relu", "tg.relu", "F.relu", "nn.ReLU"),
    "elementwise.LeakyRelu": ("Tensor.leaky_relu", "tg.leaky_relu", "F.leaky_relu", "nn.LeakyReLU"),
    "elementwise.Elu": ("Tensor.elu", "tg.elu", "F.elu", "nn.ELU"),
    "elementwise.Gelu": ("Tensor.gelu", "tg.gelu", "F.gelu", "nn.GELU"),
    "elementwise.Softplus": ("Tensor.softplus", "tg.softplus", "F.softplus", "nn.Softplus"),
    "elementwise.Abs": ("Tensor.abs", "tg.abs"),
    "elementwise.Sign": ("Tensor.sign", "tg.sign"),
    "elementwise.Clamp": ("Tensor.clamp", "Tensor.clip", "tg.clamp"),
    "elementwise.Reciprocal": ("Tensor.reciprocal", "tg.reciprocal"),
    "elementwise.Cast": ("Tensor.to", "Tensor.float", "Tensor.double"),
    "elementwise.Clone": ("Tensor.clone", "tg.clone"),
    "elementwise.ToDevice": ("Tensor.to", "Tensor.cpu", "Tensor.cuda"),
    "elementwise.Erf": ("tg.erf",),
    "elementwise.Dropout": ("F.dropout", "nn.Dropout"),
    # ---- binary.py ------------------------------------------------------------------------------
    "binary.Add": ("Tensor.__add__", "Tensor.__radd__"),
    "binary.Sub": ("Tensor.__sub__", "Tensor.__rsub__"),
    "binary.Mul": ("Tensor.__mul__", "Tensor.__rmul__"),
    "binary.Div": ("Tensor.__truediv__", "Tensor.__rtruediv__"),
    "binary.Pow": ("Tensor.__pow__", "Tensor.__rpow__", "Tensor.pow"),
    "binary.Maximum": ("Tensor.maximum", "tg.maximum"),
    "binary.Minimum": ("Tensor.minimum", "tg.minimum"),
    "binary.Where": ("Tensor.where", "tg.where"),
    # ---- reduce.py ------------------------------------------------------------------------------
    "reduce.Sum": ("Tensor.sum", "tg.sum"),
    "reduce.Mean": ("Tensor.mean", "tg.mean"),
    "reduce.Amax": ("Tensor.amax", "Tensor.max", "tg.amax"),
    "reduce.Amin": ("Tensor.amin", "Tensor.min", "tg.amin"),
    "reduce.CumSum": ("Tensor.cumsum", "tg.cumsum"),
    "reduce.Prod": ("Tensor.prod", "tg.prod"),
    "reduce.LogSumExp": ("Tensor.logsumexp", "tg.logsumexp"),
    "reduce.SoftmaxOp": ("Tensor.softmax", "tg.softmax", "F.softmax", "nn.Softmax"),
    "reduce.LogSoftmaxOp": ("Tensor.log_softmax", "tg.log_softmax", "F.log_softmax", "nn.LogSoftmax"),
    # ---- movement.py ----------------------------------------------------------------------------
    "movement.Reshape": ("Tensor.reshape", "Tensor.view", "tg.reshape"),
    "movement.Expand": ("Tensor.expand", "Tensor.broadcast_to", "tg.broadcast_to"),
    "movement.SumTo": ("Tensor.sum_to_size",),
    "movement.Permute": ("Tensor.permute", "tg.permute"),
    "movement.Flip": ("Tensor.flip", "tg.flip"),
    "movement.Repeat": ("Tensor.repeat",),
    "movement.Pad": ("F.pad",),
    "movement.Index": ("Tensor.__getitem__",),
    "movement.SetItem": ("Tensor.__setitem__",),
    "movement.Gather": ("Tensor.gather", "tg.gather"),
    "movement.Cat": ("tg.cat",),
    "movement.IndexAdd": (),  # the backward of indexing, recorded under create_graph=True
    "movement.ScatterAdd": (),  # the backward of gather, recorded under create_graph=True
    # ---- linalg.py ------------------------------------------------------------------------------
    "linalg.MatMul": ("Tensor.matmul", "Tensor.__matmul__", "tg.matmul"),
    "linalg.Affine": ("F.linear", "nn.Linear"),
    "linalg.Einsum": ("tg.einsum",),
    # ---- conv.py --------------------------------------------------------------------------------
    "conv.Convolution": ("F.conv2d", "nn.Conv2d"),
    "conv.MaxPooling": ("F.max_pool2d", "nn.MaxPool2d"),
    "conv.AvgPooling": ("F.avg_pool2d", "nn.AvgPool2d"),
    "conv.Im2col": ("F.unfold",),
    "conv.Col2im": ("F.fold",),
    # ---- norm.py, loss.py, rnn.py ---------------------------------------------------------------
    "norm.LayerNormalization": ("F.layer_norm", "nn.LayerNorm"),
    "loss.CrossEntropy": ("F.cross_entropy", "nn.CrossEntropyLoss"),
    "loss.ClassCoefficients": ("F.cross_entropy",),
    "loss.CountedWeight": ("F.cross_entropy",),
    "loss.BinaryCrossEntropy": ("F.binary_cross_entropy", "nn.BCELoss"),
    "rnn.LSTMStep": ("nn.LSTM", "nn.LSTMCell"),
}
