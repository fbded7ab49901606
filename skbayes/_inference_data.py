"""Posterior draws and sampler statistics as an ArviZ ``InferenceData``."""

import numpy as np

from ._arviz import az


def build_inference_data(
    draws, y, feature_names, target_names, known_noise, fit_intercept
):
    """Assemble the ``posterior``, ``sample_stats`` and ``observed_data`` groups.

    Parameters
    ----------
    draws : PosteriorDraws
        Arrays with leading (chain, draw) axes and a target axis.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Observed targets; a 1-D ``y`` drops the target axis everywhere.
    feature_names : list of str
        Coordinates of the ``feature`` dimension.
    target_names : list of str
        Coordinates of the ``target`` dimension (used for 2-D ``y``).
    known_noise : bool
        When the noise scale is fixed it is not a random variable and is left
        out of the posterior group, as PyMC leaves out constants.
    fit_intercept : bool
        Without an intercept, the constant zero is left out likewise.

    Returns
    -------
    idata : arviz.InferenceData
    """
    multi = y.ndim == 2
    target_dims = ["target"] if multi else []

    def per_target(array):
        return array if multi else array[..., 0]

    posterior = {}
    if fit_intercept:
        posterior["intercept"] = per_target(draws.intercept)
    posterior["coef"] = draws.coef if multi else draws.coef[..., 0, :]
    if not known_noise:
        posterior["sigma"] = per_target(draws.sigma)
    sample_stats = {
        name: per_target(values) for name, values in draws.sample_stats.items()
    }
    dims = {
        "intercept": target_dims,
        "coef": target_dims + ["feature"],
        "sigma": target_dims,
        "y": ["obs_id"] + target_dims,
        **{name: target_dims for name in sample_stats},
    }
    coords = {"feature": list(feature_names), "obs_id": np.arange(y.shape[0])}
    if multi:
        coords["target"] = list(target_names)
    return az.from_dict(
        posterior=posterior,
        sample_stats=sample_stats,
        observed_data={"y": y},
        coords=coords,
        dims=dims,
        attrs={"inference_library": "skbayes (numpyro NUTS)"},
    )
