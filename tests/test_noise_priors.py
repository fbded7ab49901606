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


PROPER = [name for name, family in NOISE_PRIORS.items() if not family.improper]


def test_every_proper_family_has_a_reference_cdf():
    assert set(CDF) == set(PROPER)
    assert [name for name in NOISE_PRIORS if name not in PROPER] == ["flat"]


@pytest.mark.parametrize("name", PROPER)
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


# Short chains on a few rows: only whether the fit runs is checked here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_flat_noise_prior_needs_more_rows_than_flat_parameters_plus_one():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, 1)), rng.normal(size=4)
    flat = dict(
        noise_prior="flat", prior_scale=None, intercept_prior_scale=None, random_state=0
    )
    # Two flat parameters: three rows leave sigma's posterior improper.
    with pytest.raises(ValueError, match=r"improper.*noise_prior='flat'.*\(2 \+ 1\)"):
        BayesianLinearRegressor(**flat).fit(X[:3], y[:3])
    # Rows are counted by their weights, as everywhere.
    weights = np.array([2.0, 2.0, 2.0])
    BayesianLinearRegressor(**flat, num_samples=100).fit(X[:3], y[:3], weights)
    BayesianLinearRegressor(**flat, num_samples=100).fit(X, y)
    # Proper coefficient priors: two rows suffice.
    BayesianLinearRegressor(noise_prior="flat", num_samples=100).fit(X[:2], y[:2])


def test_flat_noise_prior_cannot_be_drawn_from():
    X = np.zeros((5, 1))
    reg = BayesianLinearRegressor(noise_prior="flat", autoscale=False)
    with pytest.raises(ValueError, match="prior of sigma is improper"):
        reg.sample_prior_predictive(X)
    # A fixed sigma is not drawn.
    draws = reg.sample_prior_predictive(X, params={"sigma": 1.0}, n_samples=10)
    assert draws.shape == (10, 5)
