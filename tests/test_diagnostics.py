import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skbayes import BayesianLinearRegressor
from skbayes._arviz import az
from skbayes._diagnostics import fit_report, warn_if_not_converged


def _extreme(dataset, reduce):
    return float(reduce([float(reduce(v.values)) for v in dataset.data_vars.values()]))


@pytest.mark.parametrize("num_samples", [1000, 30])
def test_diagnostics_agree_with_arviz(regression_data, num_samples):
    X, y = regression_data(n_samples=50)
    model = BayesianLinearRegressor(num_samples=num_samples, random_state=0)
    with warnings.catch_warnings():
        # 30 draws per chain are too few for the ESS the warning asks for.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    posterior = model.idata_.posterior
    expected_r_hat = _extreme(az.rhat(posterior), np.max)
    expected_ess = _extreme(az.ess(posterior, method="bulk"), np.min)
    np.testing.assert_allclose(
        model.diagnostics_["max_r_hat"], expected_r_hat, rtol=1e-3
    )
    np.testing.assert_allclose(
        model.diagnostics_["min_ess_bulk"], expected_ess, rtol=0.02
    )
    assert model.diagnostics_["num_chains"] == 4
    assert model.diagnostics_["num_draws"] == num_samples


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
    assert "4 chains x 100 draws in 1.50 s: 3 divergences" in fit_report(
        diagnostics, 1.5
    )


def test_progress_bar_reports_phases_and_summary(regression_data, capsys):
    X, y = regression_data(n_samples=50)
    BayesianLinearRegressor(progress_bar=True, random_state=0).fit(X, y)
    err = capsys.readouterr().err
    assert "sampling" in err and "2000/2000" in err and "divergences=0" in err
    assert "Sampled 4 chains x 1000 draws in" in err
