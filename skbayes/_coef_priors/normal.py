"""Normal coefficient priors (or flat ones, ``prior_scale=None``).

The reference of the whitened basis itself: the posterior given the noise
scale is exactly Gaussian, unless a Student-t intercept prior is corrected for.
"""

import numpyro
import numpyro.distributions as dist
from numpyro.distributions import constraints

from .._text import format_setting
from ._reference import (
    ReferenceFit,
    corrected_energy,
    no_extra_states,
    reference_correction,
)

#: Whether ``prior_scale=None`` (a flat prior) is allowed.
ACCEPTS_FLAT = True

correction = reference_correction(None)
energy = corrected_energy(correction)


def reference_scale(prior):
    return prior.coef_scale


extra_state_size = no_extra_states


def prepare(design, prior, target, problem):
    return ReferenceFit(problem=problem, prior=prior, corrected_coef=False)


def normal_or_flat(loc, scale):
    """Normal(loc, scale), or the improper flat density when ``scale`` is None."""
    if scale is None:
        return dist.ImproperUniform(constraints.real, (), ())
    return dist.Normal(loc, scale)


def sample_coef(prior, n_features):
    with numpyro.plate("feature", n_features):
        return numpyro.sample("coef", normal_or_flat(prior.coef_loc, prior.coef_scale))


def describe(prior):
    if prior.coef_scale is None:
        return {"coef": "flat"}
    loc, scale = format_setting(prior.coef_loc), format_setting(prior.coef_scale)
    return {"coef": f"Normal({loc}, {scale})"}


def draw(prior, shape, rng):
    return prior.coef_scale * rng.standard_normal(shape)
