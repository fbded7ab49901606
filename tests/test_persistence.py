import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest

from skbayes import BayesianLinearRegressor
from skbayes._arviz import az, group_names


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, 0.0, -1.0] + rng.normal(scale=0.5, size=40)
    return BayesianLinearRegressor(random_state=0).fit(X, y), X


def _same_predictions(a, b, X):
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(
        a.predict(X, return_std=True), b.predict(X, return_std=True)
    )
    np.testing.assert_array_equal(a.predict_interval(X), b.predict_interval(X))
    np.testing.assert_array_equal(
        a.sample_posterior_predictive(X, random_state=1),
        b.sample_posterior_predictive(X, random_state=1),
    )


def test_pickle_round_trip_without_jax_buffers(fitted):
    model, X = fitted
    data = pickle.dumps(model)
    assert b"jax" not in data  # no device buffers, no jax classes
    _same_predictions(model, pickle.loads(data), X)


def test_joblib_round_trip(fitted, tmp_path):
    model, X = fitted
    joblib.dump(model, tmp_path / "model.joblib")
    _same_predictions(model, joblib.load(tmp_path / "model.joblib"), X)


def test_netcdf_round_trip(fitted, tmp_path):
    model, _ = fitted
    path = tmp_path / "idata.nc"
    model.idata_.to_netcdf(path)
    loaded = az.from_netcdf(path)
    np.testing.assert_array_equal(
        loaded.posterior["coef"], model.idata_.posterior["coef"]
    )
    assert set(group_names(loaded)) == set(group_names(model.idata_))


def test_loaded_model_predicts_without_compiling(fitted, tmp_path):
    model, X = fitted
    joblib.dump((model, X), tmp_path / "model.joblib")
    code = (
        "import joblib, numpy as np\n"
        "from skbayes._kernels import trace_count\n"
        f"model, X = joblib.load({str(tmp_path / 'model.joblib')!r})\n"
        "model.predict(X); model.predict_interval(X)\n"
        "model.sample_posterior_predictive(X)\n"
        "import sys\n"
        "print(trace_count(), 'arviz' in sys.modules, 'xarray' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # Neither compiled nor imported ArviZ (nor xarray with it).
    assert out.stdout.split() == ["0", "False", "False"]
