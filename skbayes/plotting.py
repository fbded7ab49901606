"""Plots of the Bayesian workflow around :class:`~skbayes.BayesianLinearRegressor`.

Prior predictive regression lines against the data, the posterior regression
with highest-density bands for the mean and for new observations, predicted
against observed values, and a one-call diagnostics figure of trace and rank
plots. Every function draws on matplotlib Axes (new ones when ``ax`` is None),
returns them and never calls ``plt.show()``. They need matplotlib
(``pip install "skbayes[plot]"``) and take single-target fits.

Lines along one feature hold the other features at their means. ``model``
may also be a :class:`~sklearn.pipeline.Pipeline` whose last step is the
estimator: ``X`` is then the Pipeline's input, features are named and
indexed as its input columns, and the other steps transform the rows on the
way to the estimator.
"""

from functools import partial

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._pipelines import final_step, fitted_preprocessing, to_final_step
from ._predictive import gaussian_mixture_interval, hdi, linear_predictor

#: Draws of sigma over which the exact bands of plot_regression are averaged.
_MIXTURE_DRAWS = 500

__all__ = [
    "plot_diagnostics",
    "plot_predicted_vs_observed",
    "plot_prior_predictive",
    "plot_regression",
]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            'skbayes.plotting needs matplotlib: pip install "skbayes[plot]".'
        ) from None
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots()
    return ax


def _fitted_axes(model, ax, hdi_prob):
    """Check a fitted single-target model; Axes to draw on and the HDI mass."""
    check_is_fitted(model)
    _single_target(model)
    final = final_step(model)
    return _axes(ax), final.hdi_prob if hdi_prob is None else hdi_prob


def _single_target(model):
    final = final_step(model)
    if hasattr(final, "coef_") and final.coef_.ndim == 2:
        raise ValueError(
            "The plots take a single-target fit; fit one estimator per column of y."
        )


def _feature_index(model, X, feature):
    """Column index of ``feature`` (an index, or a name of a DataFrame column)."""
    if isinstance(feature, str):
        names = list(getattr(model, "feature_names_in_", getattr(X, "columns", [])))
        if feature not in names:
            raise ValueError(f"Unknown feature {feature!r}; the features are {names}.")
        return names.index(feature), feature
    names = getattr(model, "feature_names_in_", None)
    return feature, (str(names[feature]) if names is not None else f"x{feature}")


def _model_input(model, rows):
    """Rows in the form the model was fitted with (a DataFrame if it had names)."""
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return rows
    import pandas as pd

    return pd.DataFrame(rows, columns=names)


def _feature_grid(X, column, num):
    """``num`` rows along one feature's observed range, the others at their means."""
    X = np.asarray(X, dtype=np.float64)
    grid = np.linspace(X[:, column].min(), X[:, column].max(), num)
    rows = np.tile(X.mean(axis=0), (num, 1))
    rows[:, column] = grid
    return grid, rows


def _finish_feature_plot(ax, X, y, column, name, title):
    """Observed points (if any), labels and legend of a plot along one feature."""
    if y is not None:
        ax.scatter(
            np.asarray(X, dtype=float)[:, column], y, color="k", s=10, label="observed"
        )
    ax.set(xlabel=name, ylabel="y", title=title)
    ax.legend()
    return ax


def plot_prior_predictive(
    model, X, y=None, feature=0, n_lines=50, random_state=None, ax=None
):
    """Regression lines drawn from the prior, against the data.

    The prior predictive check of the tutorials: do the priors believe in
    lines that could have produced the data?

    Parameters
    ----------
    model : BayesianLinearRegressor or Pipeline
        Fitted or not. Unfitted with ``autoscale=True``, it needs ``y``: the
        priors are put on the scale of ``(X, y)``, as a fit would put them.
    X : array-like of shape (n_samples, n_features)
        Data whose range the lines span.
    y : array-like of shape (n_samples,), default=None
        Observations to show as points.
    feature : int or str, default=0
        The feature on the horizontal axis.
    n_lines : int, default=50
        Number of prior draws.
    random_state : int, RandomState instance or None, default=None
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    _single_target(model)
    ax = _axes(ax)
    column, name = _feature_index(model, X, feature)
    grid, rows = _feature_grid(X, column, 100)
    final = final_step(model)
    fitted = hasattr(final, "posterior_samples_")
    if fitted:
        transform = partial(to_final_step, model)
    else:
        # The preprocessing of an unfitted Pipeline is fitted on X, on copies.
        transform = fitted_preprocessing(model, X)
    # An unfitted estimator with autoscaled priors takes their scale from
    # (X, y), as a fit would; the lines are then drawn along the grid.
    prior_rows = rows if fitted or y is None else X
    _, params = final.sample_prior_predictive(
        transform(_model_input(model, prior_rows)),
        None if fitted else y,
        n_samples=n_lines,
        random_state=random_state,
        return_params=True,
    )
    design = transform(_model_input(model, rows))
    lines = linear_predictor(design, params["intercept"], params["coef"]).T
    drawn = ax.plot(grid, lines, color="C0", alpha=0.3, linewidth=1)
    drawn[0].set_label("prior regression lines")
    return _finish_feature_plot(ax, X, y, column, name, "Prior predictive check")


def plot_regression(model, X, y=None, feature=0, hdi_prob=None, n_lines=0, ax=None):
    """Posterior regression along one feature, with bands for the mean and new data.

    Draws the posterior mean, the band of the mean (parameter uncertainty) and
    the wider band of new observations (plus noise). Under a Normal (or flat)
    coefficient prior, the regression function given the noise scale is
    exactly Gaussian, so the bands are the central intervals of that Gaussian
    averaged over the draws of ``sigma``: smooth, and exact but for the Monte
    Carlo error of ``sigma`` alone. Under the shrinkage priors they are the
    HDIs of the draws at each point of the grid.

    Parameters
    ----------
    model : BayesianLinearRegressor or Pipeline
        Fitted.
    X : array-like of shape (n_samples, n_features)
        Data whose range the line spans.
    y : array-like of shape (n_samples,), default=None
        Observations to show as points.
    feature : int or str, default=0
        The feature on the horizontal axis.
    hdi_prob : float, default=None
        Mass of the bands; the model's ``hdi_prob`` by default.
    n_lines : int, default=0
        Also draw this many posterior regression lines.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    ax, hdi_prob = _fitted_axes(model, ax, hdi_prob)
    final = final_step(model)
    if getattr(final, "group_column", None) is not None:
        raise ValueError(
            "plot_regression draws one line along a feature, which a model with "
            "group-level effects does not have; plot its predictions against the "
            "data with plot_predicted_vs_observed."
        )
    column, name = _feature_index(model, X, feature)
    grid, rows = _feature_grid(X, column, 100)
    design = to_final_step(model, _model_input(model, rows))
    design = np.asarray(design.toarray() if hasattr(design, "toarray") else design)
    samples = final.posterior_samples_
    mu = linear_predictor(design, samples["intercept"], samples["coef"])
    bands = _smooth_bands(final, design, samples["sigma"], hdi_prob)
    if bands is None:
        new_obs = final.predict_interval(design, prob=hdi_prob)
        mean_band, kind = hdi(mu, hdi_prob), "HDI"
    else:
        mean_band, new_obs = bands
        kind = "interval"
    ax.fill_between(
        grid,
        new_obs[:, 0],
        new_obs[:, 1],
        color="C0",
        alpha=0.2,
        linewidth=0,
        label=f"{hdi_prob:.0%} {kind} of new observations",
    )
    ax.fill_between(
        grid,
        mean_band[:, 0],
        mean_band[:, 1],
        color="C0",
        alpha=0.4,
        linewidth=0,
        label=f"{hdi_prob:.0%} {kind} of the mean",
    )
    if n_lines:
        step = max(1, mu.shape[0] // n_lines)
        # Above the bands, opaque enough to follow one line across them.
        lines = ax.plot(
            grid, mu[::step][:n_lines].T, color="C1", alpha=0.5, linewidth=1, zorder=3
        )
        lines[0].set_label("posterior draws")
    ax.plot(grid, mu.mean(axis=0), color="C0", zorder=4, label="posterior mean")
    return _finish_feature_plot(ax, X, y, column, name, "Posterior regression")


def _smooth_bands(final, design, sigma, prob):
    """Exact bands of the mean and of new observations, or None if unavailable.

    Available under Normal coefficient and intercept priors, whose coefficients
    given the noise scale are Gaussian (see
    ``WhitenedProblem.conditional_linear_predictor``).
    """
    problems = final._posterior.gaussian_problems
    if not problems:
        return None
    # The mixture over sigma is a one-dimensional average: a few hundred draws,
    # evenly spaced over the chains, estimate it far inside the bands' width.
    sigma = np.asarray(sigma)[:: max(1, len(sigma) // _MIXTURE_DRAWS)]
    mean, sd = problems[0].conditional_linear_predictor(design, sigma)
    new_sd = np.hypot(sd, sigma[:, None])
    return (
        gaussian_mixture_interval(mean, sd, prob),
        gaussian_mixture_interval(mean, new_sd, prob),
    )


def plot_predicted_vs_observed(model, X, y, hdi_prob=None, ax=None):
    """Posterior predictive mean and HDI of each row against its observed value.

    Points on the dashed identity line are predicted exactly; the title gives
    the share of observations inside their interval, which should be close to
    ``hdi_prob`` for a well-calibrated model.

    Parameters
    ----------
    model : BayesianLinearRegressor or Pipeline
        Fitted.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    hdi_prob : float, default=None
        Mass of the intervals; the model's ``hdi_prob`` by default.
    ax : matplotlib Axes, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    ax, hdi_prob = _fitted_axes(model, ax, hdi_prob)
    y = np.asarray(y, dtype=float)
    mean, interval = model.predict(X, return_interval=True, prob=hdi_prob)
    ax.errorbar(
        y,
        mean,
        yerr=[mean - interval[:, 0], interval[:, 1] - mean],
        fmt="o",
        markersize=3,
        color="C0",
        ecolor="C0",
        alpha=0.5,
        label=f"posterior mean and {hdi_prob:.0%} HDI",
    )
    low = min(y.min(), interval[:, 0].min())
    high = max(y.max(), interval[:, 1].max())
    ax.plot([low, high], [low, high], "k--", linewidth=1, label="predicted = observed")
    inside = np.mean((y >= interval[:, 0]) & (y <= interval[:, 1]))
    ax.set(
        xlabel="observed",
        ylabel="predicted",
        title=f"{inside:.0%} of observations inside their {hdi_prob:.0%} HDI",
    )
    ax.legend()
    return ax


def _scalar_parameters(posterior, names, max_params):
    """(label, draws of shape (chain, draw)) for each scalar, up to max_params.

    Only the variables in ``names`` (the model's parameters: not ``mu``, which
    the posterior holds after a posterior predictive check).
    """
    scalars = []
    for name, values in posterior.data_vars.items():
        if name not in names:
            continue
        if values.ndim == 2:
            scalars.append((name, values.values))
            continue
        for coord in values[values.dims[2]].values:
            scalars.append(
                (f"{name}[{coord}]", values.sel({values.dims[2]: coord}).values)
            )
    return scalars[:max_params]


def plot_diagnostics(model, max_params=8, n_bins=20):
    """Trace and rank plots of the posterior, one row per scalar parameter.

    Well-mixed chains overlap in the trace (left) and have flat, overlapping
    rank histograms (right): every chain visits every part of the posterior
    equally often (Vehtari et al., 2021).

    Parameters
    ----------
    model : BayesianLinearRegressor or Pipeline
        Fitted.
    max_params : int, default=8
        Show at most this many scalar parameters (intercept, then coefficients,
        then sigma).
    n_bins : int, default=20
        Bins of the rank histograms.

    Returns
    -------
    axes : ndarray of matplotlib Axes of shape (n_params, 2)
    """
    check_is_fitted(model)
    _single_target(model)
    plt = _pyplot()
    final = final_step(model)
    scalars = _scalar_parameters(
        final.idata_.posterior, final.posterior_samples_, max_params
    )
    fig, axes = plt.subplots(
        len(scalars),
        2,
        figsize=(10, 1.8 * len(scalars)),
        squeeze=False,
        constrained_layout=True,
    )
    for (label, draws), (trace_ax, rank_ax) in zip(scalars, axes, strict=True):
        n_chains, n_draws = draws.shape
        for chain in range(n_chains):
            trace_ax.plot(draws[chain], linewidth=0.5, alpha=0.8, color=f"C{chain}")
        trace_ax.set_ylabel(label)
        ranks = np.argsort(np.argsort(draws, axis=None)).reshape(draws.shape)
        edges = np.linspace(0, draws.size, n_bins + 1)
        for chain in range(n_chains):
            counts, _ = np.histogram(ranks[chain], bins=edges)
            rank_ax.stairs(
                counts, edges, baseline=None, color=f"C{chain}", label=f"chain {chain}"
            )
        rank_ax.axhline(n_draws / n_bins, color="k", linestyle="--", linewidth=1)
        # From zero, so that flatness is judged against the expected count.
        rank_ax.set_ylim(0, 1.6 * n_draws / n_bins)
        rank_ax.set_yticks([])
    axes[0, 0].set_title("trace")
    axes[0, 1].set_title("rank histograms (flat when chains mix)")
    axes[-1, 0].set_xlabel("draw")
    axes[-1, 1].set_xlabel("rank over all chains")
    fig.legend(
        *axes[0, 1].get_legend_handles_labels(),
        loc="outside lower right",
        ncols=min(4, n_chains),
        fontsize="small",
    )
    return axes
