"""BayesianLinearRegressor replaces LinearRegression without surprises.

With flat priors the posterior mean of the coefficients is the least-squares
estimate, so on the same inputs the two estimators agree within the Monte Carlo
error of the draws (posterior sd / sqrt(ESS), four times over).
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from _monte_carlo import assert_mean_is
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression

from skbayes import BayesianLinearRegressor

FLAT = dict(prior_scale=None, intercept_prior_scale=None, random_state=0)


def assert_agree(bayes, ols, draws):
    """Posterior means equal the OLS fit within their Monte Carlo error."""
    assert_mean_is(draws, ols)
    np.testing.assert_allclose(bayes, ols, rtol=1e-6, atol=1e-8)


@pytest.fixture
def data(rng):
    X = rng.normal(size=(80, 4)) * [1.0, 3.0, 0.2, 10.0] + [0.0, 5.0, -2.0, 100.0]
    y = 2.0 + X @ [1.0, -0.5, 3.0, 0.05] + rng.normal(scale=0.5, size=80)
    return X, y


def test_dense(data):
    X, y = data
    bayes = BayesianLinearRegressor(**FLAT).fit(X, y)
    ols = LinearRegression().fit(X, y)
    assert_agree(bayes.coef_, ols.coef_, bayes.posterior_samples_["coef"])
    assert_agree(
        bayes.intercept_, ols.intercept_, bayes.posterior_samples_["intercept"]
    )
    np.testing.assert_allclose(bayes.predict(X), ols.predict(X), rtol=1e-6)
    assert bayes.score(X, y) == pytest.approx(ols.score(X, y), rel=1e-6)


@pytest.mark.parametrize("container", [scipy.sparse.csr_matrix, scipy.sparse.csc_array])
def test_sparse(rng, container):
    dense = rng.normal(size=(100, 5)) * (rng.uniform(size=(100, 5)) < 0.3)
    y = 1.0 + dense @ [1.0, 2.0, 0.0, -1.0, 0.5] + rng.normal(scale=0.3, size=100)
    X = container(dense)
    bayes = BayesianLinearRegressor(**FLAT).fit(X, y)
    ols = LinearRegression().fit(X, y)
    assert_agree(bayes.coef_, ols.coef_, bayes.posterior_samples_["coef"])
    np.testing.assert_allclose(bayes.predict(X), ols.predict(X), rtol=1e-6)
    # Sparse and dense inputs give the same posterior.
    dense_fit = BayesianLinearRegressor(**FLAT).fit(dense, y)
    np.testing.assert_allclose(bayes.coef_, dense_fit.coef_, rtol=1e-9)
    # Rounding-level differences in the statistics send NUTS on other
    # trajectories: draw-based quantities agree within Monte Carlo error, a
    # relative 1 / sqrt(2 ESS) for a standard deviation (ESS >= 2000 here).
    _, std = bayes.predict(X[:5], return_std=True)
    _, dense_std = dense_fit.predict(dense[:5], return_std=True)
    np.testing.assert_allclose(std, dense_std, rtol=4 / np.sqrt(2 * 2000))


def test_sample_weight(data, rng):
    X, y = data
    weight = rng.integers(0, 4, size=len(y)).astype(float)
    bayes = BayesianLinearRegressor(**FLAT).fit(X, y, sample_weight=weight)
    ols = LinearRegression().fit(X, y, sample_weight=weight)
    assert_agree(bayes.coef_, ols.coef_, bayes.posterior_samples_["coef"])
    # Integer weights are repeated rows: the same posterior, draw for draw.
    repeated = BayesianLinearRegressor(**FLAT).fit(
        np.repeat(X, weight.astype(int), axis=0), np.repeat(y, weight.astype(int))
    )
    np.testing.assert_allclose(bayes.coef_, repeated.coef_, rtol=1e-9)
    np.testing.assert_allclose(
        bayes.posterior_samples_["sigma"],
        repeated.posterior_samples_["sigma"],
        rtol=1e-5,
    )


def test_multi_output(data):
    X, y = data
    Y = np.column_stack([y, 3.0 - 2.0 * y + X[:, 0]])
    bayes = BayesianLinearRegressor(**FLAT).fit(X, Y)
    ols = LinearRegression().fit(X, Y)
    assert bayes.coef_.shape == ols.coef_.shape == (2, 4)
    assert bayes.intercept_.shape == ols.intercept_.shape == (2,)
    for k in range(2):
        assert_agree(
            bayes.coef_[k], ols.coef_[k], bayes.posterior_samples_["coef"][:, k]
        )
    np.testing.assert_allclose(bayes.predict(X), ols.predict(X), rtol=1e-6)


def test_without_intercept(data):
    X, y = data
    bayes = BayesianLinearRegressor(fit_intercept=False, **FLAT).fit(X, y)
    ols = LinearRegression(fit_intercept=False).fit(X, y)
    assert bayes.intercept_ == ols.intercept_ == 0.0
    assert_agree(bayes.coef_, ols.coef_, bayes.posterior_samples_["coef"])


@pytest.mark.parametrize("library", ["pandas", "polars"])
def test_dataframes_keep_and_check_feature_names(data, library):
    X, y = data
    columns = ["a", "b", "c", "d"]
    if library == "pandas":
        frame = pd.DataFrame(X, columns=columns)
    else:
        pl = pytest.importorskip("polars")
        frame = pl.DataFrame(X, schema=columns)
    bayes = BayesianLinearRegressor(**FLAT).fit(frame, y)
    ols = LinearRegression().fit(frame, y)
    np.testing.assert_array_equal(bayes.feature_names_in_, ols.feature_names_in_)
    assert list(bayes.idata_.posterior["feature"].values) == columns
    assert_agree(bayes.coef_, ols.coef_, bayes.posterior_samples_["coef"])
    np.testing.assert_allclose(bayes.predict(frame), ols.predict(frame), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_float32_and_int_inputs(rng, dtype):
    X = rng.integers(0, 10, size=(60, 2)).astype(dtype)
    y = (X @ [2, -1] + rng.integers(-2, 3, size=60)).astype(dtype)
    bayes = BayesianLinearRegressor(**FLAT).fit(X, y)
    ols = LinearRegression().fit(X, y)
    assert_agree(bayes.coef_, ols.coef_, bayes.posterior_samples_["coef"])
    assert bayes.predict(X).dtype == np.float64


def _bad_inputs(X, y):
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    y_inf = y.copy()
    y_inf[1] = np.inf
    return {
        "nan in X": lambda est: est.fit(X_nan, y),
        "inf in y": lambda est: est.fit(X, y_inf),
        "1-D X": lambda est: est.fit(X[:, 0], y),
        "mismatched lengths": lambda est: est.fit(X, y[:-3]),
        "negative weights": lambda est: est.fit(X, y, sample_weight=-np.ones(len(y))),
        "wrong weight length": lambda est: est.fit(X, y, sample_weight=np.ones(3)),
        "predict before fit": lambda est: est.predict(X),
        "wrong feature count": lambda est: est.fit(X, y).predict(X[:, :2]),
        "renamed features": lambda est: est.fit(
            pd.DataFrame(X, columns=list("abcd")), y
        ).predict(pd.DataFrame(X, columns=list("abce"))),
        "string X": lambda est: est.fit(np.full(X.shape, "a"), y),
    }


@pytest.mark.parametrize("case", list(_bad_inputs(np.zeros((4, 4)), np.zeros(4))))
def test_same_errors_as_linear_regression(data, case):
    X, y = data
    make = _bad_inputs(X, y)[case]
    with pytest.raises(Exception) as expected:
        make(LinearRegression())
    with pytest.raises(expected.type) as raised:
        make(BayesianLinearRegressor(**FLAT))
    if expected.type is NotFittedError:
        assert "not fitted" in str(raised.value)
