"""Posterior draws and sampler statistics as ArviZ's container of a fit.

The groups of a fit are assembled as NumPy arrays first
(:func:`posterior_groups`), which is all the fit needs; ArviZ builds its
container (``InferenceData`` on 0.x, ``xarray.DataTree`` on 1.x) from them
only when ``idata_`` is first used.
"""

from dataclasses import dataclass

import numpy as np

from ._arviz import inference_data


@dataclass(frozen=True)
class PosteriorGroups:
    """The groups of a fit's ``idata_``, as NumPy arrays with dims and coords.

    Attributes
    ----------
    posterior, sample_stats : dict of ndarray
        Arrays with leading (chain, draw) axes.
    observed : ndarray or None
        The training targets, for ``observed_data``.
    coords, dims : dict
        As :func:`arviz.from_dict` takes them.
    """

    posterior: dict
    sample_stats: dict
    observed: np.ndarray | None
    coords: dict
    dims: dict

    def to_inference_data(self):
        """The groups as the installed ArviZ's container."""
        groups = {"posterior": self.posterior, "sample_stats": self.sample_stats}
        if self.observed is not None:
            groups["observed_data"] = {"y": self.observed}
        return inference_data(
            groups,
            coords=self.coords,
            dims=self.dims,
            attrs={"inference_library": "skbayes (numpyro NUTS)"},
        )


def posterior_groups(
    draws,
    multi,
    y,
    feature_names,
    target_names,
    known_noise,
    fit_intercept,
    group_coords=None,
):
    """Assemble the ``posterior``, ``sample_stats`` and ``observed_data`` groups.

    Parameters
    ----------
    draws : PosteriorDraws
        Arrays with leading (chain, draw) axes and a target axis.
    multi : bool
        Whether ``y`` is 2-D; otherwise the target axis is dropped everywhere.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets), or None
        Observed targets, for ``observed_data``; None leaves the group out.
    feature_names : list of str
        Coordinates of the ``feature`` dimension.
    target_names : list of str
        Coordinates of the ``target`` dimension (used for 2-D ``y``).
    known_noise : bool
        When the noise scale is fixed it is not a random variable and is left
        out of the posterior group, as PyMC leaves out constants.
    fit_intercept : bool
        Without an intercept, the constant zero is left out likewise.
    group_coords : dict, default=None
        ``{"group": labels, "effect": names}`` for a model with group-level
        effects, whose ``group_effects`` have dims (group, effect) and
        ``group_sd`` (effect).

    Returns
    -------
    groups : PosteriorGroups
    """
    target_dims = ["target"] if multi else []

    def per_target(array):
        return array if multi else array[..., 0]

    posterior = {}
    if fit_intercept:
        posterior["intercept"] = per_target(draws.intercept)
    posterior["coef"] = draws.coef if multi else draws.coef[..., 0, :]
    if not known_noise:
        posterior["sigma"] = per_target(draws.sigma)
    for name, values in draws.scales.items():
        posterior[name] = values if multi else values[:, :, 0]
    sample_stats = {
        name: per_target(values) for name, values in draws.sample_stats.items()
    }
    dims = {
        "intercept": target_dims,
        "coef": target_dims + ["feature"],
        "sigma": target_dims,
        # Further parameters of the priors and the likelihood: per feature
        # when they have an axis after the target's.
        **{
            name: target_dims + ["feature"] * (values.ndim - 3)
            for name, values in draws.scales.items()
        },
        "y": ["obs_id"] + target_dims,
        **{name: target_dims for name in sample_stats},
    }
    if group_coords is not None:
        dims["group_effects"] = target_dims + ["group", "effect"]
        dims["group_sd"] = target_dims + ["effect"]
    coords = {"feature": list(feature_names), **(group_coords or {})}
    if y is not None:
        coords["obs_id"] = np.arange(y.shape[0])
    if multi:
        coords["target"] = list(target_names)
    return PosteriorGroups(posterior, sample_stats, y, coords, dims)


def _chained(draws, num_chains):
    """(n_draws, ...) with chains concatenated -> (chain, draw, ...)."""
    return draws.reshape((num_chains, -1) + draws.shape[1:])


def _row_dims(row_dim, values):
    """Dims of a per-row variable: the row dim, then ``target`` for 2-D y."""
    return [row_dim] + (["target"] if values.ndim == 4 else [])


def predictive_inference_data(
    group, y_draws, mu_draws, X, num_chains, feature_names, target_names
):
    """A predictive group with its design, to extend a fit's ``idata_``.

    Parameters
    ----------
    group : {"posterior_predictive", "predictions"}
        ``posterior_predictive`` is at the training rows (``obs_id``, matching
        ``observed_data``), ``predictions`` at new rows (``pred_id``).
    y_draws, mu_draws : ndarray of shape (n_draws, n_rows[, n_targets])
        Draws of new observations and of the regression function, chains
        concatenated.
    X : ndarray of shape (n_rows, n_features)
        The rows, stored in ``constant_data`` or ``predictions_constant_data``.
    num_chains : int
    feature_names, target_names : list of str

    Returns
    -------
    idata : arviz.InferenceData or xarray.DataTree
    """
    row_dim = "obs_id" if group == "posterior_predictive" else "pred_id"
    constant = (
        "constant_data"
        if group == "posterior_predictive"
        else "predictions_constant_data"
    )
    y = _chained(y_draws, num_chains)
    dims = {
        "y": _row_dims(row_dim, y),
        "mu": _row_dims(row_dim, y),
        "X": [row_dim, "feature"],
    }
    coords = {row_dim: np.arange(X.shape[0]), "feature": list(feature_names)}
    if y.ndim == 4:
        coords["target"] = list(target_names)
    return inference_data(
        {
            group: {"y": y, "mu": _chained(mu_draws, num_chains)},
            constant: {"X": X},
        },
        coords=coords,
        dims=dims,
        pred_dims=dims,
        pred_coords=coords,
    )


def prior_inference_data(
    parameters, y_draws, feature_names, target_names, observed=None
):
    """``prior`` and ``prior_predictive`` groups (one chain) at the training rows.

    Parameters
    ----------
    parameters : dict of ndarray
        Prior draws of ``intercept``, ``coef`` and ``sigma``, draws first.
    y_draws : ndarray of shape (n_draws, n_rows) or (n_draws, n_rows, n_targets)
    feature_names, target_names : list of str
    observed : ndarray of shape (n_rows,) or (n_rows, n_targets), optional
        The training targets, for an ``observed_data`` group.

    Returns
    -------
    idata : arviz.InferenceData or xarray.DataTree
    """
    multi = y_draws.ndim == 3
    target_dims = ["target"] if multi else []
    coords = {"feature": list(feature_names), "obs_id": np.arange(y_draws.shape[1])}
    if multi:
        coords["target"] = list(target_names)
    groups = {
        "prior": {name: values[None] for name, values in parameters.items()},
        "prior_predictive": {"y": y_draws[None]},
    }
    if observed is not None:
        groups["observed_data"] = {"y": observed}
    return inference_data(
        groups,
        coords=coords,
        dims={
            "coef": target_dims + ["feature"],
            "y": ["obs_id"] + target_dims,
            # Scalars per target: intercept, sigma, the likelihood's own.
            **{name: target_dims for name in parameters if name not in ("coef", "y")},
        },
    )


def log_likelihood_inference_data(log_lik, num_chains, target_names):
    """``log_likelihood`` group of pointwise log-likelihoods of ``y``.

    Parameters
    ----------
    log_lik : ndarray of shape (n_draws, n_rows) or (n_draws, n_rows, n_targets)

    Returns
    -------
    idata : arviz.InferenceData or xarray.DataTree
    """
    values = _chained(log_lik, num_chains)
    coords = {"obs_id": np.arange(values.shape[2])}
    if values.ndim == 4:
        coords["target"] = list(target_names)
    return inference_data(
        {"log_likelihood": {"y": values}},
        coords=coords,
        dims={"y": _row_dims("obs_id", values)},
    )
