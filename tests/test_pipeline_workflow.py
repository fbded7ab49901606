"""The workflow before a fit and through a Pipeline."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbayes import BayesianLinearRegressor
from skbayes._arviz import group_names

# Short chains: these tests compare draws and routes, not posteriors.
pytestmark = pytest.mark.filterwarnings("ignore:The sampler may not have converged")


def _model(**params):
    return BayesianLinearRegressor(num_warmup=300, num_samples=300, **params)


@pytest.fixture
def data(regression_data):
    X, y = regression_data(n_samples=60)
    return X * [1.0, 10.0, 100.0] + 5.0, 1000.0 * y


def test_prior_predictive_before_fit_uses_the_priors_a_fit_would(data):
    X, y = data
    unfitted = _model(random_state=0)
    before = unfitted.sample_prior_predictive(X, y, n_samples=200, random_state=1)
    assert not hasattr(unfitted, "n_features_in_")
    fitted = _model(random_state=0).fit(X, y)
    after = fitted.sample_prior_predictive(X, n_samples=200, random_state=1)
    # The same priors and the same seed draw the same values.
    np.testing.assert_allclose(before, after, rtol=1e-10)


def test_prior_predictive_before_fit_fills_idata(data):
    X, y = data
    model = _model(random_state=0)
    model.sample_prior_predictive(X, y, n_samples=50, extend_inferencedata=True)
    groups = set(group_names(model.idata_))
    assert groups == {"prior", "prior_predictive", "observed_data"}
    np.testing.assert_array_equal(model.idata_.observed_data["y"], y)
    assert model.idata_.prior_predictive["y"].shape == (1, 50, len(y))
    # A fit then makes the fit's own idata_.
    model.fit(X, y)
    assert "posterior" in group_names(model.idata_)
    assert "prior" not in group_names(model.idata_)


def test_prior_predictive_y_is_refused_by_a_fitted_estimator(data):
    X, y = data
    model = _model(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="this one is fitted"):
        model.sample_prior_predictive(X, y)


def test_prior_predictive_y_is_validated(data):
    X, y = data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        _model().sample_prior_predictive(X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        _model().sample_prior_predictive(X, np.where(np.arange(len(y)) == 3, np.nan, y))


@pytest.fixture
def pipeline(data):
    X, y = data
    return make_pipeline(StandardScaler(), _model(random_state=0)).fit(X, y), X


def test_pipeline_predict_forwards_every_summary(pipeline):
    pipe, X = pipeline
    final, Z = pipe[-1], pipe[:-1].transform(X[:7])
    mean, std, interval, quantiles = pipe.predict(
        X[:7], return_std=True, return_interval=True, quantiles=[0.1, 0.9]
    )
    expected_mean, expected_std = final.predict(Z, return_std=True)
    np.testing.assert_array_equal(mean, expected_mean)
    np.testing.assert_array_equal(std, expected_std)
    np.testing.assert_array_equal(interval, final.predict_interval(Z))
    np.testing.assert_array_equal(quantiles, final.predict_quantiles(Z, [0.1, 0.9]))
    _, narrow = pipe.predict(X[:7], return_interval=True, prob=0.5)
    np.testing.assert_array_equal(narrow, final.predict_interval(Z, prob=0.5))
    assert np.all(narrow[:, 1] - narrow[:, 0] < interval[:, 1] - interval[:, 0])


def test_predict_summaries_keep_one_order(pipeline):
    pipe, X = pipeline
    final = pipe[-1]
    Z = pipe[:-1].transform(X[:3])
    mean, quantiles = final.predict(Z, quantiles=0.5)
    assert quantiles.shape == (3, 1)
    np.testing.assert_array_equal(mean, final.predict(Z))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"prob": 0.5}, "pass return_interval=True"),
        ({"return_interval": "yes"}, "return_interval must be True or False"),
        ({"return_interval": True, "prob": 1.5}, r"prob must be in \(0, 1\)"),
        ({"quantiles": [0.0, 0.5]}, "quantiles must be"),
    ],
)
def test_predict_summary_arguments_are_checked(pipeline, kwargs, message):
    pipe, X = pipeline
    with pytest.raises(ValueError, match=message):
        pipe.predict(X[:3], **kwargs)
