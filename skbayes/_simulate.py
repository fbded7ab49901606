"""Draws of the parameters from the prior, with some of them fixed.

This is what prior predictive checks and simulation from a known truth need
(PyMC's ``pm.do``, NumPyro's ``Predictive(params=...)``). NumPy only.
"""

import numpy as np

from ._noise_priors import NOISE_PRIORS

PARAMETERS = ("intercept", "coef", "sigma")


def _fixed_values(name, value, n_samples, shape):
    """Broadcast a user-fixed parameter to ``(n_samples,) + shape``."""
    array = np.asarray(value, dtype=np.float64)
    try:
        array = np.broadcast_to(array, (n_samples,) + shape).copy()
    except ValueError:
        raise ValueError(
            f"params[{name!r}] must have shape {shape} or {(n_samples,) + shape}; "
            f"got an array of shape {np.shape(value)}."
        ) from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"params[{name!r}] must be finite.")
    if name == "sigma" and np.any(array < 0):
        raise ValueError("params['sigma'] must be non-negative.")
    return array


def _noise_draws(prior, n_samples, rng):
    if prior.noise is not None:
        return np.full(n_samples, prior.noise)
    family = NOISE_PRIORS[prior.noise_prior]
    if family.draw is None:
        raise ValueError(
            f"The prior of sigma is improper (noise_prior={prior.noise_prior!r}), so "
            "it cannot be sampled; choose a proper noise_prior, set noise=, or fix "
            "sigma with params={'sigma': ...}."
        )
    return family.draw(rng, prior.noise_scale, prior.noise_df, n_samples)


def _improper(name, setting):
    return ValueError(
        f"The prior of {name} is flat ({setting}=None), so it cannot be sampled; "
        f"set {setting} or fix {name} with params={{{name!r}: ...}}."
    )


def sample_prior_parameters(prior, x_mean, fit_intercept, n_samples, rng, params=None):
    """Draw intercept, coefficients and noise scale from the prior.

    Parameters
    ----------
    prior : Prior
    x_mean : ndarray of shape (n_features,)
        Feature means at which a centred intercept prior is placed.
    fit_intercept : bool
    n_samples : int
    rng : numpy.random.Generator
    params : dict, default=None
        Values that replace draws, keyed by ``"intercept"``, ``"coef"`` or
        ``"sigma"`` (or a parameter of the likelihood, such as ``"df"``); each
        is one value for every draw or one per draw.

    Returns
    -------
    draws : dict
        ``"intercept"`` of shape (n_samples,), ``"coef"`` of shape
        (n_samples, n_features), ``"sigma"`` of shape (n_samples,) and the
        likelihood's parameters, each (n_samples,).
    """
    params = {} if params is None else dict(params)
    known = PARAMETERS + prior.likelihood_family.PARAMETERS
    unknown = set(params) - set(known)
    if unknown:
        raise ValueError(
            f"params has unknown keys {sorted(unknown)}; use {list(known)}."
        )
    if "intercept" in params and not fit_intercept:
        raise ValueError("params['intercept'] is given but fit_intercept=False.")
    n_features = prior.coef_loc.shape[0]

    if "coef" in params:
        coef = _fixed_values("coef", params["coef"], n_samples, (n_features,))
    elif prior.coef_scale is None:
        raise _improper("coef", "prior_scale")
    else:
        coef = prior.coef_loc + prior.coef_family.draw(
            prior, (n_samples, n_features), rng
        )

    if not fit_intercept:
        intercept = np.zeros(n_samples)
    elif "intercept" in params:
        intercept = _fixed_values("intercept", params["intercept"], n_samples, ())
    elif prior.intercept_scale is None:
        raise _improper("intercept", "intercept_prior_scale")
    else:
        intercept = prior.intercept_family.draw(
            rng,
            prior.intercept_loc,
            prior.intercept_scale,
            prior.intercept_df,
            n_samples,
        )
        if prior.intercept_centred:
            intercept = intercept - coef @ x_mean

    if "sigma" in params:
        sigma = _fixed_values("sigma", params["sigma"], n_samples, ())
    else:
        sigma = _noise_draws(prior, n_samples, rng)
    likelihood = prior.likelihood_family.draw_parameters(prior, n_samples, rng, params)
    return {"intercept": intercept, "coef": coef, "sigma": sigma, **likelihood}
