"""Laplace coefficient priors (the Bayesian lasso's).

Sampled in the basis whitened for a Normal of the prior's sd, ``sqrt(2)``
times its scale, with the difference of the log densities added.
"""

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist

from .._text import format_setting
from ._reference import (
    corrected_energy,
    no_extra_states,
    prepare_corrected,
    reference_correction,
)

ACCEPTS_FLAT = False

correction = reference_correction(lambda ratio, df: jnp.abs(ratio))
energy = corrected_energy(correction)


def reference_scale(prior):
    return prior.coef_scale * np.sqrt(2.0)


extra_state_size = no_extra_states
prepare = prepare_corrected


def sample_coef(prior, n_features):
    with numpyro.plate("feature", n_features):
        return numpyro.sample("coef", dist.Laplace(prior.coef_loc, prior.coef_scale))


def describe(prior):
    loc, scale = format_setting(prior.coef_loc), format_setting(prior.coef_scale)
    return {"coef": f"Laplace({loc}, {scale})"}


def draw(prior, shape, rng):
    return prior.coef_scale * rng.laplace(0.0, 1.0, shape)
