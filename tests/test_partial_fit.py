"""partial_fit: statistics merged chunk by chunk give the posterior of one fit."""

import numpy as np
import pytest
from _monte_carlo import assert_same_mean

from skbayes import BayesianLinearRegressor
from skbayes._arviz import group_names


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(12)
    X = rng.normal(size=(3000, 4)) + [0.0, 10.0, -5.0, 100.0]
    y = 1.0 + X @ [0.5, -1.0, 2.0, 0.1] + rng.normal(scale=0.8, size=3000)
    weight = rng.integers(0, 3, size=3000).astype(float)
    return X, y, weight


def test_chunks_give_the_posterior_of_one_fit(data):
    X, y, weight = data
    whole = BayesianLinearRegressor(random_state=0).fit(X, y, sample_weight=weight)
    chunked = BayesianLinearRegressor(random_state=0)
    for rows in np.array_split(np.arange(len(y)), 7):
        chunked.partial_fit(X[rows], y[rows], sample_weight=weight[rows])
    # Same statistics up to float64 rounding...
    for name in ("x_mean", "y_mean"):
        np.testing.assert_allclose(
            getattr(chunked._stats, name), getattr(whole._stats, name), rtol=1e-10
        )
    for merged, direct in zip(
        chunked._stats.cross_products(), whole._stats.cross_products(), strict=True
    ):
        np.testing.assert_allclose(merged, direct, rtol=1e-10)
    assert chunked._stats.n_rows == whole._stats.n_rows == 3000
    # ...so the same posterior: the Rao-Blackwellised means agree far inside
    # the Monte Carlo error, the draws within it.
    np.testing.assert_allclose(chunked.coef_, whole.coef_, rtol=1e-6)
    for name in ("coef", "sigma"):
        assert_same_mean(
            chunked.posterior_samples_[name], whole.posterior_samples_[name]
        )
    assert "observed_data" not in group_names(chunked.idata_)
    assert chunked.n_features_in_ == 4


def test_later_chunks_are_checked(data):
    X, y, _ = data
    model = BayesianLinearRegressor(random_state=0).partial_fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[100:200, :3], y[100:200])
    with pytest.raises(ValueError, match="target"):
        model.partial_fit(X[100:200], np.column_stack([y[100:200]] * 2))


def test_rows_are_not_kept(data):
    X, y, _ = data
    model = BayesianLinearRegressor(random_state=0).partial_fit(X[:200], y[:200])
    with pytest.raises(ValueError, match="keeps no rows"):
        model.compute_log_likelihood(X[:200], y[:200])
    with pytest.raises(ValueError, match="keeps no rows"):
        model.sample_posterior_predictive(X[:200], extend_inferencedata=True)
    model.sample_posterior_predictive(
        X[:5], extend_inferencedata=True, predictions=True
    )
    assert model.idata_.predictions.sizes["pred_id"] == 5
    # fit starts afresh.
    model.fit(X[:300], y[:300])
    assert model._stats.n_rows == 300
    assert "observed_data" in group_names(model.idata_)
