"""Anomaly detection: find the forward op whose backward produced a NaN or an Inf."""

import os
import traceback

enabled = False  # read by Function.apply and the backward loop


def set_detect_anomaly(mode):
    """Turn anomaly detection on or off for the whole process."""
    global enabled
    enabled = bool(mode)


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return enabled


class detect_anomaly:
    """Context manager: a NaN/Inf in backward raises, naming the op and where its forward ran."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = enabled
        set_detect_anomaly(self.check_nan)
        return self

    def __exit__(self, *exc):
        set_detect_anomaly(self._previous)
        return False


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # .../tinygrad_edu/


def forward_trace():
    """Where the user's code called the current op (library frames left out)."""
    frames = traceback.extract_stack()
    user = [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)]
    return traceback.format_list(user[-4:] or frames[-4:])


def check_finite(ctx, grads, xp):
    """Raise if a backward step of ``ctx`` produced a non-finite gradient."""
    for i, grad in enumerate(grads):
        if hasattr(grad, "dtype") and not xp.is_all_finite(getattr(grad, "data", grad)):
            where = "".join(getattr(ctx, "trace", None) or ["  (forward traceback not recorded)\n"])
            raise RuntimeError(
                f"Function '{type(ctx).__name__}Backward' returned nan or inf values in its "
                f"gradient for input {i}. The forward call that created it:\n{where}"
            )
