"""GridSearchCV, cross-validation and pipelines, in one process and in two."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler

from skbayes import BayesianLinearRegressor
from skbayes._kernels import trace_count


class CountingRegressor(BayesianLinearRegressor):
    """Records how many times its fit compiled the sampler."""

    def fit(self, X, y, sample_weight=None):
        before = trace_count()
        super().fit(X, y, sample_weight=sample_weight)
        self.compilations_ = trace_count() - before
        return self


def compilations(estimator, X, y):
    return estimator.compilations_


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(120, 4))
    y = 2.0 + X @ [1.0, -1.0, 0.5, 0.0] + rng.normal(scale=0.5, size=120)
    return X, y


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_over_priors(data, n_jobs):
    X, y = data
    search = GridSearchCV(
        BayesianLinearRegressor(num_samples=500, random_state=0),
        {"prior_scale": [0.01, 1.0], "noise_prior": ["exponential", "half_cauchy"]},
        cv=3,
        n_jobs=n_jobs,
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and len(scores) == 4
    assert search.best_params_["prior_scale"] == 1.0
    assert search.best_estimator_.coef_.shape == (4,)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_each_worker_compiles_at_most_once(data, n_jobs):
    X, y = data
    result = cross_validate(
        CountingRegressor(num_samples=300, random_state=0),
        X,
        y,
        cv=6,
        n_jobs=n_jobs,
        scoring={"r2": "r2", "compilations": compilations},
    )
    assert np.all(result["test_r2"] > 0.5)
    assert result["test_compilations"].sum() <= n_jobs


def test_cross_val_score_and_pipelines(data):
    X, y = data
    assert (
        cross_val_score(BayesianLinearRegressor(random_state=0), X, y, cv=3).mean()
        > 0.8
    )
    poly = make_pipeline(
        StandardScaler(), PolynomialFeatures(2), BayesianLinearRegressor(random_state=0)
    )
    assert poly.fit(X, y).score(X, y) > 0.8
    frame = pd.DataFrame(X, columns=list("abcd")).assign(
        group=np.tile(["u", "v", "w"], 40)
    )
    columns = ColumnTransformer(
        [("num", StandardScaler(), list("abcd")), ("cat", OneHotEncoder(), ["group"])]
    )
    model = make_pipeline(columns, BayesianLinearRegressor(random_state=0)).fit(
        frame, y
    )
    assert model.score(frame, y) > 0.8
    assert model[-1].coef_.shape == (7,)
