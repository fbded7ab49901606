"""How settings read in the model's graph and in messages."""

import numpy as np


def format_setting(values):
    """A prior setting as text: one number, or the list of them if they differ."""
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if np.all(values == values[0]):
        return f"{values[0]:.4g}"
    return "[" + ", ".join(f"{value:.4g}" for value in values) + "]"
