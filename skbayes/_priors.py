"""Prior specifications, resolved from the estimator's flat arguments.

A :class:`Prior` holds the numbers of the model for one target, in the units of
the data: autoscaling has been applied and every default filled in. Nothing
here samples.
"""

from dataclasses import dataclass

import numpy as np

from ._coef_priors import COEF_PRIORS
from ._intercept_priors import INTERCEPT_PRIORS
from ._likelihoods import LIKELIHOODS


@dataclass(frozen=True)
class Prior:
    """Priors of one regression target.

    Attributes
    ----------
    coef_loc : ndarray of shape (n_features,)
        Means of the Normal priors of the coefficients.
    coef_scale : ndarray of shape (n_features,) or None
        Standard deviations of those priors; ``None`` is a flat prior.
    intercept_loc : float
        Location of the prior of the intercept.
    intercept_scale : float or None
        Its scale; ``None`` is a flat prior.
    intercept_prior : str
        Family of the intercept prior, a key of
        :data:`skbayes._intercept_priors.INTERCEPT_PRIORS`.
    intercept_df : float
        Degrees of freedom of a Student-t intercept prior.
    intercept_centred : bool
        Whether the intercept prior is on the value at the mean of ``X``
        (rstanarm's convention under autoscaling) rather than at ``X = 0``.
    noise_prior : str
        Family of the noise-scale prior, a key of
        :data:`skbayes._noise_priors.NOISE_PRIORS`.
    noise_scale : float
        Scale of the noise-scale prior.
    noise_df : float
        Degrees of freedom of the noise-scale prior (the half-Student-t's).
    noise : float or None
        Known noise scale; when set the noise prior is unused.
    coef_prior : str
        Family of the coefficient priors, a key of
        :data:`skbayes._coef_priors.COEF_PRIORS`; for the horseshoe
        ``coef_scale`` is the slab scale.
    coef_df : float
        Degrees of freedom of the Student-t prior or of the horseshoe's slab.
    global_scale : float
        Scale of the horseshoe's global shrinkage, relative to the slab scale.
    likelihood : str
        Family of the likelihood, a key of
        :data:`skbayes._likelihoods.LIKELIHOODS`.
    likelihood_df : float or None
        Fixed degrees of freedom of a Student-t likelihood; None learns them.
    """

    coef_loc: np.ndarray
    coef_scale: np.ndarray | None
    intercept_loc: float
    intercept_scale: float | None
    intercept_prior: str
    intercept_df: float
    intercept_centred: bool
    noise_prior: str
    noise_scale: float
    noise_df: float
    noise: float | None
    coef_prior: str
    coef_df: float
    global_scale: float
    likelihood: str
    likelihood_df: float | None

    @property
    def coef_family(self):
        """The module of :mod:`skbayes._coef_priors` of the coefficient prior."""
        return COEF_PRIORS[self.coef_prior]

    @property
    def likelihood_family(self):
        """The module of :mod:`skbayes._likelihoods` of the likelihood."""
        return LIKELIHOODS[self.likelihood]

    @property
    def intercept_family(self):
        """The :class:`~skbayes._intercept_priors.InterceptPrior` of the intercept."""
        return INTERCEPT_PRIORS[self.intercept_prior]

    @property
    def reference_scale(self):
        """Scale of the Normal coefficient prior whose whitening the sampler works in.

        Close to the actual prior's spread, so that the geometry is close to
        the actual posterior's; None for a flat prior.
        """
        if self.coef_scale is None:
            return None
        return self.coef_family.reference_scale(self)

    @property
    def intercept_reference_scale(self):
        """Scale of the Normal intercept prior the sampler whitens for."""
        if self.intercept_scale is None:
            return None
        return self.intercept_scale * self.intercept_family.reference_factor(
            self.intercept_df
        )


def _feature_array(name, value, n_features, positive):
    """Broadcast a scalar or per-feature prior setting to shape (n_features,)."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(n_features, float(array))
    elif array.shape != (n_features,):
        raise ValueError(
            f"{name} must be a scalar or an array of length n_features={n_features}; "
            f"got an array of shape {array.shape}."
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    if positive and np.any(array <= 0):
        raise ValueError(f"{name} must be positive; got {value!r}.")
    return array


def _check_positive_finite(name, value):
    if value is not None and not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number; got {value!r}.")


def resolve_priors(params, n_features, design=None):
    """Build the :class:`Prior` of every target from the estimator's arguments.

    Parameters
    ----------
    params : dict
        The estimator's ``get_params()``.
    n_features : int
        Number of features.
    design : DesignDecomposition, default=None
        The decomposed training data, whose scales autoscaling uses; required
        when ``params["autoscale"]``.

    Returns
    -------
    priors : list of Prior
        One per target (a single one when ``design`` is None).

    Raises
    ------
    ValueError
        If a prior setting is not finite, not positive where a scale is needed,
        or has the wrong length.
    """
    coef_loc = _feature_array("prior_loc", params["prior_loc"], n_features, False)
    coef_scale = params["prior_scale"]
    if coef_scale is not None:
        coef_scale = _feature_array("prior_scale", coef_scale, n_features, True)
    intercept_loc = params["intercept_prior_loc"]
    if intercept_loc is not None and not np.isfinite(intercept_loc):
        raise ValueError(f"intercept_prior_loc must be finite; got {intercept_loc!r}.")
    for name in (
        "intercept_prior_scale",
        "noise_prior_scale",
        "noise",
        "coef_prior_df",
        "intercept_prior_df",
        "noise_prior_df",
        "horseshoe_global_scale",
        "likelihood_df",
    ):
        _check_positive_finite(name, params[name])
    if not COEF_PRIORS[params["coef_prior"]].ACCEPTS_FLAT and coef_scale is None:
        raise ValueError(
            f"coef_prior={params['coef_prior']!r} needs a scale: prior_scale=None "
            "(a flat prior) goes with coef_prior='normal' only."
        )
    if LIKELIHOODS[params["likelihood"]].NEEDS_ROWS and not hasattr(
        COEF_PRIORS[params["coef_prior"]], "correction"
    ):
        raise ValueError(
            f"likelihood={params['likelihood']!r} is sampled in the whitened basis, "
            f"which coef_prior={params['coef_prior']!r} does not use; choose "
            "coef_prior 'normal', 'student_t' or 'laplace' with it."
        )
    if (
        not INTERCEPT_PRIORS[params["intercept_prior"]].gaussian
        and params["intercept_prior_scale"] is None
    ):
        raise ValueError(
            f"intercept_prior={params['intercept_prior']!r} needs a scale: "
            "intercept_prior_scale=None (a flat prior) goes with "
            "intercept_prior='normal' only."
        )

    def build(x_scale, y_scale, y_mean):
        return Prior(
            coef_loc=coef_loc,
            coef_scale=None if coef_scale is None else coef_scale * y_scale / x_scale,
            intercept_loc=y_mean if intercept_loc is None else float(intercept_loc),
            intercept_scale=(
                None
                if params["intercept_prior_scale"] is None
                else params["intercept_prior_scale"] * y_scale
            ),
            intercept_prior=params["intercept_prior"],
            intercept_df=float(params["intercept_prior_df"]),
            intercept_centred=params["autoscale"],
            noise_prior=params["noise_prior"],
            noise_scale=params["noise_prior_scale"] * y_scale,
            noise_df=float(params["noise_prior_df"]),
            noise=None if params["noise"] is None else float(params["noise"]),
            coef_prior=params["coef_prior"],
            coef_df=float(params["coef_prior_df"]),
            global_scale=float(params["horseshoe_global_scale"]),
            likelihood=params["likelihood"],
            likelihood_df=(
                None
                if params["likelihood_df"] is None
                else float(params["likelihood_df"])
            ),
        )

    if not params["autoscale"]:
        n_targets = 1 if design is None else design.y_scale.shape[0]
        return [build(np.ones(n_features), 1.0, 0.0)] * n_targets
    if design is None:
        raise ValueError(
            "autoscale=True sets the priors from the scale of the training data; "
            "fit the estimator first, pass the training y to "
            "sample_prior_predictive(X, y), or use autoscale=False for priors in "
            "the units given."
        )
    # Weighted sds with an intercept; root mean squares without, since the
    # model then measures the data from zero.
    return [
        build(design.x_scale, y_scale, y_mean)
        for y_scale, y_mean in zip(design.y_scale, design.y_mean, strict=True)
    ]
