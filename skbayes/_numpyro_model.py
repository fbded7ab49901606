"""The regression as a NumPyro model function, for display and reference.

The estimator never samples this model: it samples the same posterior from
sufficient statistics. Written out in NumPyro it shows users the model they fit
(``render_model``) in the form they would write themselves.
"""

import numpy as np
import numpyro

from ._coef_priors.normal import normal_or_flat
from ._noise_priors import NOISE_PRIORS


def _intercept_distribution(prior):
    if prior.intercept_scale is None:
        return normal_or_flat(prior.intercept_loc, None)
    return prior.intercept_family.distribution(
        prior.intercept_loc, prior.intercept_scale, prior.intercept_df
    )


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
        coef = prior.coef_family.sample_coef(prior, X.shape[1])
        intercept = 0.0
        if fit_intercept and prior.intercept_centred:
            at_mean = numpyro.sample(
                "intercept_at_mean", _intercept_distribution(prior)
            )
            intercept = numpyro.deterministic(
                "intercept", at_mean - np.asarray(x_mean) @ coef
            )
        elif fit_intercept:
            intercept = numpyro.sample("intercept", _intercept_distribution(prior))
        if prior.noise is None:
            family = NOISE_PRIORS[prior.noise_prior]
            sigma = numpyro.sample(
                "sigma", family.distribution(prior.noise_scale, prior.noise_df)
            )
        else:
            sigma = prior.noise
        mu = intercept + X @ coef
        prior.likelihood_family.sample_y(prior, mu * np.ones(n_rows), sigma, y)

    return model


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
    descriptions = prior.coef_family.describe(prior)
    if prior.intercept_scale is None:
        intercept = "flat"
    else:
        intercept = prior.intercept_family.describe(
            prior.intercept_loc, prior.intercept_scale, prior.intercept_df
        )
    descriptions["intercept_at_mean"] = descriptions["intercept"] = intercept
    descriptions["sigma"] = NOISE_PRIORS[prior.noise_prior].describe(
        prior.noise_scale, prior.noise_df
    )
    descriptions.update(prior.likelihood_family.describe(prior))
    return descriptions
