"""Fits limit BLAS to one thread, put the limit back, and run in threads."""

from concurrent.futures import ThreadPoolExecutor

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

import skbayes._estimator as estimator_module
from skbayes import BayesianLinearRegressor
from skbayes._threads import single_threaded_blas

# Short chains: these tests compare draws and limits, not posteriors.
pytestmark = pytest.mark.filterwarnings("ignore:The sampler may not have converged")


def _blas_threads():
    return sorted(
        info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
    )


@pytest.fixture
def two_blas_threads():
    """Run the test with every BLAS library at two threads."""
    if not _blas_threads():
        pytest.skip("no BLAS library that threadpoolctl controls")
    with threadpool_limits(limits=2, user_api="blas"):
        yield


def _model(**params):
    return BayesianLinearRegressor(num_warmup=200, num_samples=200, **params)


def test_fit_runs_on_one_blas_thread_and_restores_the_limit(
    two_blas_threads, regression_data, monkeypatch
):
    X, y = regression_data()
    seen = []
    original = estimator_module.sample_posterior

    def recording(*args, **kwargs):
        seen.append(_blas_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(estimator_module, "sample_posterior", recording)
    before = _blas_threads()
    _model(random_state=0).fit(X, y)
    assert seen and set(seen[0]) == {1}
    assert _blas_threads() == before


def test_a_failed_fit_restores_the_limit(two_blas_threads, regression_data):
    X, y = regression_data()
    before = _blas_threads()
    with pytest.raises(ValueError, match="prior_scale"):
        _model(prior_scale=-1.0).fit(X, y)
    assert _blas_threads() == before


def test_overlapping_limits_restore_the_limit_found_first(two_blas_threads):
    before = _blas_threads()
    outer = single_threaded_blas()
    outer.__enter__()
    with single_threaded_blas():
        assert set(_blas_threads()) == {1}
    # The inner block left while the outer one runs: the limit holds.
    assert set(_blas_threads()) == {1}
    outer.__exit__(None, None, None)
    assert _blas_threads() == before


def test_fits_in_threads_draw_what_they_draw_alone(two_blas_threads, regression_data):
    X, y = regression_data()
    seeds = range(4)
    alone = [_model(random_state=s).fit(X, y).posterior_samples_["coef"] for s in seeds]
    before = _blas_threads()
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = list(
            pool.map(
                lambda s: _model(random_state=s).fit(X, y).posterior_samples_["coef"],
                seeds,
            )
        )
    for a, b in zip(alone, threaded, strict=True):
        np.testing.assert_array_equal(a, b)
    assert _blas_threads() == before


def test_grid_search_on_threads_matches_one_job(regression_data):
    X, y = regression_data()
    grid = {"prior_scale": [0.3, 3.0]}

    def scores(n_jobs):
        search = GridSearchCV(_model(random_state=0), grid, cv=3, n_jobs=n_jobs)
        return search.fit(X, y).cv_results_["mean_test_score"]

    with joblib.parallel_config(backend="threading"):
        threaded = scores(2)
    np.testing.assert_array_equal(threaded, scores(1))
