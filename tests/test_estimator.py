"""The public surface of BayesianLinearRegressor: attributes, predictions, draws."""

import warnings

import numpy as np
import pandas as pd
import pytest
from _monte_carlo import assert_mean_is
from sklearn.exceptions import ConvergenceWarning

from skbayes import BayesianLinearRegressor
from skbayes._arviz import group_names, is_arviz_1


@pytest.fixture
def fitted(regression_data):
    X, y = regression_data(n_samples=120)
    return BayesianLinearRegressor(random_state=0).fit(X, y), X, y


def test_fitted_attributes(fitted):
    model, X, _ = fitted
    n_draws = model.num_chains * model.num_samples
    assert model.coef_.shape == (3,)
    assert isinstance(model.intercept_, float) and isinstance(model.sigma_, float)
    assert model.posterior_samples_["coef"].shape == (n_draws, 3)
    assert model.posterior_samples_["intercept"].shape == (n_draws,)
    assert model.posterior_samples_["sigma"].shape == (n_draws,)
    np.testing.assert_allclose(model.coef_, [2.0, -1.0, 0.5], atol=0.2)
    np.testing.assert_allclose(model.sigma_, 0.5, rtol=0.2)
    # The Rao-Blackwellised means agree with the means of the draws.
    assert_mean_is(model.posterior_samples_["coef"], model.coef_)
    assert model.coef_hdi_.shape == (3, 2)
    assert np.all(model.coef_hdi_[:, 0] < model.coef_)
    assert np.all(model.coef_ < model.coef_hdi_[:, 1])
    assert set(model.diagnostics_) >= {"max_r_hat", "min_ess_bulk", "num_divergences"}
    assert model.diagnostics_["max_r_hat"] < 1.01
    assert model.diagnostics_["num_divergences"] == 0


def test_inference_data_groups_and_coords(regression_data):
    X, y = regression_data(n_samples=80)
    frame = pd.DataFrame(X, columns=["age", "dose", "weight"])
    model = BayesianLinearRegressor(random_state=0).fit(frame, y)
    idata = model.idata_
    assert set(group_names(idata)) >= {"posterior", "sample_stats", "observed_data"}
    posterior = idata.posterior
    assert posterior["coef"].dims == ("chain", "draw", "feature")
    assert list(posterior["feature"].values) == ["age", "dose", "weight"]
    assert posterior.sizes == {"chain": 4, "draw": 1000, "feature": 3}
    assert set(idata.sample_stats.data_vars) >= {
        "diverging",
        "tree_depth",
        "acceptance_rate",
        "energy",
        "step_size",
    }
    np.testing.assert_array_equal(idata.observed_data["y"].values, y)
    # posterior_samples_ is the posterior group with the chains concatenated.
    np.testing.assert_array_equal(
        posterior["coef"].values.reshape(-1, 3), model.posterior_samples_["coef"]
    )
    assert list(model.feature_names_in_) == ["age", "dose", "weight"]
    summary = model.summary()
    assert list(summary.index) == [
        "intercept",
        "coef[age]",
        "coef[dose]",
        "coef[weight]",
        "sigma",
    ]
    # The installed ArviZ's names of the HDI's bounds, of the estimator's mass.
    bounds = ["hdi94_lb", "hdi94_ub"] if is_arviz_1() else ["hdi_3%", "hdi_97%"]
    assert {
        "mean",
        "sd",
        *bounds,
        "mcse_mean",
        "ess_bulk",
        "ess_tail",
        "r_hat",
    } <= set(summary.columns)


def test_random_state_reproduces_fits_exactly(regression_data):
    X, y = regression_data(n_samples=50)
    first = BayesianLinearRegressor(random_state=3).fit(X, y).posterior_samples_
    again = BayesianLinearRegressor(random_state=3).fit(X, y).posterior_samples_
    other = BayesianLinearRegressor(random_state=4).fit(X, y).posterior_samples_
    for name in first:
        np.testing.assert_array_equal(first[name], again[name])
        assert not np.array_equal(first[name], other[name])


def test_predict_is_posterior_mean_and_std_adds_noise(fitted):
    model, X, _ = fitted
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)
    mean, std = model.predict(X[:10], return_std=True)
    samples = model.posterior_samples_
    mu = samples["intercept"][:, None] + samples["coef"] @ X[:10].T
    expected = np.sqrt(mu.var(axis=0, ddof=1) + np.mean(samples["sigma"] ** 2))
    np.testing.assert_allclose(std, expected, rtol=1e-10)
    assert np.all(std > model.sigma_)


def test_predict_interval_is_the_hdi_of_posterior_predictive_draws(fitted):
    model, X, _ = fitted
    interval = model.predict_interval(X)
    assert interval.shape == (len(X), 2)
    # Deterministic and row by row: a subset gives the same bounds.
    np.testing.assert_array_equal(interval, model.predict_interval(X))
    np.testing.assert_allclose(model.predict_interval(X[5:9]), interval[5:9])
    # About 94% of independent predictive draws fall inside, per row.
    draws = model.sample_posterior_predictive(X, random_state=0)
    inside = np.mean((draws >= interval[:, 0]) & (draws <= interval[:, 1]), axis=0)
    se = np.sqrt(0.94 * 0.06 / draws.shape[0])
    assert abs(inside.mean() - 0.94) < 4 * se
    narrower = model.predict_interval(X, prob=0.5)
    assert np.all(narrower[:, 1] - narrower[:, 0] < interval[:, 1] - interval[:, 0])


def test_sample_posterior_predictive(fitted):
    model, X, _ = fitted
    draws = model.sample_posterior_predictive(X[:7])
    assert draws.shape == (4000, 7)
    few = model.sample_posterior_predictive(X[:7], n_samples=25, random_state=1)
    assert few.shape == (25, 7)
    np.testing.assert_array_equal(
        few, model.sample_posterior_predictive(X[:7], n_samples=25, random_state=1)
    )
    mean = model.predict(X[:7])
    assert_mean_is(draws, mean)


def test_prior_predictive_unfitted_textbook_model(rng):
    model = BayesianLinearRegressor(
        autoscale=False,
        prior_loc=[1.0, -2.0],
        prior_scale=[0.5, 2.0],
        intercept_prior_loc=3.0,
        intercept_prior_scale=1.5,
        noise_prior_scale=0.7,
    )
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    y, params = model.sample_prior_predictive(
        X, n_samples=20_000, random_state=0, return_params=True
    )
    assert y.shape == (20_000, 2)
    assert params["coef"].shape == (20_000, 2)
    assert not hasattr(model, "n_features_in_")  # still unfitted
    # Exact prior predictive moments: mean = loc, variance = sum of variances,
    # E[sigma^2] = 2 scale^2 for an exponential noise prior.
    expected_mean = 3.0 + X @ [1.0, -2.0]
    expected_var = 1.5**2 + X**2 @ [0.5**2, 2.0**2] + 2 * 0.7**2
    sd = np.sqrt(expected_var)
    np.testing.assert_array_less(
        np.abs(y.mean(0) - expected_mean), 4 * sd / np.sqrt(20_000)
    )
    # The variance of a sum with an exponential noise term has a fourth moment of
    # 24 scale^4 (noise) times 3: bound the error by the sd of the sample variance.
    np.testing.assert_allclose(y.var(0), expected_var, rtol=4 * np.sqrt(8 / 20_000))


def test_prior_predictive_with_fixed_parameters_simulates_the_truth():
    model = BayesianLinearRegressor(autoscale=False)
    X = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])
    truth = {"coef": [5.0, 20.0, 2.0], "intercept": 0.5, "sigma": 0.0}
    y = model.sample_prior_predictive(X, n_samples=3, params=truth)
    np.testing.assert_allclose(y, np.tile(0.5 + X @ [5.0, 20.0, 2.0], (3, 1)))
    noisy = model.sample_prior_predictive(
        X, n_samples=50_000, random_state=0, params={**truth, "sigma": 0.5}
    )
    np.testing.assert_allclose(noisy.std(0), 0.5, rtol=0.02)


def test_prior_predictive_autoscale_needs_fit(regression_data):
    X, y = regression_data(n_samples=40)
    with pytest.raises(ValueError, match="autoscale=True"):
        BayesianLinearRegressor().sample_prior_predictive(X)
    model = BayesianLinearRegressor(random_state=0).fit(X, y * 1000)
    draws = model.sample_prior_predictive(X, n_samples=4000, random_state=0)
    # Autoscaled priors are on the scale of y: the prior predictive is wide
    # compared with y but not absurdly so.
    ratio = draws.std() / (1000 * y.std())
    assert 1 < ratio < 20


def test_multi_output_fits_each_target(regression_data):
    X, y = regression_data(n_samples=80)
    Y = np.column_stack([y, -2 * y + 1])
    model = BayesianLinearRegressor(random_state=0).fit(X, Y)
    assert model.coef_.shape == (2, 3)
    assert model.intercept_.shape == (2,)
    assert model.predict(X).shape == (80, 2)
    assert model.predict(X, return_std=True)[1].shape == (80, 2)
    assert model.predict_interval(X).shape == (80, 2, 2)
    assert model.sample_posterior_predictive(X, n_samples=5).shape == (5, 80, 2)
    assert model.coef_hdi_.shape == (2, 3, 2)
    single = BayesianLinearRegressor(random_state=0).fit(X, y)
    np.testing.assert_allclose(model.coef_[0], single.coef_, atol=0.02)
    np.testing.assert_allclose(model.coef_[1], -2 * single.coef_, atol=0.04)
    assert model.idata_.posterior["coef"].dims == ("chain", "draw", "target", "feature")


def test_convergence_warning_names_the_problem(regression_data):
    X, y = regression_data(n_samples=30)
    model = BayesianLinearRegressor(num_warmup=5, num_samples=20, random_state=0)
    with pytest.warns(ConvergenceWarning, match="min bulk ESS"):
        model.fit(X, y)
    assert model.diagnostics_["min_ess_bulk"] < 400


def test_exact_fit_warns_and_returns_the_limit(rng):
    X = rng.normal(size=(30, 2))
    y = 1.0 + X @ [2.0, -3.0]
    with pytest.warns(UserWarning, match="exact linear function"):
        model = BayesianLinearRegressor(random_state=0).fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-4)
    assert model.sigma_ < 1e-4


def test_exact_fit_warning_points_at_the_callers_line(rng):
    X = rng.normal(size=(30, 2))
    with pytest.warns(UserWarning, match="exact linear function") as record:
        BayesianLinearRegressor(num_samples=200, random_state=0).fit(X, X @ [1, 2])
    assert record[0].filename == __file__


def test_one_exact_target_keeps_every_targets_sigma(rng):
    X = rng.normal(size=(40, 2))
    noisy = 1.0 + X @ [1.0, -1.0] + rng.normal(scale=0.5, size=40)
    Y = np.column_stack([noisy, X @ [2.0, 3.0]])
    with pytest.warns(UserWarning, match="exact linear function"):
        model = BayesianLinearRegressor(num_samples=300, random_state=0).fit(X, Y)
    sigma = model.idata_.posterior["sigma"]
    assert sigma.sizes["target"] == 2
    assert float(sigma.sel(target="y0").std()) > 0.01
    assert float(sigma.sel(target="y1").max()) < 1e-4
    assert "sigma[y0]" in model.summary().index
    assert np.isfinite(model.diagnostics_["max_r_hat"])


def test_large_offset_in_y_is_not_an_exact_fit(regression_data):
    X, y = regression_data(n_samples=50, noise=0.5)
    model = BayesianLinearRegressor(random_state=0).fit(X, y + 1e7)
    np.testing.assert_allclose(model.sigma_, 0.5, rtol=0.3)
    np.testing.assert_allclose(model.intercept_, 1e7 + 1.0, atol=0.5)


def test_no_warning_on_well_posed_fit(fitted, regression_data):
    X, y = regression_data(n_samples=60)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BayesianLinearRegressor(random_state=0).fit(X, y)


def test_prior_predictive_coef_by_feature_name():
    X = pd.DataFrame({"sun": [1.0, 0.0], "water": [0.0, 1.0], "soil": [1.0, 1.0]})
    model = BayesianLinearRegressor(autoscale=False, fit_intercept=False)
    truth = {"coef": {"water": 20.0, "sun": 5.0, "soil": 2.0}, "sigma": 0.0}
    y = model.sample_prior_predictive(X, n_samples=2, params=truth)
    np.testing.assert_allclose(y, [[7.0, 22.0], [7.0, 22.0]])
    with pytest.raises(ValueError, match="every feature exactly once"):
        model.sample_prior_predictive(X, params={"coef": {"sun": 1.0}})
    with pytest.raises(ValueError, match="no names"):
        model.sample_prior_predictive(X.to_numpy(), params={"coef": {"sun": 1.0}})


def test_predictions_on_many_rows_run_in_bounded_memory(fitted):
    import tracemalloc

    model, _, _ = fitted
    X = np.random.default_rng(0).normal(size=(20_000, 3))
    full = 4000 * X.shape[0] * 8  # bytes of one draws x rows float64 array
    for predict in (
        lambda: model.predict(X, return_std=True),
        lambda: model.predict_interval(X),
        lambda: model.predict_quantiles(X, [0.1, 0.9]),
    ):
        tracemalloc.start()
        predict()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < full / 4, (peak, full)
