"""A failed fit changes nothing: the estimator stays as it was, fitted or not."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import skbayes._engine
from skbayes import BayesianLinearRegressor

FAST = dict(num_warmup=200, num_samples=200, random_state=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(60, 5))
    y = X @ [1.0, -1.0, 0.5, 0.0, 2.0] + rng.normal(size=60)
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return BayesianLinearRegressor(**FAST).fit(X, y)


def _state(model):
    """Every attribute of the estimator, by name and object identity.

    A fit never changes an attribute's object in place, only rebinds it, so
    equal states mean the estimator holds exactly what it held.
    """
    return {name: id(value) for name, value in vars(model).items()}


def _failures(data):
    """(description, params, fit arguments) of fits that must fail."""
    X, y = data
    collinear = np.column_stack([X[:, :2], X[:, :1] * 2.0])
    y_nan = y.copy()
    y_nan[4] = np.nan
    return [
        ("all-zero weights", {}, (X[:, :3], y), {"sample_weight": np.zeros(60)}),
        ("negative weights", {}, (X[:, :3], y), {"sample_weight": -np.ones(60)}),
        ("wrong-length weights", {}, (X[:, :3], y), {"sample_weight": np.ones(59)}),
        ("flat prior, collinear X", {"prior_scale": None}, (collinear, y), {}),
        ("wrong-length prior_loc", {"prior_loc": [1.0, 2.0]}, (X[:, :3], y), {}),
        ("NaN in y", {}, (X[:, :3], y_nan), {}),
    ]


@pytest.mark.parametrize("case", range(6))
def test_failed_fit_leaves_a_fitted_estimator_unchanged(data, fitted, case):
    _, params, args, kwargs = _failures(data)[case]
    model = pickle.loads(pickle.dumps(fitted)).set_params(**params)
    before = _state(model)
    with pytest.raises(ValueError):
        model.fit(*args, **kwargs)
    assert _state(model) == before
    assert model.n_features_in_ == 5
    model.predict(data[0])  # still predicts on five features


@pytest.mark.parametrize("case", range(6))
def test_failed_fit_leaves_an_unfitted_estimator_unfitted(data, case):
    _, params, args, kwargs = _failures(data)[case]
    model = BayesianLinearRegressor(**FAST, **params)
    with pytest.raises(ValueError):
        model.fit(*args, **kwargs)
    assert not hasattr(model, "n_features_in_")
    with pytest.raises(NotFittedError):
        model.predict(data[0][:, :3])


def test_failed_partial_fit_keeps_the_earlier_chunks(data):
    X, y = data
    model = BayesianLinearRegressor(**FAST).partial_fit(X[:30], y[:30])
    before = _state(model)
    with pytest.raises(ValueError):
        model.partial_fit(X[30:, :4], y[30:])
    with pytest.raises(ValueError):
        model.partial_fit(X[30:], y[30:], sample_weight=-np.ones(30))
    assert _state(model) == before
    model.partial_fit(X[30:], y[30:])
    assert model._stats.n_rows == 60


def test_exact_fit_warning_as_error_changes_nothing(data, fitted):
    X, _ = data
    model = pickle.loads(pickle.dumps(fitted))
    before = _state(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="exact linear function"):
            model.fit(X[:, :2], X[:, :2] @ [1.0, 2.0])
    assert _state(model) == before


class _Interrupt(BaseException):
    pass


@pytest.mark.parametrize("where", ["sampling", "diagnostics"])
def test_interrupt_during_a_fit_changes_nothing(data, fitted, monkeypatch, where):
    """KeyboardInterrupt-like failures while sampling or while setting attributes."""
    X, y = data
    model = pickle.loads(pickle.dumps(fitted))
    before = _state(model)

    def interrupt(*args, **kwargs):
        raise _Interrupt

    target = {
        "sampling": (skbayes._engine, "compiled"),
        "diagnostics": (skbayes._estimator, "convergence_diagnostics"),
    }[where]
    monkeypatch.setattr(*target, interrupt)
    with pytest.raises(_Interrupt):
        model.fit(X[:, :3], y)
    assert _state(model) == before


def test_failed_dask_compute_changes_nothing(data, fitted):
    da = pytest.importorskip("dask.array")
    X, y = data
    model = pickle.loads(pickle.dumps(fitted))
    before = _state(model)
    X_bad = X[:, :3].copy()
    X_bad[45, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        model.fit(da.from_array(X_bad, chunks=20), da.from_array(y, chunks=20))
    assert _state(model) == before


def test_failed_fit_leaves_a_random_state_where_it_was(data):
    X, y = data
    rng = np.random.RandomState(5)
    expected = np.random.RandomState(5).randint(1000)
    model = BayesianLinearRegressor(**{**FAST, "random_state": rng})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="exact linear function"):
            model.fit(X[:, :2], X[:, :2] @ [1.0, 2.0])
    assert rng.randint(1000) == expected
