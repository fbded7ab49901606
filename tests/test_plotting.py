"""The plots draw what they say they draw."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skbayes import BayesianLinearRegressor  # noqa: E402
from skbayes._predictive import gaussian_mixture_interval, hdi  # noqa: E402
from skbayes.plotting import (  # noqa: E402
    plot_diagnostics,
    plot_predicted_vs_observed,
    plot_prior_predictive,
    plot_regression,
)


@pytest.fixture(autouse=True)
def no_show(monkeypatch):
    def refuse():
        raise AssertionError("plots must not call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"dose": rng.uniform(0, 10, 50), "age": rng.normal(40, 5, 50)})
    y = 1.0 + 0.8 * X["dose"] + 0.1 * X["age"] + rng.normal(scale=1.0, size=50)
    return BayesianLinearRegressor(random_state=0).fit(X, y), X, y


def _band_height(collection):
    vertices = collection.get_paths()[0].vertices
    return np.ptp(vertices[:, 1])


def test_prior_predictive_lines(fitted):
    model, X, y = fitted
    ax = plot_prior_predictive(model, X, y, feature="dose", n_lines=30, random_state=0)
    assert len(ax.lines) == 30
    assert len(ax.collections) == 1  # the observed points
    assert ax.get_xlabel() == "dose"
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["prior regression lines", "observed"]


def test_prior_predictive_before_fit():
    X = np.linspace(0, 1, 20)[:, None]
    model = BayesianLinearRegressor(autoscale=False, prior_scale=1.0)
    ax = plot_prior_predictive(model, X, n_lines=5)
    assert len(ax.lines) == 5 and ax.get_xlabel() == "x0"


def test_regression_bands(fitted):
    model, X, y = fitted
    ax = plot_regression(model, X, y, feature="dose", n_lines=10)
    new_obs, mean = ax.collections[0], ax.collections[1]
    # Bands for new observations include the noise: wider than for the mean.
    assert _band_height(new_obs) > _band_height(mean)
    assert len(ax.lines) == 11  # 10 posterior lines and the mean
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == [
        "94% interval of new observations",
        "94% interval of the mean",
        "posterior draws",
        "posterior mean",
        "observed",
    ]


def test_predicted_vs_observed(fitted):
    model, X, y = fitted
    ax = plot_predicted_vs_observed(model, X, y)
    assert len(ax.containers) == 1  # the error bars
    assert ax.get_xlabel() == "observed" and ax.get_ylabel() == "predicted"
    assert "of observations inside their 94% HDI" in ax.get_title()


def test_diagnostics_figure(fitted):
    model, _, _ = fitted
    axes = plot_diagnostics(model)
    assert axes.shape == (4, 2)  # intercept, coef[dose], coef[age], sigma
    assert [ax.get_ylabel() for ax in axes[:, 0]] == [
        "intercept",
        "coef[dose]",
        "coef[age]",
        "sigma",
    ]
    for trace_ax, rank_ax in axes:
        assert len(trace_ax.lines) == 4  # one trace per chain
        assert len(rank_ax.patches) == 4  # one rank histogram per chain
    assert len(plot_diagnostics(model, max_params=2)) == 2


def test_multi_target_fits_are_refused(fitted):
    _, X, y = fitted
    model = BayesianLinearRegressor(random_state=0).fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="single-target"):
        plot_regression(model, X)


def _band(collection):
    """(x, lower, upper) of a fill_between band on a common grid of x."""
    vertices = collection.get_paths()[0].vertices
    n = (len(vertices) - 3) // 2
    x, lower = vertices[1 : n + 1, 0], vertices[1 : n + 1, 1]
    upper = vertices[n + 2 : 2 * n + 2, 1][::-1]
    return x, lower, upper


def test_smooth_bands_match_the_draws(fitted):
    model, X, y = fitted
    ax = plot_regression(model, X, y, feature="dose")
    x, lower, upper = _band(ax.collections[1])
    rows = np.column_stack([x, np.full_like(x, X["age"].mean())])
    samples = model.posterior_samples_
    mu = samples["intercept"][:, None] + samples["coef"] @ rows.T
    # The exact band and the draws' central interval agree within 4 Monte
    # Carlo standard errors of a 3% quantile: sqrt(p (1 - p) / ESS) over the
    # density there, about 0.04 sd of mu for 4000 effective draws.
    draws_band = np.quantile(mu, [0.03, 0.97], axis=0)
    ess = model.diagnostics_["min_ess_bulk"]
    se = np.sqrt(0.03 * 0.97 / ess) / norm.pdf(norm.ppf(0.97)) * mu.std(axis=0)
    assert np.all(np.abs(lower - draws_band[0]) < 4 * se)
    assert np.all(np.abs(upper - draws_band[1]) < 4 * se)
    # Smooth: the band of a line is convex in x, so its second differences of
    # width have one sign; the HDI of the draws at each point has no such shape.
    width = upper - lower
    assert np.all(np.diff(width, 2) > -1e-9 * width.max())
    draws_width = np.diff(hdi(mu, 0.94), axis=1)[:, 0]
    assert np.any(np.diff(draws_width, 2) < -1e-9 * width.max())


def test_gaussian_mixture_interval_is_exact_for_one_gaussian():
    mean, sd = np.array([[1.0, -2.0]]), np.array([[2.0, 0.5]])
    interval = gaussian_mixture_interval(mean, sd, 0.9)
    np.testing.assert_allclose(
        interval,
        [
            [1.0 - 2.0 * 1.6448536, 1.0 + 2.0 * 1.6448536],
            [-2.0 - 0.5 * 1.6448536, -2.0 + 0.5 * 1.6448536],
        ],
        rtol=1e-7,
    )


def test_shrinkage_priors_fall_back_to_the_hdi_of_the_draws(fitted):
    _, X, y = fitted
    model = BayesianLinearRegressor(
        coef_prior="laplace", prior_scale=1.0, num_samples=300, random_state=0
    ).fit(X, y)
    ax = plot_regression(model, X, y)
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels[:2] == ["94% HDI of new observations", "94% HDI of the mean"]


@pytest.fixture(scope="module")
def pipeline(fitted):
    _, X, y = fitted
    pipe = make_pipeline(StandardScaler(), BayesianLinearRegressor(random_state=0))
    return pipe.fit(X, y), X, y


def test_pipelines_plot_in_their_input_space(pipeline):
    pipe, X, y = pipeline
    ax = plot_regression(pipe, X, y, feature="dose")
    assert ax.get_xlabel() == "dose"
    x, lower, upper = _band(ax.collections[1])
    np.testing.assert_allclose([x.min(), x.max()], [X["dose"].min(), X["dose"].max()])
    rows = pd.DataFrame({"dose": x, "age": X["age"].mean()})
    mean = pipe.predict(rows)
    assert np.all((lower < mean) & (mean < upper))
    ax = plot_predicted_vs_observed(pipe, X, y)
    assert "of observations inside" in ax.get_title()
    assert plot_diagnostics(pipe).shape == (4, 2)
    ax = plot_prior_predictive(pipe, X, y, feature="age", n_lines=5, random_state=0)
    assert len(ax.lines) == 5 and ax.get_xlabel() == "age"


def test_prior_predictive_of_an_unfitted_autoscaled_pipeline(fitted):
    _, X, y = fitted
    pipe = make_pipeline(StandardScaler(), BayesianLinearRegressor())
    with pytest.raises(ValueError, match="autoscale=True"):
        plot_prior_predictive(pipe, X, n_lines=5)
    ax = plot_prior_predictive(pipe, X, y, n_lines=5, random_state=0)
    assert len(ax.lines) == 5
    assert not hasattr(pipe[-1], "n_features_in_")  # nothing was fitted
    # The lines span values on the scale of y, as autoscaled priors put them.
    heights = np.concatenate([line.get_ydata() for line in ax.lines])
    assert 0.1 * np.std(y) < np.std(heights) < 100 * np.std(y)


def test_nested_pipelines_plot_through_every_step(pipeline):
    _, X, y = pipeline
    inner = make_pipeline(StandardScaler(), BayesianLinearRegressor(random_state=0))
    nested = make_pipeline(StandardScaler(with_std=False), inner).fit(X, y)
    ax = plot_regression(nested, X, y, feature="dose")
    x, lower, upper = _band(ax.collections[1])
    mean = nested.predict(pd.DataFrame({"dose": x, "age": X["age"].mean()}))
    assert np.all((lower < mean) & (mean < upper))
    unfitted = make_pipeline(
        StandardScaler(), make_pipeline(StandardScaler(), BayesianLinearRegressor())
    )
    ax = plot_prior_predictive(unfitted, X, y, n_lines=3, random_state=0)
    assert len(ax.lines) == 3
