"""The Normal likelihood: the data reduce to sufficient statistics.

The sampler never sees the rows: the coefficient prior's family samples the
whitened posterior of the statistics directly.
"""

import numpyro
import numpyro.distributions as dist

from .._coef_priors import COEF_PRIORS
from .._noise import GaussianNoise
from .._text import format_setting

NEEDS_ROWS = False
#: Whether the coefficients given the noise scale are Gaussian under Normal priors.
GAUSSIAN = True
extra_state_size = 0
#: Parameters of the likelihood beyond the regression function and sigma.
PARAMETERS = ()


def energy(inputs, extra, rows, x, coef_prior, intercept_prior):
    return COEF_PRIORS[coef_prior].energy(inputs, extra, x, intercept_prior)


def prepare(design, prior, target, problem, data):
    return problem, None


def parameters(prior, rows, x):
    return {}


def noise(parameters):
    return GaussianNoise()


def sample_y(prior, mu, sigma, y):
    with numpyro.plate("obs", mu.shape[0]):
        return numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


def describe(prior):
    sigma = "sigma" if prior.noise is None else format_setting(prior.noise)
    return {"y": f"Normal(intercept + X @ coef, {sigma})"}


def draw_parameters(prior, n_samples, rng, params):
    return {}


def draw_noise(parameters, rng, shape):
    """Standard variates of shape (n_samples, n_rows), for the prior predictive."""
    return rng.standard_normal(shape)


def kernel_rows(rows, dim):
    return None
