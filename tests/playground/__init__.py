"""Tests of the optimizer playground (tinygrad_edu/playground)."""
