"""The groups of ``idata_`` in the Bayesian workflow, and ArviZ 0.x or 1.x on them."""

import pickle
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from _monte_carlo import assert_mean_is

from skbayes import BayesianLinearRegressor
from skbayes._arviz import az, is_arviz_1
from skbayes.plotting import plot_diagnostics

matplotlib.use("Agg")

ARVIZ_1 = is_arviz_1()
only_arviz_0 = pytest.mark.skipif(ARVIZ_1, reason="the ArviZ 0.x spelling")
only_arviz_1 = pytest.mark.skipif(not ARVIZ_1, reason="the ArviZ 1.x spelling")


def _ppc_plot(idata, **kwargs):
    """A posterior (or prior) predictive density plot; how many things it drew."""
    if ARVIZ_1:
        collection = az.plot_ppc_dist(idata, num_samples=20, **kwargs)
        return len(collection.viz.children)
    return len(np.ravel(az.plot_ppc(idata, num_pp_samples=20, **kwargs)))


@pytest.fixture(scope="module")
def workflow():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(60, 3)), columns=["light", "water", "soil"])
    y = 0.5 + X.to_numpy() @ [5.0, 2.0, -1.0] + rng.normal(scale=0.5, size=60)
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    return model, X, y


def test_posterior_predictive_group_matches_observed_rows(workflow):
    model, X, y = workflow
    draws = model.sample_posterior_predictive(
        X, random_state=0, extend_inferencedata=True
    )
    group = model.idata_.posterior_predictive
    assert group["y"].dims == ("chain", "draw", "obs_id")
    assert group.sizes == {"chain": 4, "draw": 1000, "obs_id": 60}
    np.testing.assert_array_equal(group["y"].values.reshape(4000, 60), draws)
    # mu is the regression function: its mean is predict(), within the Monte
    # Carlo error of the draws' mean.
    assert_mean_is(group["mu"].values.reshape(4000, 60), model.predict(X))
    np.testing.assert_array_equal(model.idata_.constant_data["X"].values, X.to_numpy())
    assert _ppc_plot(model.idata_) >= 1


def test_predictions_group_has_its_own_coords(workflow):
    model, X, _ = workflow
    X_new = X.iloc[:3]
    model.sample_posterior_predictive(
        X_new, extend_inferencedata=True, predictions=True, random_state=0
    )
    predictions = model.idata_.predictions
    assert predictions["y"].dims == ("chain", "draw", "pred_id")
    assert predictions.sizes["pred_id"] == 3
    assert list(model.idata_.predictions_constant_data["feature"].values) == [
        "light",
        "water",
        "soil",
    ]
    stats = model.summary(group="predictions", kind="stats")
    assert len(stats) == 6  # y and mu for 3 rows


def test_extend_requires_training_rows_and_all_draws(workflow):
    model, X, _ = workflow
    with pytest.raises(ValueError, match="predictions=True"):
        model.sample_posterior_predictive(X.iloc[:5], extend_inferencedata=True)
    with pytest.raises(ValueError, match="n_samples=None"):
        model.sample_posterior_predictive(X, n_samples=10, extend_inferencedata=True)


def test_prior_groups_for_prior_predictive_check(workflow):
    model, X, _ = workflow
    model.sample_prior_predictive(
        X, n_samples=100, random_state=0, extend_inferencedata=True
    )
    assert model.idata_.prior["coef"].dims == ("chain", "draw", "feature")
    assert model.idata_.prior_predictive["y"].shape == (1, 100, 60)
    assert (
        _ppc_plot(model.idata_, group="prior_predictive" if ARVIZ_1 else "prior") >= 1
    )
    with pytest.raises(ValueError, match="training rows"):
        model.sample_prior_predictive(X.iloc[:5], extend_inferencedata=True)


def test_log_likelihood_enables_loo(workflow):
    model, X, y = workflow
    model.compute_log_likelihood(X, y)
    log_lik = model.idata_.log_likelihood["y"]
    assert log_lik.dims == ("chain", "draw", "obs_id")
    # One draw's total is the Gaussian log-likelihood of the data at that draw.
    samples = model.posterior_samples_
    residual = y - samples["intercept"][7] - X.to_numpy() @ samples["coef"][7]
    sigma = samples["sigma"][7]
    expected = np.sum(
        -0.5 * np.log(2 * np.pi * sigma**2) - 0.5 * (residual / sigma) ** 2
    )
    np.testing.assert_allclose(log_lik.values.reshape(4000, 60)[7].sum(), expected)
    loo = az.loo(model.idata_)
    elpd, p_loo = (loo.elpd, loo.p) if ARVIZ_1 else (loo.elpd_loo, loo.p_loo)
    assert np.isfinite(elpd)
    # 5 parameters: the effective number from PSIS-LOO is close to it.
    assert 3 < p_loo < 8
    if not ARVIZ_1:  # WAIC left ArviZ in 1.0
        assert np.isfinite(az.waic(model.idata_).elpd_waic)
    with pytest.raises(ValueError, match="training targets"):
        model.compute_log_likelihood(X, y + 1)


@only_arviz_0
def test_arviz_plots_of_the_tutorials(workflow):
    model, X, y = workflow
    idata = model.idata_
    names = ["intercept", "coef", "sigma"]
    assert az.plot_trace(idata, var_names=names).shape == (3, 2)
    assert (
        len(
            np.ravel(
                az.plot_posterior(idata, var_names=["coef"], ref_val=[5.0, 2.0, -1.0])
            )
        )
        == 3
    )
    assert len(np.ravel(az.plot_forest(idata, var_names=["coef"], ess=True))) == 2
    model.sample_posterior_predictive(X, extend_inferencedata=True, random_state=0)
    ax = az.plot_lm(
        y="y",
        idata=idata,
        x=idata.constant_data["X"].sel(feature="light"),
        y_model=idata.posterior_predictive["mu"],
        kind_pp="hdi",
        kind_model="hdi",
    )
    assert np.ravel(ax)[0].has_data()


def test_posterior_keeps_the_regression_function_at_the_training_rows(workflow):
    model, X, _ = workflow
    model.sample_posterior_predictive(X, extend_inferencedata=True, random_state=0)
    idata = model.idata_
    np.testing.assert_array_equal(
        idata.posterior["mu"].values, idata.posterior_predictive["mu"].values
    )
    assert idata.posterior["mu"].dims == ("chain", "draw", "obs_id")
    # The extended posterior is kept when pickled, not rebuilt without mu.
    loaded = pickle.loads(pickle.dumps(model))
    assert "mu" in loaded.idata_.posterior.data_vars
    # The summary and the diagnostics plot stay on the model's parameters.
    assert not any(name.startswith("mu") for name in model.summary().index)
    assert len(model.summary(var_names=["mu"])) == len(X)
    assert plot_diagnostics(model).shape == (5, 2)


@only_arviz_0
def test_plot_lm_as_the_numpyro_tutorial_calls_it(workflow):
    model, X, _ = workflow
    model.sample_posterior_predictive(X, extend_inferencedata=True, random_state=0)
    with warnings.catch_warnings():
        # No "y_model not found in posterior". ArviZ 0.x's plot_lm hands its
        # own hdi stacked draws, which warns of a change in ArviZ itself.
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", "hdi currently interprets 2d data")
        axes = az.plot_lm(
            y="y", idata=model.idata_, y_model="mu", kind_pp="hdi", kind_model="hdi"
        )
    # The band of the model and that of new observations are both drawn.
    assert len(np.ravel(axes)[0].collections) >= 2


@only_arviz_1
def test_arviz_1_plots_of_the_tutorials(workflow):
    model, X, _ = workflow
    idata = model.idata_
    trace = az.plot_trace_dist(idata, var_names=["intercept", "coef", "sigma"])
    assert set(trace.viz["plot"].data_vars) == {"intercept", "coef", "sigma"}
    posterior = az.plot_dist(idata, var_names=["coef"])
    az.add_lines(posterior, {"coef": [5.0, 2.0, -1.0]})
    assert posterior.viz["plot"]["coef"].sizes["feature"] == 3
    forest = az.plot_forest(idata, var_names=["coef"], combined=True)
    assert "point_estimate" in forest.viz.children
    model.sample_posterior_predictive(X, extend_inferencedata=True, random_state=0)
    light = idata.constant_data["X"].sel(feature="light", drop=True)
    idata["constant_data"]["light"] = light
    lm = az.plot_lm(
        idata, x="light", y="mu", y_obs="y", ci_kind="hdi", ci_prob=model.hdi_prob
    )
    assert {"ci_band", "pe_line", "observed_scatter"} <= set(lm.viz.children)


def test_render_model_draws_the_graph(workflow):
    model, _, _ = workflow
    graph = model.render_model()
    source = graph.source
    for node in ("coef", "intercept_at_mean", "sigma", "y", "feature", "obs"):
        assert node in source
    # Plate sizes, and each prior with its settings.
    assert 'label="feature (3)"' in source and 'label="obs (60)"' in source
    scales = model._priors[0].coef_scale
    assert "coef ~ Normal(0, [" + ", ".join(f"{s:.4g}" for s in scales) in source
    assert "y ~ Normal(intercept + X @ coef, sigma)" in source
    textbook = BayesianLinearRegressor(
        autoscale=False, prior_scale=20.0, noise_prior="half_cauchy"
    ).render_model(X=np.zeros((10, 1)))
    assert (
        "sigma ~ HalfCauchy(1)" in textbook.source
        and "coef ~ Normal(0, 20)" in textbook.source
        and "intercept_at_mean" not in textbook.source
    )
    with pytest.raises(Exception, match="fitted"):
        BayesianLinearRegressor().render_model()
