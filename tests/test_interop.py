"""MAPIE and skpro wrap the estimator through predict(return_std=True)."""

import numpy as np
import pandas as pd
import pytest

from skbayes import BayesianLinearRegressor


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(900, 2))
    y = 1.0 + X @ [2.0, -1.0] + rng.normal(scale=0.5, size=900)
    return X, y


def test_mapie_split_conformal_with_std_normalised_score(data):
    mapie = pytest.importorskip("mapie.regression")
    X, y = data
    conformal = mapie.SplitConformalRegressor(
        BayesianLinearRegressor(random_state=0),
        confidence_level=0.9,
        conformity_score="std_normalized",
        prefit=False,
    )
    conformal.fit(X[:300], y[:300]).conformalize(X[300:600], y[300:600])
    _, intervals = conformal.predict_interval(X[600:])
    inside = (y[600:] >= intervals[:, 0, 0]) & (y[600:] <= intervals[:, 1, 0])
    # Conformal coverage is at least 0.9 in expectation; 300 test rows give a
    # binomial standard error of about 0.017.
    assert inside.mean() > 0.9 - 4 * np.sqrt(0.9 * 0.1 / 300)


def test_skpro_adapter_gives_the_predictive_normal(data):
    adapters = pytest.importorskip("skpro.regression.adapters.sklearn")
    X, y = data
    frame, target = (
        pd.DataFrame(X[:200], columns=["a", "b"]),
        pd.DataFrame({"y": y[:200]}),
    )
    model = BayesianLinearRegressor(random_state=0)
    proba = adapters.SklearnProbaReg(model).fit(frame, target)
    distribution = proba.predict_proba(frame.iloc[:5])
    mean, std = model.fit(frame, y[:200]).predict(frame.iloc[:5], return_std=True)
    np.testing.assert_allclose(distribution.mean().to_numpy().ravel(), mean, rtol=1e-6)
    np.testing.assert_allclose(
        np.sqrt(distribution.var().to_numpy().ravel()), std, rtol=1e-6
    )
    interval = proba.predict_interval(frame.iloc[:5], coverage=0.9)
    assert interval.shape == (5, 2)
