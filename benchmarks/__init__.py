"""Benchmarks of tinygrad_edu against a hand-written NumPy tape, PyTorch and peer frameworks.

Run each as a script from the repository root (``python benchmarks/bench_overhead.py``); see
``benchmarks/README.md``.
"""
