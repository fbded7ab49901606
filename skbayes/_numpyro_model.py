"""The regression as a NumPyro model function, for display and reference.

The estimator never samples this model: it samples the same posterior from
sufficient statistics. Written out in NumPyro it shows users the model they fit
(``render_model``) in the form they would write themselves.
"""

import numpy as np
import numpyro
import numpyro.distributions as dist
from numpyro.distributions import constraints

from ._noise_priors import NOISE_PRIORS


def _normal_or_flat(loc, scale):
    if scale is None:
        return dist.ImproperUniform(constraints.real, (), ())
    return dist.Normal(loc, scale)


def _sample_coef(prior, n_features):
    """Sample sites of the coefficients under ``prior.coef_prior``."""
    loc, scale = prior.coef_loc, prior.coef_scale
    if prior.coef_prior == "horseshoe":
        global_scale = numpyro.sample(
            "global_scale", dist.HalfCauchy(prior.global_scale)
        )
        half_df = prior.coef_df / 2
        slab2 = numpyro.sample("slab_variance", dist.InverseGamma(half_df, half_df))
    with numpyro.plate("feature", n_features):
        if prior.coef_prior == "student_t":
            return numpyro.sample("coef", dist.StudentT(prior.coef_df, loc, scale))
        if prior.coef_prior == "laplace":
            return numpyro.sample("coef", dist.Laplace(loc, scale))
        if prior.coef_prior == "horseshoe":
            local = numpyro.sample("local_scale", dist.HalfCauchy(1.0))
            shrunk = (slab2 * local**2 / (slab2 + global_scale**2 * local**2)) ** 0.5
            return numpyro.sample(
                "coef", dist.Normal(loc, scale * global_scale * shrunk)
            )
        return numpyro.sample("coef", _normal_or_flat(loc, scale))


def numpyro_model(prior, fit_intercept, x_mean):
    """NumPyro model function of one target's regression.

    Parameters
    ----------
    prior : Prior
    fit_intercept : bool
    x_mean : ndarray of shape (n_features,)
        Feature means, where a centred intercept prior is placed.

    Returns
    -------
    model : callable
        ``model(X, y=None)``, with sample sites ``coef``, ``intercept`` (or
        ``intercept_at_mean`` and a deterministic ``intercept``), ``sigma`` and
        ``y``.
    """

    def model(X, y=None):
        n_rows = len(y) if y is not None else X.shape[0]
        coef = _sample_coef(prior, X.shape[1])
        intercept = 0.0
        if fit_intercept and prior.intercept_centred:
            at_mean = numpyro.sample(
                "intercept_at_mean",
                _normal_or_flat(prior.intercept_loc, prior.intercept_scale),
            )
            intercept = numpyro.deterministic(
                "intercept", at_mean - np.asarray(x_mean) @ coef
            )
        elif fit_intercept:
            intercept = numpyro.sample(
                "intercept", _normal_or_flat(prior.intercept_loc, prior.intercept_scale)
            )
        if prior.noise is None:
            family = NOISE_PRIORS[prior.noise_prior]
            sigma = numpyro.sample(
                "sigma", family.distribution(prior.noise_scale, prior.noise_df)
            )
        else:
            sigma = prior.noise
        with numpyro.plate("obs", n_rows):
            numpyro.sample("y", dist.Normal(intercept + X @ coef, sigma), obs=y)

    return model


def _number(values):
    """A setting as the graph shows it: one number, or the list of them."""
    values = np.atleast_1d(np.asarray(values, dtype=float))
    if np.all(values == values[0]):
        return f"{values[0]:.4g}"
    return "[" + ", ".join(f"{value:.4g}" for value in values) + "]"


def site_descriptions(prior):
    """The prior of each sample site with its settings, as ``render_model`` shows.

    Parameters
    ----------
    prior : Prior

    Returns
    -------
    descriptions : dict of str
        Site name to a text such as ``"Normal(0, 2.5)"``.
    """

    def normal_or_flat(loc, scale):
        if scale is None:
            return "flat"
        return f"Normal({_number(loc)}, {_number(scale)})"

    loc, scale = prior.coef_loc, prior.coef_scale
    coef = {
        "normal": lambda: normal_or_flat(loc, scale),
        "student_t": lambda: (
            f"StudentT({_number(prior.coef_df)}, {_number(loc)}, {_number(scale)})"
        ),
        "laplace": lambda: f"Laplace({_number(loc)}, {_number(scale)})",
        "horseshoe": lambda: (
            f"Normal({_number(loc)}, {_number(scale)} x shrinkage), regularised "
            "horseshoe"
        ),
    }[prior.coef_prior]()
    descriptions = {"coef": coef}
    intercept = normal_or_flat(prior.intercept_loc, prior.intercept_scale)
    descriptions["intercept_at_mean"] = descriptions["intercept"] = intercept
    if prior.coef_prior == "horseshoe":
        descriptions["global_scale"] = f"HalfCauchy({_number(prior.global_scale)})"
        half_df = _number(prior.coef_df / 2)
        descriptions["slab_variance"] = f"InverseGamma({half_df}, {half_df})"
        descriptions["local_scale"] = "HalfCauchy(1)"
    descriptions["sigma"] = NOISE_PRIORS[prior.noise_prior].describe(
        prior.noise_scale, prior.noise_df
    )
    sigma = "sigma" if prior.noise is None else _number(prior.noise)
    descriptions["y"] = f"Normal(intercept + X @ coef, {sigma})"
    return descriptions
