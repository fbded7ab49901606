"""Log densities that several priors share, written once."""

import jax.numpy as jnp
import numpy as np


def student_t_energy(ratio, df):
    """``-log`` of the Student-t density at ``ratio``, up to a constant.

    Works on JAX and NumPy arrays alike.
    """
    return 0.5 * (df + 1.0) * jnp.log1p(ratio * ratio / df)


def student_t_reference_factor(df):
    """Scale of a Normal close to a unit Student-t: its sd, or 2 where that is infinite.

    The sampler works in the basis whitened for such a Normal, so the closer it
    is to the actual prior, the rounder the posterior it sees.
    """
    return np.sqrt(df / (df - 2.0)) if df > 2.0 else 2.0
