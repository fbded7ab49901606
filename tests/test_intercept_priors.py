"""The intercept prior families: densities, draws, settings and the graph."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats
from sklearn.model_selection import GridSearchCV, KFold

from skbayes import BayesianLinearRegressor
from skbayes._intercept_priors import INTERCEPT_PRIORS

LOC, SCALE, DF = 1.5, 2.0, 3.0
REFERENCE = {
    "normal": stats.norm(LOC, SCALE),
    "student_t": stats.t(DF, LOC, SCALE),
}


def test_every_family_has_a_reference():
    assert set(REFERENCE) == set(INTERCEPT_PRIORS)


@pytest.mark.parametrize("name", list(INTERCEPT_PRIORS))
def test_energy_is_minus_the_log_density_up_to_a_constant(name):
    values = np.linspace(-40.0, 40.0, 81)
    family = INTERCEPT_PRIORS[name]
    energy = np.asarray(family.energy(jnp.asarray((values - LOC) / SCALE), DF))
    expected = -REFERENCE[name].logpdf(values)
    np.testing.assert_allclose(
        energy - energy[40], expected - expected[40], rtol=1e-5, atol=1e-4
    )
    theirs = family.distribution(LOC, SCALE, DF).log_prob(jnp.asarray(values))
    np.testing.assert_allclose(theirs, -expected, rtol=1e-5)


@pytest.mark.parametrize("name", list(INTERCEPT_PRIORS))
def test_prior_draws_follow_the_family(name):
    draws = INTERCEPT_PRIORS[name].draw(np.random.default_rng(2), LOC, SCALE, DF, 4000)
    assert stats.kstest(draws, REFERENCE[name].cdf).pvalue > 1e-4


def test_prior_predictive_draws_the_student_t_intercept():
    X = np.zeros((1, 2))
    reg = BayesianLinearRegressor(
        autoscale=False,
        intercept_prior="student_t",
        intercept_prior_loc=LOC,
        intercept_prior_scale=SCALE,
        intercept_prior_df=DF,
    )
    _, params = reg.sample_prior_predictive(
        X, n_samples=4000, random_state=0, return_params=True
    )
    assert stats.kstest(params["intercept"], REFERENCE["student_t"].cdf).pvalue > 1e-4


@pytest.mark.parametrize(
    "params, match",
    [
        ({"intercept_prior": "t"}, "intercept_prior"),
        ({"intercept_prior_df": 0.0}, "intercept_prior_df"),
        ({"intercept_prior_df": -1.0}, "intercept_prior_df"),
        ({"intercept_prior_df": np.nan}, "intercept_prior_df"),
        (
            {"intercept_prior": "student_t", "intercept_prior_scale": None},
            "intercept_prior='student_t' needs a scale",
        ),
    ],
)
def test_invalid_intercept_prior_settings(params, match):
    X, y = np.arange(10.0)[:, None], np.arange(10.0)
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor(**params).fit(X, y)


def test_graph_shows_the_student_t_intercept():
    pytest.importorskip("graphviz")
    X, y = np.arange(10.0)[:, None], np.arange(10.0)
    reg = BayesianLinearRegressor(
        intercept_prior="student_t", num_samples=100, random_state=0
    ).fit(X, y)
    source = reg.render_model().source
    assert "StudentT(3, 4.5, " in source


def test_grid_search_over_the_new_priors_settings():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = 3.0 + X @ [1.0, -1.0] + rng.normal(size=40)
    search = GridSearchCV(
        BayesianLinearRegressor(
            intercept_prior="student_t", num_warmup=200, num_samples=200, random_state=0
        ),
        {"intercept_prior_df": [1.0, 30.0], "noise_prior": ["flat", "half_student_t"]},
        cv=KFold(2),
    ).fit(X, y)
    assert search.best_estimator_.intercept_prior_df in (1.0, 30.0)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
