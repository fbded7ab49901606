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
    return family.draw(rng, prior.noise_scale, prior.noise_df, n_samples)


def _coef_prior_draws(prior, shape, rng):
    """Draws of ``coef - coef_loc`` from the coefficient prior."""
    scale = prior.coef_scale
    if prior.coef_prior == "normal":
        return scale * rng.standard_normal(shape)
    if prior.coef_prior == "student_t":
        return scale * rng.standard_t(prior.coef_df, shape)
    if prior.coef_prior == "laplace":
        return scale * rng.laplace(0.0, 1.0, shape)
    # Regularised horseshoe: half-Cauchy local and global scales, and an
    # inverse-gamma slab variance, all relative to the slab scale.
    local = np.abs(rng.standard_cauchy(shape))
    global_ = prior.global_scale * np.abs(rng.standard_cauchy((shape[0], 1)))
    slab2 = 1.0 / rng.gamma(prior.coef_df / 2, 2.0 / prior.coef_df, (shape[0], 1))
    shrunk = np.sqrt(slab2 * local**2 / (slab2 + global_**2 * local**2))
    return scale * global_ * shrunk * rng.standard_normal(shape)


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
        ``"sigma"``; each is one value for every draw or one per draw.

    Returns
    -------
    draws : dict
        ``"intercept"`` of shape (n_samples,), ``"coef"`` of shape
        (n_samples, n_features) and ``"sigma"`` of shape (n_samples,).
    """
    params = {} if params is None else dict(params)
    unknown = set(params) - set(PARAMETERS)
    if unknown:
        raise ValueError(
            f"params has unknown keys {sorted(unknown)}; use {list(PARAMETERS)}."
        )
    if "intercept" in params and not fit_intercept:
        raise ValueError("params['intercept'] is given but fit_intercept=False.")
    n_features = prior.coef_loc.shape[0]

    if "coef" in params:
        coef = _fixed_values("coef", params["coef"], n_samples, (n_features,))
    elif prior.coef_scale is None:
        raise _improper("coef", "prior_scale")
    else:
        coef = prior.coef_loc + _coef_prior_draws(prior, (n_samples, n_features), rng)

    if not fit_intercept:
        intercept = np.zeros(n_samples)
    elif "intercept" in params:
        intercept = _fixed_values("intercept", params["intercept"], n_samples, ())
    elif prior.intercept_scale is None:
        raise _improper("intercept", "intercept_prior_scale")
    else:
        intercept = rng.normal(prior.intercept_loc, prior.intercept_scale, n_samples)
        if prior.intercept_centred:
            intercept = intercept - coef @ x_mean

    if "sigma" in params:
        sigma = _fixed_values("sigma", params["sigma"], n_samples, ())
    else:
        sigma = _noise_draws(prior, n_samples, rng)
    return {"intercept": intercept, "coef": coef, "sigma": sigma}
