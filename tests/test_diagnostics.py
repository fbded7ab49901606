import warnings

import numpy as np
import pytest
from scipy.signal import lfilter
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skbayes import BayesianLinearRegressor
from skbayes._arviz import az, is_arviz_1
from skbayes._diagnostics import (
    convergence_diagnostics,
    fit_report,
    idata_diagnostics,
    rank_diagnostics,
    warn_if_not_converged,
)


def _ar1(rng, shape, rho):
    """Chains of a stationary AR(1) process of unit variance."""
    noise = rng.normal(scale=np.sqrt(1 - rho**2), size=shape)
    noise[:, 0] /= np.sqrt(1 - rho**2)  # start in the stationary distribution
    return lfilter([1.0], [1.0, -rho], noise, axis=1)


def _stuck_chain(rng):
    draws = rng.normal(size=(4, 300, 3))
    draws[0] = draws[0, 0]
    return draws


def _shifted_chain(rng):
    draws = rng.normal(size=(4, 300, 3))
    draws[1] += 3.0
    return draws


def _with_constant(rng):
    draws = rng.normal(size=(4, 100, 3))
    draws[..., 1] = 2.5
    return draws


def _with_nan(rng):
    draws = rng.normal(size=(4, 100, 2))
    draws[3, 10, 0] = np.nan
    return draws


def _chains_stuck_apart(rng):
    # Every chain constant, at its own value: infinite R-hat.
    return np.broadcast_to(np.arange(4.0)[:, None, None], (4, 50, 2)).copy()


DRAWS = {
    "iid": lambda rng: rng.normal(size=(4, 500, 3)),
    "ar1-0.99": lambda rng: _ar1(rng, (4, 1000, 3), 0.99),
    "anticorrelated": lambda rng: _ar1(rng, (4, 500, 3), -0.6),
    "stuck-chain": _stuck_chain,
    "shifted-chain": _shifted_chain,
    "chains-stuck-apart": _chains_stuck_apart,
    "cauchy": lambda rng: rng.standard_cauchy(size=(4, 500, 3)),
    "odd-draws": lambda rng: _ar1(rng, (4, 101, 3), 0.5),
    "one-chain": lambda rng: _ar1(rng, (1, 400, 3), 0.3),
    "five-draws": lambda rng: rng.normal(size=(4, 5, 3)),
    "three-draws": lambda rng: rng.normal(size=(4, 3, 3)),
    "discrete-ties": lambda rng: rng.poisson(1.0, size=(4, 300, 3)).astype(float),
    "integer-dtype": lambda rng: rng.integers(0, 2, size=(4, 200, 3)),
    "float32-odd": lambda rng: rng.normal(size=(4, 301, 3)).astype(np.float32),
    "constant-column": _with_constant,
    "nan-draw": _with_nan,
}


@pytest.mark.parametrize("case", DRAWS)
def test_rank_diagnostics_are_arviz(case):
    draws = DRAWS[case](np.random.default_rng(list(DRAWS).index(case)))
    r_hat, ess_bulk = rank_diagnostics(draws)
    columns = [draws[..., i] for i in range(draws.shape[-1])]
    with np.errstate(divide="ignore", invalid="ignore"):  # constant chains
        expected_r_hat = [az.rhat(column) for column in columns]
        expected_ess = [az.ess(column, method="bulk") for column in columns]
    # skbayes and ArviZ 0.x reduce float32 draws in float32 alike; ArviZ 1.x
    # orders its float32 sums differently, which float32's rounding shows.
    rtol = 1e-4 if is_arviz_1() and draws.dtype == np.float32 else 1e-8
    np.testing.assert_allclose(r_hat, expected_r_hat, rtol=rtol)
    np.testing.assert_allclose(ess_bulk, expected_ess, rtol=rtol)
    if case == "anticorrelated":
        assert np.all(ess_bulk > draws.shape[0] * draws.shape[1])


def test_summary_leaves_out_constants_and_counts_divergences():
    rng = np.random.default_rng(0)
    draws = _ar1(rng, (4, 200, 3), 0.9)
    diverging = np.zeros((4, 200), dtype=bool)
    diverging[2, [5, 7]] = True
    posterior = {
        "coef": draws[..., :2],
        "intercept": draws[..., 2],
        "sigma": 0.5 + 0 * draws[..., 0],
    }
    diagnostics = convergence_diagnostics(posterior, diverging)
    r_hat, ess_bulk = rank_diagnostics(draws)
    assert diagnostics == {
        "max_r_hat": r_hat.max(),
        "min_ess_bulk": ess_bulk.min(),
        "num_divergences": 2,
        "num_chains": 4,
        "num_draws": 200,
    }


@pytest.mark.parametrize(
    "shape, sigma, r_hat_defined, ess_defined",
    [
        ((4, 200), 0.5, False, False),  # nothing varies
        ((4, 3), None, False, False),  # too few draws
        ((1, 200), None, False, True),  # no R-hat for one chain
    ],
)
def test_summary_is_nan_where_undefined(shape, sigma, r_hat_defined, ess_defined):
    values = (
        np.full(shape, sigma) if sigma else np.random.default_rng(0).normal(size=shape)
    )
    diagnostics = convergence_diagnostics(
        {"sigma": values}, np.zeros(shape, dtype=bool)
    )
    assert np.isnan(diagnostics["max_r_hat"]) != r_hat_defined
    assert np.isnan(diagnostics["min_ess_bulk"]) != ess_defined
    assert (diagnostics["num_chains"], diagnostics["num_draws"]) == shape


def test_fit_diagnostics_are_arviz_summary(regression_data):
    X, y = regression_data(n_samples=50)
    model = BayesianLinearRegressor(num_samples=200, random_state=0)
    with warnings.catch_warnings():
        # Whether 200 draws are enough does not matter here.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    summary = model.summary(round_to="none")
    posterior = model.idata_.posterior
    draws = np.concatenate(
        [values.values.reshape(4, 200, -1) for values in posterior.data_vars.values()],
        axis=-1,
    )
    r_hat, ess_bulk = rank_diagnostics(draws)
    np.testing.assert_allclose(r_hat, summary["r_hat"], rtol=1e-8)
    np.testing.assert_allclose(ess_bulk, summary["ess_bulk"], rtol=1e-8)
    diagnostics = model.diagnostics_
    np.testing.assert_allclose(
        diagnostics["max_r_hat"], summary["r_hat"].max(), rtol=1e-8
    )
    np.testing.assert_allclose(
        diagnostics["min_ess_bulk"], summary["ess_bulk"].min(), rtol=1e-8
    )
    assert (diagnostics["num_chains"], diagnostics["num_draws"]) == (4, 200)
    assert idata_diagnostics(model.idata_) == diagnostics


def test_warning_lists_every_failed_check():
    diagnostics = {
        "max_r_hat": 1.2,
        "min_ess_bulk": 50.0,
        "num_divergences": 3,
        "num_chains": 4,
        "num_draws": 100,
    }
    with pytest.warns(ConvergenceWarning) as record:
        warn_if_not_converged(diagnostics)
    message = str(record[0].message)
    assert "max r_hat 1.200 > 1.01" in message
    assert "3 divergent transitions" in message
    assert "min bulk ESS 50 < 400" in message
    assert record[0].filename == __file__
    assert "4 chains x 100 draws in 1.50 s: 3 divergences" in fit_report(
        diagnostics, 1.5
    )


def test_convergence_warning_names_the_callers_line(regression_data):
    X, y = regression_data(n_samples=50)
    # 30 draws per chain are too few for the ESS the warning asks for.
    model = BayesianLinearRegressor(num_samples=30, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        model.fit(X, y)
        GridSearchCV(model, {"prior_scale": [2.5]}, cv=2, refit=False).fit(X, y)
    found = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    # One from the direct fit, one from each of the search's two fits.
    assert len(found) == 3
    assert {w.filename for w in found} == {__file__}
    assert len({w.lineno for w in found}) == 2


def test_progress_bar_reports_phases_and_summary(regression_data, capsys):
    X, y = regression_data(n_samples=50)
    BayesianLinearRegressor(progress_bar=True, random_state=0).fit(X, y)
    err = capsys.readouterr().err
    assert "sampling" in err and "2000/2000" in err and "divergences=0" in err
    assert "Sampled 4 chains x 1000 draws in" in err


def test_concurrent_fits_each_report_their_own_progress(regression_data, capsys):
    """Fits in threads share the compiled sampler but not their progress bars."""
    from concurrent.futures import ThreadPoolExecutor

    X, y = regression_data(n_samples=40)
    models = [
        BayesianLinearRegressor(
            num_warmup=100, num_samples=150 + 50 * k, progress_bar=True, random_state=k
        )
        for k in range(2)
    ]
    # Compile both programs first, so that the two fits below overlap.
    for model in models:
        model.fit(X, y)
    capsys.readouterr()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda model: model.fit(X, y), models))
    err = capsys.readouterr().err
    assert "250/250" in err and "300/300" in err
    assert err.count("Sampled 4 chains x") == 2


def test_progress_bar_rate_starts_after_compiling(regression_data, monkeypatch):
    """The clock restarts once the sampler is ready: compiling is not in the ETA."""
    import skbayes._progress as progress

    events = []
    original_start, original_update = progress._Bar.start, progress._Bar.update

    def start(self):
        events.append(("start", self._bar.n, self._bar.desc))
        original_start(self)

    def update(self, iteration, divergences):
        events.append(("update", iteration, None))
        original_update(self, iteration, divergences)

    monkeypatch.setattr(progress._Bar, "start", start)
    monkeypatch.setattr(progress._Bar, "update", update)
    X, y = regression_data(n_samples=30)
    BayesianLinearRegressor(progress_bar=True, random_state=0).fit(X, y)
    # Started once, while still at zero iterations and labelled "compiling",
    # before the first segment's update.
    assert events[0] == ("start", 0, "compiling")
    assert [kind for kind, *_ in events[1:]] == ["update"] * (len(events) - 1)
