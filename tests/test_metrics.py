import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.model_selection import GridSearchCV

from skbayes import BayesianLinearRegressor
from skbayes.metrics import elpd_loo, log_predictive_density


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(120, 3))
    y = 1.0 + X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.7, size=120)
    return X[:80], y[:80], X[80:], y[80:]


def test_log_predictive_density_is_the_mixture_density(split):
    X, y, X_test, y_test = split
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    s = model.posterior_samples_
    mu = s["intercept"][:, None] + s["coef"] @ X_test.T
    log_density = norm.logpdf(y_test, loc=mu, scale=s["sigma"][:, None])
    expected = np.mean(logsumexp(log_density, axis=0) - np.log(mu.shape[0]))
    assert log_predictive_density(model, X_test, y_test) == pytest.approx(expected)


def test_log_predictive_density_prefers_the_right_model(split):
    X, y, X_test, y_test = split
    good = BayesianLinearRegressor(random_state=0).fit(X, y)
    too_tight = BayesianLinearRegressor(prior_scale=0.001, random_state=0).fit(X, y)
    assert log_predictive_density(good, X_test, y_test) > log_predictive_density(
        too_tight, X_test, y_test
    )
    search = GridSearchCV(
        BayesianLinearRegressor(random_state=0),
        {"prior_scale": [0.001, 1.0]},
        scoring=log_predictive_density,
        cv=3,
    ).fit(X, y)
    assert search.best_params_ == {"prior_scale": 1.0}


def test_elpd_loo_is_close_to_held_out_density(split):
    X, y, X_test, y_test = split
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    loo = elpd_loo(model, X, y)
    assert np.all(loo.pareto_k < 0.7)
    assert 3 < loo.p_loo < 7  # 5 parameters
    # Per row, LOO estimates the density of new data: within a few of its
    # standard errors of the held-out mean.
    per_row = loo.elpd_loo / len(y)
    assert abs(per_row - log_predictive_density(model, X_test, y_test)) < 0.3
