"""Coefficient priors beyond the Normal, against exact references."""

import numpy as np
import pytest
from _monte_carlo import Z, assert_mean_is, effective_sizes
from scipy import integrate, stats
from sklearn.model_selection import GridSearchCV

from skbayes import BayesianLinearRegressor
from skbayes._kernels import trace_count

LOGPDF = {
    "student_t": lambda b: stats.t.logpdf(b, 3.0, loc=0.2, scale=0.5),
    "laplace": lambda b: stats.laplace.logpdf(b, loc=0.2, scale=0.5),
    "normal": lambda b: stats.norm.logpdf(b, loc=0.2, scale=0.5),
}


@pytest.mark.parametrize("family", ["student_t", "laplace"])
def test_posterior_matches_quadrature(family):
    """One coefficient with known noise: the posterior is 1-D, exact by quadrature."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=8)
    y = 0.9 * x + rng.normal(size=8)
    model = BayesianLinearRegressor(
        fit_intercept=False,
        noise=1.0,
        autoscale=False,
        prior_loc=0.2,
        prior_scale=0.5,
        coef_prior=family,
        coef_prior_df=3.0,
        random_state=0,
    ).fit(x[:, None], y)
    grid = np.linspace(-6, 6, 200_001)
    log_post = -0.5 * ((y[:, None] - x[:, None] * grid) ** 2).sum(0) + LOGPDF[family](
        grid
    )
    density = np.exp(log_post - log_post.max())
    density /= integrate.trapezoid(density, grid)
    mean = integrate.trapezoid(grid * density, grid)
    sd = np.sqrt(integrate.trapezoid((grid - mean) ** 2 * density, grid))
    draws = model.posterior_samples_["coef"][:, 0]
    assert_mean_is(draws, mean)
    # The sd of a sample sd is about sd / sqrt(2 n): bound it with the ESS.
    n_eff = effective_sizes(draws)
    assert abs(draws.std() - sd) < Z * sd / np.sqrt(2 * n_eff)
    assert model.coef_[0] == pytest.approx(draws.mean())
    assert model.diagnostics_["num_divergences"] == 0


@pytest.mark.parametrize(
    "family, variance",
    [("student_t", 0.5**2 * 5.0 / 3.0), ("laplace", 2 * 0.5**2), ("normal", 0.5**2)],
)
def test_prior_predictive_moments(family, variance):
    """Mean and variance of y at one point are exact sums of the priors'."""
    model = BayesianLinearRegressor(
        autoscale=False,
        prior_loc=0.2,
        prior_scale=0.5,
        coef_prior=family,
        coef_prior_df=5.0,
        intercept_prior_scale=1.0,
        noise_prior_scale=0.3,
    )
    X = np.array([[2.0, -1.0]])
    n = 200_000
    y = model.sample_prior_predictive(X, n_samples=n, random_state=0)[:, 0]
    mean = 0.2 * 2.0 + 0.2 * -1.0
    var = 1.0 + (2.0**2 + 1.0) * variance + 2 * 0.3**2  # E[sigma^2] = 2 scale^2
    assert abs(y.mean() - mean) < 4 * np.sqrt(var / n)
    # The sample variance's error is at most a few percent at this size even
    # for the Student-t's heavy tails (df = 5 has a finite fourth moment).
    assert y.var() == pytest.approx(var, rel=0.05)


def test_horseshoe_recovers_a_sparse_truth():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 20))
    truth = np.zeros(20)
    truth[:3] = [3.0, -2.0, 1.5]
    y = X @ truth + rng.normal(size=100)
    horseshoe = BayesianLinearRegressor(
        coef_prior="horseshoe", target_accept_prob=0.99, random_state=0
    ).fit(X, y)
    normal = BayesianLinearRegressor(random_state=0).fit(X, y)
    # Even non-centred, the horseshoe's funnel costs the odd divergence: 0 to 3
    # of 4000 transitions over six seeds, on the newest and oldest supported
    # JAX and NumPyro. Allow 1 in 1000.
    assert horseshoe.diagnostics_["num_divergences"] <= 0.001 * 4000
    assert horseshoe.diagnostics_["max_r_hat"] < 1.01
    np.testing.assert_allclose(horseshoe.coef_[:3], truth[:3], atol=0.3)
    # The zeros are shrunk much harder than under the Normal prior.
    assert np.abs(horseshoe.coef_[3:]).mean() < 0.5 * np.abs(normal.coef_[3:]).mean()
    posterior = horseshoe.idata_.posterior
    assert posterior["local_scale"].dims == ("chain", "draw", "feature")
    assert {"global_scale", "slab_scale"} <= set(posterior.data_vars)
    # The large coefficients escape the shrinkage: larger local scales.
    local = posterior["local_scale"].mean(("chain", "draw")).values
    assert local[:3].min() > np.median(local[3:])
    assert "local_scale" in horseshoe.render_model().source


def test_priors_are_grid_searchable_without_recompiling():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, 0.0, -1.0] + rng.normal(scale=0.5, size=60)
    model = BayesianLinearRegressor(coef_prior="student_t", random_state=0).fit(X, y)
    before = trace_count()
    model.set_params(prior_scale=0.1, coef_prior_df=10.0, prior_loc=1.0).fit(
        X[:40], y[:40]
    )
    assert trace_count() == before
    search = GridSearchCV(
        BayesianLinearRegressor(num_samples=300, random_state=0),
        {"coef_prior": ["normal", "laplace"], "prior_scale": [0.01, 1.0]},
        cv=3,
    ).fit(X, y)
    assert search.best_params_["prior_scale"] == 1.0
    assert "StudentT" in model.render_model().source


def test_flat_prior_needs_the_normal_family():
    X, y = np.zeros((5, 1)), np.arange(5.0)
    with pytest.raises(ValueError, match="prior_scale=None"):
        BayesianLinearRegressor(coef_prior="laplace", prior_scale=None).fit(X, y)
