"""Bad input gets an error that names the problem."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from skbayes import BayesianLinearRegressor


@pytest.fixture
def data(regression_data):
    return regression_data(n_samples=40)


@pytest.mark.parametrize(
    "bad, match",
    [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity")],
)
def test_non_finite_X_or_y(data, bad, match):
    X, y = data
    X_bad = X.copy()
    X_bad[3, 1] = bad
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor().fit(X_bad, y)
    y_bad = y.copy()
    y_bad[0] = bad
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor().fit(X, y_bad)


def test_one_dimensional_X(data):
    _, y = data
    with pytest.raises(ValueError, match="Expected 2D array"):
        BayesianLinearRegressor().fit(y, y)


def test_mismatched_lengths(data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        BayesianLinearRegressor().fit(X, y[:-1])


def test_predict_before_fit(data):
    X, _ = data
    model = BayesianLinearRegressor()
    for method in (
        model.predict,
        model.predict_interval,
        model.sample_posterior_predictive,
    ):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        model.summary()


def test_wrong_feature_count_and_names(data):
    X, y = data
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="has 2 features.*expecting 3"):
        model.predict(X[:, :2])
    named = BayesianLinearRegressor(random_state=0).fit(
        pd.DataFrame(X, columns=["a", "b", "c"]), y
    )
    with pytest.raises(ValueError, match="feature names"):
        named.predict(pd.DataFrame(X, columns=["a", "c", "b"]))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"prior_scale": 0.0}, "prior_scale"),
        ({"prior_scale": -1.0}, "prior_scale"),
        ({"prior_scale": [1.0, -1.0, 1.0]}, "prior_scale must be positive"),
        (
            {"prior_scale": [1.0, 1.0]},
            "prior_scale must be a scalar or an array of length",
        ),
        ({"prior_scale": [1.0, np.inf, 1.0]}, "prior_scale must be finite"),
        ({"prior_loc": [0.0, 0.0]}, "prior_loc must be a scalar or an array of length"),
        ({"intercept_prior_scale": 0.0}, "intercept_prior_scale"),
        ({"noise_prior_scale": -2.0}, "noise_prior_scale"),
        ({"noise_prior_scale": np.inf}, "noise_prior_scale"),
        ({"noise": np.nan}, "noise"),
        ({"noise": 0.0}, "noise"),
        ({"noise_prior": "gamma"}, "noise_prior"),
        ({"num_samples": 0}, "num_samples"),
        ({"target_accept_prob": 1.0}, "target_accept_prob"),
        ({"hdi_prob": 0.0}, "hdi_prob"),
    ],
)
def test_invalid_prior_and_sampler_settings(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor(**params).fit(X, y)


def test_invalid_sample_weight(data):
    X, y = data
    with pytest.raises(ValueError, match="Negative values in data"):
        BayesianLinearRegressor().fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="non-zero"):
        BayesianLinearRegressor().fit(X, y, sample_weight=np.zeros(len(y)))
    with pytest.raises(ValueError, match="sample_weight"):
        BayesianLinearRegressor().fit(X, y, sample_weight=np.ones(3))


def test_flat_prior_with_more_features_than_rows(rng):
    X, y = rng.normal(size=(5, 8)), rng.normal(size=5)
    with pytest.raises(ValueError, match="improper"):
        BayesianLinearRegressor(prior_scale=None).fit(X, y)


def test_invalid_predictive_arguments(data):
    X, y = data
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="prob"):
        model.predict_interval(X, prob=1.5)
    with pytest.raises(ValueError, match="n_samples"):
        model.sample_posterior_predictive(X, n_samples=0)
    with pytest.raises(ValueError, match="unknown keys"):
        model.sample_prior_predictive(X, params={"slope": 1.0})
    with pytest.raises(ValueError, match=r"params\['coef'\] must have shape"):
        model.sample_prior_predictive(X, params={"coef": [1.0, 2.0]})
    flat = BayesianLinearRegressor(prior_scale=None, autoscale=False)
    with pytest.raises(ValueError, match="flat"):
        flat.sample_prior_predictive(X)
