"""Each noise prior family, checked against NumPyro's distribution without sampling."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from skbayes import BayesianLinearRegressor
from skbayes._noise_priors import NOISE_FAMILIES, NOISE_PRIORS, log_noise_prior

SCALE, DF = 1.7, 3.0
SIGMA = np.geomspace(1e-3, 1e3, 41)


@pytest.mark.parametrize("name", list(NOISE_PRIORS))
def test_sampler_density_is_numpyros_up_to_a_constant(name):
    family = NOISE_PRIORS[name]
    theirs = np.asarray(family.distribution(SCALE, DF).log_prob(jnp.asarray(SIGMA)))
    ours = np.asarray(
        log_noise_prior(NOISE_FAMILIES[name], jnp.asarray(SIGMA / SCALE), DF)
    )
    # The sampler's density is of sigma / scale: the same up to a constant,
    # to float32 rounding of values up to 2e5 in size.
    np.testing.assert_allclose(ours - ours[0], theirs - theirs[0], rtol=1e-5, atol=1e-4)


#: Each family's CDF, from SciPy: a reference independent of skbayes and NumPyro.
CDF = {
    "exponential": stats.expon(scale=SCALE).cdf,
    "half_normal": stats.halfnorm(scale=SCALE).cdf,
    "half_cauchy": stats.halfcauchy(scale=SCALE).cdf,
    "half_student_t": lambda x: 2.0 * stats.t(DF).cdf(x / SCALE) - 1.0,
}


def test_every_family_has_a_reference_cdf():
    assert set(CDF) == set(NOISE_PRIORS)


@pytest.mark.parametrize("name", list(NOISE_PRIORS))
def test_prior_draws_follow_the_family(name):
    draws = NOISE_PRIORS[name].draw(np.random.default_rng(1), SCALE, DF, 4000)
    # Kolmogorov-Smirnov at 4000 draws: a false alarm has probability 1e-4.
    assert stats.kstest(draws, CDF[name]).pvalue > 1e-4


def test_the_known_noise_family_adds_nothing():
    ratio = jnp.asarray(SIGMA)
    np.testing.assert_array_equal(
        log_noise_prior(NOISE_FAMILIES["fixed"], ratio, DF), 0
    )


def test_noise_prior_df_is_validated():
    X, y = np.zeros((5, 1)), np.arange(5.0)
    for bad in (0.0, -1.0, 2e6):
        with pytest.raises(ValueError, match="noise_prior_df"):
            BayesianLinearRegressor(noise_prior_df=bad).fit(X, y)
