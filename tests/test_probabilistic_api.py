"""The probabilistic-regression interfaces: GPR's sample_y, skpro's quantiles."""

import numpy as np
import pytest
from scipy.stats import norm
from sklearn.gaussian_process import GaussianProcessRegressor

from skbayes import BayesianLinearRegressor


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 2))
    y = X @ [1.0, 2.0] + rng.normal(scale=0.3, size=50)
    return BayesianLinearRegressor(random_state=0).fit(X, y), X, y


def test_sample_y_has_gaussian_process_shapes(fitted):
    model, X, y = fitted
    gpr = GaussianProcessRegressor().fit(X, y)
    assert model.sample_y(X[:7]).shape == gpr.sample_y(X[:7]).shape == (7, 1)
    assert model.sample_y(X[:7], 5).shape == gpr.sample_y(X[:7], 5).shape == (7, 5)
    np.testing.assert_array_equal(model.sample_y(X[:7], 5), model.sample_y(X[:7], 5))
    # Each column is one posterior function: exactly linear in X.
    draws = model.sample_y(X, 3)
    for column in draws.T:
        design = np.column_stack([np.ones(len(X)), X])
        residual = column - design @ np.linalg.lstsq(design, column, rcond=None)[0]
        assert np.abs(residual).max() < 1e-8
    two = BayesianLinearRegressor(random_state=0).fit(X, np.column_stack([y, y]))
    gpr2 = GaussianProcessRegressor().fit(X, np.column_stack([y, y]))
    assert two.sample_y(X[:4], 3).shape == gpr2.sample_y(X[:4], 3).shape == (4, 2, 3)


def test_predict_quantiles_match_predictive_distribution(fitted):
    model, X, _ = fitted
    levels = [0.05, 0.5, 0.95]
    values = model.predict_quantiles(X[:10], levels)
    assert values.shape == (10, 3)
    assert np.all(np.diff(values, axis=1) > 0)
    mean, std = model.predict(X[:10], return_std=True)
    # The predictive is close to Normal(mean, std): quantiles agree to a few
    # Monte Carlo errors of a quantile, sd * sqrt(p (1 - p) / n) / density.
    expected = mean[:, None] + std[:, None] * norm.ppf(levels)
    se = std[:, None] * np.sqrt(0.05 * 0.95 / 4000) / norm.pdf(norm.ppf(0.05))
    tolerance = np.broadcast_to(4 * se + 0.01 * std[:, None], values.shape)
    np.testing.assert_array_less(np.abs(values - expected), tolerance)
    np.testing.assert_array_equal(values, model.predict_quantiles(X[:10], levels))
    with pytest.raises(ValueError, match="quantiles"):
        model.predict_quantiles(X, [0.0, 0.5])
