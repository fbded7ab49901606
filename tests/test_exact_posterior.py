"""The sampled posterior against exact answers.

Tolerances are multiples of Monte Carlo standard errors computed from the
effective sample size of the draws, so they shrink with the number of draws
rather than being tuned to pass.
"""

import warnings

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
from _monte_carlo import Z, assert_mean_is
from _monte_carlo import effective_sizes as ess
from sklearn.exceptions import ConvergenceWarning

from skbayes import BayesianLinearRegressor


def joint_draws(model):
    """Posterior draws of (intercept, coef) as columns."""
    samples = model.posterior_samples_
    return np.column_stack([samples["intercept"], samples["coef"]])


def conjugate_posterior(A, y, noise, prior_prec, prior_mean):
    """Exact Gaussian posterior of theta in y ~ N(A theta, noise^2 I)."""
    precision = A.T @ A / noise**2 + prior_prec
    cov = np.linalg.inv(precision)
    return cov @ (A.T @ y / noise**2 + prior_prec @ prior_mean), cov


def assert_moments_match(draws, mean, cov):
    """Mean and covariance of draws equal (mean, cov) within Monte Carlo error."""
    n_eff = ess(draws)
    sd = np.sqrt(np.diag(cov))
    np.testing.assert_array_less(np.abs(draws.mean(0) - mean), Z * sd / np.sqrt(n_eff))
    # The sample covariance is the mean of the products of centred draws: its
    # Monte Carlo error is that of those products, with their own ESS (NUTS's
    # antithetic draws give means an ESS above the number of draws, but not
    # second moments).
    centred = draws - mean
    k = draws.shape[1]
    products = (centred[:, :, None] * centred[:, None, :]).reshape(len(draws), -1)
    se_cov = (products.std(axis=0) / np.sqrt(ess(products))).reshape(k, k)
    np.testing.assert_array_less(
        np.abs(products.mean(0).reshape(k, k) - cov), Z * se_cov
    )


@pytest.mark.parametrize("autoscale", [False, True])
def test_known_noise_matches_conjugate_posterior(regression_data, autoscale):
    X, y = regression_data(n_samples=60, coef=(2.0, -1.0, 0.5))
    X = X * [1.0, 10.0, 0.1] + [5.0, -3.0, 100.0]  # unequal scales and offsets
    noise, prior_scale, intercept_scale = 0.5, 0.8, 3.0
    model = BayesianLinearRegressor(
        noise=noise,
        prior_loc=[0.5, 0.0, -0.2],
        prior_scale=prior_scale,
        intercept_prior_loc=1.5,
        intercept_prior_scale=intercept_scale,
        autoscale=autoscale,
        random_state=0,
    ).fit(X, y)

    # The prior in (intercept, coef) coordinates, built from the documented
    # model rather than from the estimator's internals.
    y_sd, x_sd, x_mean = y.std(), X.std(axis=0), X.mean(axis=0)
    coef_sd = prior_scale * (y_sd / x_sd if autoscale else np.ones(3))
    intercept_sd = intercept_scale * (y_sd if autoscale else 1.0)
    # autoscale centres the intercept prior at the feature means:
    # intercept + x_mean @ coef ~ N(1.5, intercept_sd).
    direction = np.concatenate([[1.0], x_mean if autoscale else np.zeros(3)])
    prior_prec = np.diag(np.concatenate([[0.0], coef_sd**-2.0]))
    prior_prec += np.outer(direction, direction) / intercept_sd**2
    prior_coef_loc = np.array([0.5, 0.0, -0.2])
    prior_mean = np.concatenate(
        [[1.5 - direction[1:] @ prior_coef_loc], prior_coef_loc]
    )

    A = np.column_stack([np.ones(len(y)), X])
    mean, cov = conjugate_posterior(A, y, noise, prior_prec, prior_mean)
    draws = joint_draws(model)
    assert_moments_match(draws, mean, cov)
    # With known noise the Rao-Blackwellised posterior mean is exact.
    np.testing.assert_allclose(
        model.coef_, mean[1:], rtol=1e-9, atol=1e-9 * np.abs(mean).max()
    )
    np.testing.assert_allclose(model.intercept_, mean[0], rtol=1e-9)
    np.testing.assert_array_equal(model.posterior_samples_["sigma"], noise)


def test_known_noise_without_intercept(regression_data):
    X, y = regression_data(n_samples=40, intercept=0.0)
    model = BayesianLinearRegressor(
        fit_intercept=False, noise=0.5, prior_scale=1.0, autoscale=False, random_state=1
    ).fit(X, y)
    mean, cov = conjugate_posterior(X, y, 0.5, np.eye(3), np.zeros(3))
    assert model.intercept_ == 0.0
    np.testing.assert_array_equal(model.posterior_samples_["intercept"], 0.0)
    assert_moments_match(model.posterior_samples_["coef"], mean, cov)


def polynomial_design(rng, n_samples=200, degree=6):
    x = rng.uniform(5.0, 15.0, size=n_samples)
    X = np.column_stack([x**k for k in range(1, degree + 1)])
    y = 1.0 + 0.5 * x - 0.3 * x**2 + 0.02 * x**3 + rng.normal(scale=1.0, size=n_samples)
    return X, y


def test_flat_prior_mean_is_ols_on_ill_conditioned_design(rng):
    X, y = polynomial_design(rng)
    A = np.column_stack([np.ones(len(y)), X])
    assert np.linalg.cond(A) > 1e10
    ols = np.linalg.lstsq(A, y, rcond=None)[0]
    model = BayesianLinearRegressor(
        prior_scale=None, intercept_prior_scale=None, random_state=0
    ).fit(X, y)
    # Given sigma, the flat-prior posterior mean is OLS whatever sigma is, so the
    # Rao-Blackwellised mean equals OLS up to the rounding of the normal
    # equations: eps times the condition number of the standardised Gram matrix.
    standardised = (X - X.mean(0)) / X.std(0)
    rtol = 10 * np.finfo(float).eps * np.linalg.cond(standardised.T @ standardised)
    assert rtol < 1e-3
    np.testing.assert_allclose(model.coef_, ols[1:], rtol=rtol)
    np.testing.assert_allclose(model.intercept_, ols[0], rtol=rtol)
    # The draws are centred on OLS within Monte Carlo error.
    draws = joint_draws(model)
    se = draws.std(0) / np.sqrt(ess(draws))
    np.testing.assert_array_less(np.abs(draws.mean(0) - ols), Z * se)


def test_flat_prior_collinear_columns_is_an_error(rng):
    X = rng.normal(size=(50, 2))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    with pytest.raises(ValueError, match="improper.*rank 2"):
        BayesianLinearRegressor(prior_scale=None).fit(X, rng.normal(size=50))


def test_collinear_columns_with_proper_prior(rng):
    """A proper prior makes a rank-deficient design well posed."""
    X = rng.normal(size=(50, 2))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    y = X[:, 0] - X[:, 1] + rng.normal(scale=0.1, size=50)
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=0.5)
    assert model.diagnostics_["num_divergences"] == 0


def exact_sigma_posterior_mean(rss, n_obs, n_params, prior_logpdf):
    """Posterior mean of sigma under flat coefficient priors, by quadrature."""
    s_hat = np.sqrt(rss / (n_obs - n_params))
    width = 12 * s_hat / np.sqrt(2 * n_obs)

    def log_density(s):
        return (
            -(n_obs - n_params) * np.log(s / s_hat) - rss / (2 * s**2) + prior_logpdf(s)
        )

    peak = log_density(s_hat)
    grid = np.linspace(s_hat - width, s_hat + width, 20001)
    weights = np.exp(log_density(grid) - peak)
    return scipy.integrate.trapezoid(grid * weights, grid) / scipy.integrate.trapezoid(
        weights, grid
    )


def test_ten_million_rows_float32_kernel(rng):
    """Frequency weights stand for 10^7 rows; the float32 kernel stays exact."""
    X, _ = polynomial_design(rng, n_samples=500, degree=3)
    y = 2.0 + X @ [0.5, -0.1, 0.01] + rng.normal(scale=0.7, size=500)
    weight = np.full(500, 20_000.0)
    n_obs = weight.sum()
    assert n_obs == 1e7
    A = np.column_stack([np.ones(500), X])

    known = BayesianLinearRegressor(
        noise=0.7,
        prior_scale=10.0,
        intercept_prior_scale=10.0,
        autoscale=False,
        random_state=0,
    ).fit(X, y, sample_weight=weight)
    prior_prec = np.diag([1e-2, 1e-2, 1e-2, 1e-2])
    mean, cov = conjugate_posterior(
        A * np.sqrt(weight)[:, None], y * np.sqrt(weight), 0.7, prior_prec, np.zeros(4)
    )
    draws = joint_draws(known)
    assert_moments_match(draws, mean, cov)

    flat = BayesianLinearRegressor(
        prior_scale=None, intercept_prior_scale=None, random_state=0
    ).fit(X, y, sample_weight=weight)
    ols = np.linalg.lstsq(A, y, rcond=None)[0]
    rss = n_obs * np.mean((y - A @ ols) ** 2)
    noise_scale = flat.noise_prior_scale * np.sqrt(np.mean((y - y.mean()) ** 2))
    expected = exact_sigma_posterior_mean(rss, n_obs, 4, lambda s: -s / noise_scale)
    sigma = flat.posterior_samples_["sigma"]
    se = sigma.std() / np.sqrt(ess(sigma[:, None])[0])
    assert abs(sigma.mean() - expected) < Z * se
    # The posterior sd of sigma is about sigma / sqrt(2 n): 1e-4 relative here.
    np.testing.assert_allclose(sigma.std(), expected / np.sqrt(2 * n_obs), rtol=0.1)


@pytest.mark.slow
def test_simulation_based_calibration():
    """Ranks of true parameters among posterior draws are uniform (Talts et al.)."""
    n_replications, n_bins = 200, 10
    rng = np.random.default_rng(7)
    model = BayesianLinearRegressor(
        prior_scale=1.0,
        intercept_prior_scale=1.0,
        noise_prior_scale=1.0,
        autoscale=False,
        num_warmup=300,
        num_samples=99,
        num_chains=1,
    )
    X = rng.normal(size=(15, 2))
    ranks = []
    for replication in range(n_replications):
        truth = model.sample_prior_predictive(
            X[:1], n_samples=1, random_state=replication, return_params=True
        )[1]
        sigma = truth["sigma"][0]
        y = truth["intercept"][0] + X @ truth["coef"][0] + sigma * rng.normal(size=15)
        with warnings.catch_warnings():
            # 99 draws per fit are below the ESS the convergence warning asks for.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.set_params(random_state=replication).fit(X, y)
        samples = model.posterior_samples_
        ranks.append(
            [
                np.sum(samples["intercept"] < truth["intercept"][0]),
                np.sum(samples["coef"][:, 0] < truth["coef"][0, 0]),
                np.sum(samples["coef"][:, 1] < truth["coef"][0, 1]),
                np.sum(samples["sigma"] < sigma),
            ]
        )
    ranks = np.array(ranks)
    for column in ranks.T:
        counts = np.bincount(column * n_bins // 100, minlength=n_bins)
        assert scipy.stats.chisquare(counts).pvalue > 1e-3, counts


NOISE_LOGPDF = {
    "exponential": lambda s, scale: -s / scale,
    "half_normal": lambda s, scale: -0.5 * (s / scale) ** 2,
    "half_cauchy": lambda s, scale: -np.log1p((s / scale) ** 2),
    # Three degrees of freedom, the estimator's default (and brms's).
    "half_student_t": lambda s, scale: -2.0 * np.log1p((s / scale) ** 2 / 3.0),
    # Stan's default: improper, proper posterior here (15 rows > 2 flat + 1).
    "flat": lambda s, scale: np.zeros_like(s),
}


@pytest.mark.parametrize("noise_prior", sorted(NOISE_LOGPDF))
def test_each_noise_prior_matches_quadrature_over_sigma(rng, noise_prior):
    """Few rows, so that the noise prior shapes the posterior of sigma."""
    n_obs, scale = 15, 0.5
    x = rng.normal(size=n_obs)
    y = 1.0 + 2.0 * x + rng.normal(size=n_obs)
    model = BayesianLinearRegressor(
        autoscale=False,
        prior_scale=None,
        intercept_prior_scale=None,
        noise_prior=noise_prior,
        noise_prior_scale=scale,
        num_samples=2000,
        random_state=0,
    ).fit(x[:, None], y)
    # Flat coefficient priors integrate out to sigma^-(n - 2) exp(-RSS / 2 sigma^2).
    A = np.column_stack([np.ones(n_obs), x])
    rss = np.sum((y - A @ np.linalg.lstsq(A, y, rcond=None)[0]) ** 2)
    grid = np.geomspace(1e-3, 50.0, 200_001)
    log_post = (
        -(n_obs - 2) * np.log(grid)
        - rss / (2 * grid**2)
        + NOISE_LOGPDF[noise_prior](grid, scale)
    )
    density = np.exp(log_post - log_post.max())
    density /= scipy.integrate.trapezoid(density, grid)
    sigma = model.posterior_samples_["sigma"]
    for power in (1, 2):
        moment = scipy.integrate.trapezoid(grid**power * density, grid)
        assert_mean_is(sigma**power, moment)


def test_student_t_intercept_prior_matches_quadrature():
    """brms's default intercept prior, on few rows far from its location.

    With the feature centred the intercept is independent of the slope given
    sigma, and a flat slope prior integrates out to a factor sigma, so the
    posterior of (intercept, sigma) is a two-dimensional integral.
    """
    rng = np.random.default_rng(7)
    n_obs, df, loc, scale = 6, 3.0, 0.0, 1.0
    x = rng.normal(size=n_obs)
    x -= x.mean()
    y = 5.0 + x + rng.normal(size=n_obs)
    model = BayesianLinearRegressor(
        autoscale=False,
        prior_scale=None,
        intercept_prior="student_t",
        intercept_prior_df=df,
        intercept_prior_loc=loc,
        intercept_prior_scale=scale,
        noise_prior="half_normal",
        noise_prior_scale=2.0,
        num_samples=2000,
        random_state=0,
    ).fit(x[:, None], y)
    slope = x @ y / (x @ x)
    rss = np.sum((y - y.mean() - slope * x) ** 2)
    a = np.linspace(-10.0, 20.0, 3001)[:, None]
    sigma = np.geomspace(1e-2, 30.0, 3001)[None, :]
    log_post = (
        scipy.stats.t.logpdf(a, df, loc, scale)
        - 0.5 * (sigma / 2.0) ** 2
        - (n_obs - 1) * np.log(sigma)
        - (rss + n_obs * (y.mean() - a) ** 2) / (2 * sigma**2)
    )
    density = np.exp(log_post - log_post.max())

    def expectation(values):
        inner = scipy.integrate.trapezoid(values * density, sigma[0], axis=1)
        return scipy.integrate.trapezoid(inner, a[:, 0])

    total = expectation(1.0)
    samples = model.posterior_samples_
    for power in (1, 2):
        assert_mean_is(samples["intercept"] ** power, expectation(a**power) / total)
        assert_mean_is(samples["sigma"] ** power, expectation(sigma**power) / total)
    # The Normal prior of the same scale would pull the intercept a long way
    # toward its location; the Student-t's tails let the data speak.
    assert expectation(a) / total > y.mean() - 0.3
    assert_mean_is(samples["coef"][:, 0], slope)
