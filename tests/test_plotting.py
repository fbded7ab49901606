"""The plots draw what they say they draw."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skbayes import BayesianLinearRegressor  # noqa: E402
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
        "94% HDI of new observations",
        "94% HDI of the mean",
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
