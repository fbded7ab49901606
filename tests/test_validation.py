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


def test_y_without_targets(data):
    X, _ = data
    with pytest.raises(ValueError, match="0 target"):
        BayesianLinearRegressor().fit(X, np.ones((len(X), 0)))


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


@pytest.fixture(scope="module")
def fitted_frame():
    rng = np.random.default_rng(21)
    X = pd.DataFrame(rng.normal(size=(50, 3)), columns=["a", "b", "c"])
    y = 1.0 + X.to_numpy() @ [1.0, -2.0, 0.5] + rng.normal(size=50)
    model = BayesianLinearRegressor(num_samples=200, random_state=0).fit(X, y)
    return X, y, model


def test_log_likelihood_needs_the_training_rows(fitted_frame):
    """Rows of X out of order against y, or other weights, are not the fit's data."""
    X, y, model = fitted_frame
    with pytest.raises(ValueError, match="training data"):
        model.compute_log_likelihood(X.iloc[::-1], y)
    with pytest.raises(ValueError, match="training data"):
        model.compute_log_likelihood(X, y, sample_weight=np.full(50, 2.0))
    with pytest.raises(ValueError, match="Negative values"):
        model.compute_log_likelihood(X, y, sample_weight=-np.ones(50))
    with pytest.raises(ValueError, match="feature names"):
        model.compute_log_likelihood(X[["c", "b", "a"]], y)
    with pytest.raises(ValueError, match="3 features"):
        model.compute_log_likelihood(X.to_numpy()[:, :2], y)
    idata = model.compute_log_likelihood(X, y)
    assert idata.log_likelihood["y"].shape == (4, 200, 50)


@pytest.mark.parametrize("n_samples", [True, 0, -1, 2.0, "3"])
def test_n_samples_must_be_a_positive_integer(fitted_frame, n_samples):
    X, _, model = fitted_frame
    for method in (
        model.sample_y,
        model.sample_posterior_predictive,
        model.sample_prior_predictive,
    ):
        with pytest.raises(ValueError, match="n_samples must be a positive integer"):
            method(X, n_samples=n_samples)


@pytest.mark.parametrize("params", [[1, 2], "sigma", 3.0])
def test_params_must_be_a_dict(fitted_frame, params):
    X, _, model = fitted_frame
    with pytest.raises(TypeError, match="params must be a dict"):
        model.sample_prior_predictive(X, params=params)


@pytest.mark.parametrize("quantiles", ["0.5", ["0.1", "0.9"], True, [[0.1, 0.9]], 1.0])
def test_quantiles_must_be_numbers_in_the_unit_interval(fitted_frame, quantiles):
    X, _, model = fitted_frame
    with pytest.raises(ValueError, match="quantiles must be"):
        model.predict_quantiles(X, quantiles)
    with pytest.raises(ValueError, match="prob"):
        model.predict_interval(X, prob="0.5")


def test_dask_frames_are_checked_like_pandas_frames(fitted_frame):
    dd = pytest.importorskip("dask.dataframe")
    X, _, model = fitted_frame
    reordered = dd.from_pandas(X[["c", "a", "b"]], npartitions=2)
    renamed = dd.from_pandas(X.set_axis(["a", "b", "z"], axis=1), npartitions=2)
    for bad in (reordered, renamed):
        for method in (model.sample_y, model.sample_posterior_predictive):
            with pytest.raises(ValueError, match="feature names"):
                method(bad)
    in_order = dd.from_pandas(X, npartitions=2)
    np.testing.assert_allclose(
        model.sample_y(in_order, random_state=1),
        model.sample_y(X, random_state=1),
        rtol=1e-12,
    )


def test_complex_dask_array_is_rejected_by_every_method(fitted_frame):
    da = pytest.importorskip("dask.array")
    X, _, model = fitted_frame
    complex_X = da.from_array(X.to_numpy() + 1j, chunks=25)
    for method in (model.sample_y, model.sample_posterior_predictive, model.predict):
        with pytest.raises(ValueError, match="Complex data not supported"):
            result = method(complex_X)
            getattr(result, "compute", lambda: None)()


def test_posterior_predictive_group_needs_the_training_rows(fitted_frame):
    X, _, model = fitted_frame
    with pytest.raises(ValueError, match="training data"):
        model.sample_posterior_predictive(X.iloc[::-1], extend_inferencedata=True)


def test_return_std_must_be_a_bool(fitted_frame):
    X, _, model = fitted_frame
    with pytest.raises(ValueError, match="return_std"):
        model.predict(X, return_std="no")


def test_scores_check_dask_frames_like_pandas_frames(fitted_frame):
    dd = pytest.importorskip("dask.dataframe")
    from skbayes.metrics import log_predictive_density

    X, y, model = fitted_frame
    reordered = dd.from_pandas(X[["c", "a", "b"]], npartitions=2)
    with pytest.raises(ValueError, match="feature names"):
        log_predictive_density(model, reordered, y)
    in_order = dd.from_pandas(X, npartitions=2)
    assert log_predictive_density(model, in_order, y) == pytest.approx(
        log_predictive_density(model, X, y)
    )
