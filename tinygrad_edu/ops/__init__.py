"""The library's differentiable operations, one ``Op`` subclass each, grouped by kind.

- ``elementwise``: unary math and activations (exp, tanh, relu, ...)
- ``binary``: arithmetic with broadcasting (add, mul, pow, maximum, where, ...)
- ``reduce``: sums, means, max/min, prod, logsumexp, softmax
- ``movement``: reshape, permute, expand, indexing, gather, cat, pad, ...
- ``linalg``: matmul
"""
