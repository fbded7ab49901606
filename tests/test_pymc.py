"""skbayes beside PyMC in one process: the same ArviZ calls on both fits.

Runs where PyMC is installed (the Python 3.13 run of CI installs it next to
skbayes, which resolves PyMC 6 and ArviZ 1 there).
"""

import sys

import numpy as np
import pytest

pm = pytest.importorskip("pymc")

from skbayes import BayesianLinearRegressor  # noqa: E402
from skbayes._arviz import arviz, is_arviz_1  # noqa: E402

PRIORS = {"intercept": 10.0, "coef": 2.5, "sigma_rate": 1.0}


def _major(version):
    return int(version.split(".")[0])


@pytest.mark.skipif(sys.version_info < (3, 13), reason="the Python 3.13 stack")
def test_python_313_resolves_pymc_6_and_arviz_1():
    assert _major(pm.__version__) >= 6
    assert _major(arviz().__version__) >= 1


@pytest.fixture(scope="module")
def fits():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(80, 2))
    y = 1.0 + X @ [2.0, -1.0] + rng.normal(scale=0.5, size=80)
    with pm.Model(coords={"feature": ["x0", "x1"]}):
        intercept = pm.Normal("intercept", 0.0, PRIORS["intercept"])
        coef = pm.Normal("coef", 0.0, PRIORS["coef"], dims="feature")
        sigma = pm.Exponential("sigma", PRIORS["sigma_rate"])
        pm.Normal("y", intercept + pm.math.dot(X, coef), sigma, observed=y)
        pymc_idata = pm.sample(
            draws=500,
            tune=500,
            chains=2,
            cores=1,
            random_seed=0,
            progressbar=False,
            compute_convergence_checks=False,
        )
        pm.compute_log_likelihood(pymc_idata, progressbar=False)
    model = BayesianLinearRegressor(
        autoscale=False,
        intercept_prior_scale=PRIORS["intercept"],
        prior_scale=PRIORS["coef"],
        noise_prior="exponential",
        noise_prior_scale=1.0 / PRIORS["sigma_rate"],
        random_state=0,
    ).fit(X, y)
    model.compute_log_likelihood(X, y)
    return pymc_idata, model


def test_one_container_type(fits):
    pymc_idata, model = fits
    assert type(model.idata_) is type(pymc_idata)


def test_summary_of_both_fits_agrees(fits):
    pymc_idata, model = fits
    az = arviz()
    interval = {"ci_prob": 0.94, "ci_kind": "hdi"} if is_arviz_1() else {}
    theirs = az.summary(pymc_idata, round_to="none", **interval)
    ours = model.summary(round_to="none")
    assert list(ours.columns) == list(theirs.columns)
    assert list(ours.index) == list(theirs.index)
    # The same model on the same data: the posterior means agree within the
    # Monte Carlo errors of both fits (5 standard errors).
    se = np.hypot(ours["mcse_mean"], theirs["mcse_mean"])
    assert np.all(np.abs(ours["mean"] - theirs["mean"]) < 5 * se)


def test_loo_and_compare_take_both_fits(fits):
    pymc_idata, model = fits
    az = arviz()
    ours, theirs = az.loo(model.idata_), az.loo(pymc_idata)
    name = "elpd" if is_arviz_1() else "elpd_loo"
    # The PSIS-LOO estimates of one model agree far within their standard
    # error (which measures the data's variability, shared by both).
    assert abs(getattr(ours, name) - getattr(theirs, name)) < 0.1 * theirs.se
    table = az.compare({"skbayes": model.idata_, "pymc": pymc_idata})
    assert set(table.index) == {"skbayes", "pymc"}
