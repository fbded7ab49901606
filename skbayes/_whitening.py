"""The linear-Gaussian posterior in a basis where NUTS sees a standard normal.

Write the coefficients of one target as ``theta`` (intercept at the feature
means, then the coefficients of the standardised features), in units of the
target's scale. The likelihood is
``RSS(theta) = RSS_min + (theta - theta_ols)' Q (theta - theta_ols)`` and the prior
is Gaussian with precision ``P`` and mean ``m``, both possibly singular (flat
priors, more features than rows). The generalised eigenproblem
``(Q / sigma_ref**2) T = (Q / sigma_ref**2 + P) T diag(q)`` gives a basis
``theta = T u`` in which both are diagonal: ``T' Q T / sigma_ref**2 = diag(q)``
and ``T' P T = diag(p)``. Given the noise scale ``sigma = sigma_ref * exp(t)``,
each ``u_k`` is then independent Normal with precision
``a_k = q_k exp(-2 t) + p_k``, and the kernel samples ``z_k = sqrt(a_k) (u_k -
mean_k)``, which is exactly standard normal, jointly with ``t``.

``Q`` comes from the singular values of the design's R factor
(:mod:`skbayes._design`), and all algebra on the ``(d, d)`` matrices happens
here, once per fit, in float64.
"""

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._energy import KernelInputs
from ._noise_priors import NOISE_FAMILIES, NOISE_PRIORS

# Noise scale, relative to the spread of y about its mean, that stands for the
# limit sigma -> 0 when an exact fit makes the posterior of sigma improper.
_EXACT_FIT_SIGMA = 1e-6
# Largest term of the float32 energy, and largest total weight, the kernel
# takes; see `_check_kernel_range`.
_ENERGY_LIMIT = 1e6
_SHIFT_LIMIT = 1e12
_COUNT_LIMIT = 1e30


@dataclass(frozen=True)
class WhitenedProblem:
    """Posterior of one target in the whitened basis.

    Attributes
    ----------
    transform : ndarray of shape (d, d)
        ``T``, mapping whitened coordinates ``u`` to ``theta``.
    lik_prec, prior_prec : ndarray of shape (d,)
        ``q`` and ``p``: likelihood (at ``sigma_ref``) and prior precisions of ``u``.
    lik_mode, prior_mode : ndarray of shape (d,)
        Least-squares and prior locations of ``u``.
    n_obs : float
        Total weight of the observations.
    rss_ratio : float
        ``RSS_min / (n_obs * sigma_ref**2)``.
    sigma_ref : float
        Reference noise scale, in units of ``y_scale``; ``sigma = y_scale *
        sigma_ref * exp(t)``.
    t_scale : float
        Scale of the sampled ``tau = t / t_scale`` (0 when the noise is known).
    ref_over_prior : float
        ``sigma_ref`` over the scale of the noise prior.
    family : int
        Noise prior family, an index of ``NOISE_FAMILIES``.
    noise_df : float
        Degrees of freedom of the noise prior (the half-Student-t's).
    x_mean, x_scale : ndarray of shape (n_features,)
        Centre and scale of the features in ``theta``.
    y_scale : float
        Scale of the target: ``theta`` and ``sigma_ref`` are in its units.
    fit_intercept : bool
        Whether ``theta`` starts with an intercept.
    exact_fit : bool
        Whether the data are fitted exactly and so many rows repeat the fit that
        the posterior of the noise scale is improper (it piles up at 0 like
        ``sigma ** -(n_obs - rank)``); the noise is then fixed at a millionth
        of the spread of ``y``, standing for the limit ``sigma -> 0``.
    """

    transform: np.ndarray
    lik_prec: np.ndarray
    prior_prec: np.ndarray
    lik_mode: np.ndarray
    prior_mode: np.ndarray
    n_obs: float
    rss_ratio: float
    sigma_ref: float
    t_scale: float
    ref_over_prior: float
    family: int
    noise_df: float
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_scale: float
    fit_intercept: bool
    exact_fit: bool = False

    @property
    def dim(self):
        return self.transform.shape[0]

    @property
    def scaled_shift(self):
        """``sqrt(q) (lik_mode - prior_mode)``: the prior/data conflict per direction.

        In units of the likelihood's sd, so it stays moderate when the prior is
        far tighter or wider than the data, unlike the shift itself.
        """
        return np.sqrt(self.lik_prec) * (self.lik_mode - self.prior_mode)

    def kernel_inputs(self, dim):
        """Float32 inputs of the kernel, padded to ``dim`` directions.

        Padding directions have no likelihood and a standard normal prior, so
        they are independent of everything else and are dropped afterwards.

        Raises
        ------
        ValueError
            If an input is beyond what float32 arithmetic represents, naming the
            setting that put it there.
        """
        pad = dim - self.dim

        def padded(values, fill):
            return np.pad(values, (0, pad), constant_values=fill)

        known = self.family == NOISE_FAMILIES["fixed"]
        # The noise terms are not in the energy of a known noise scale: zeros
        # keep them (and their gradients) finite.
        inputs = KernelInputs(
            lik_prec=padded(self.lik_prec, 0.0),
            prior_prec=padded(self.prior_prec, 1.0),
            scaled_shift=padded(self.scaled_shift, 0.0),
            n_obs=np.float64(0.0 if known else self.n_obs),
            rss_ratio=np.float64(0.0 if known else self.rss_ratio),
            t_scale=np.float64(self.t_scale),
            ref_over_prior=np.float64(0.0 if known else self.ref_over_prior),
            family=np.int32(self.family),
            noise_df=np.float64(self.noise_df),
        )
        _check_kernel_range(inputs)
        return inputs._replace(
            **{
                name: np.asarray(value, dtype=np.float32)
                for name, value in inputs._asdict().items()
                if name != "family"
            }
        )

    def _weights(self, x):
        """Per-draw ``t``, precisions ``a`` and data weights ``q exp(-2t) / a``."""
        t = self.t_scale * np.asarray(x[..., -1], dtype=np.float64)
        lik_prec = self.lik_prec * np.exp(-2.0 * t)[..., None]
        precision = lik_prec + self.prior_prec
        return t, precision, lik_prec / precision

    def _to_model(self, theta):
        """Split ``theta`` into the model's intercept and coefficients."""
        coef = theta[..., int(self.fit_intercept) :] * (self.y_scale / self.x_scale)
        if self.fit_intercept:
            return self.y_scale * theta[..., 0] - coef @ self.x_mean, coef
        return np.zeros(theta.shape[:-1]), coef

    def unwhiten(self, x):
        """Map kernel states to model parameters, in float64.

        Parameters
        ----------
        x : ndarray of shape (..., dim + 1)
            Kernel states (possibly padded).

        Returns
        -------
        intercept : ndarray of shape (...)
        coef : ndarray of shape (..., n_features)
        sigma : ndarray of shape (...)
        """
        t, precision, data_weight = self._weights(x)
        z = np.asarray(x[..., : self.dim], dtype=np.float64)
        shift = self.lik_mode - self.prior_mode
        u = self.prior_mode + data_weight * shift + z / np.sqrt(precision)
        intercept, coef = self._to_model(u @ self.transform.T)
        return intercept, coef, self.y_scale * self.sigma_ref * np.exp(t)

    def posterior_mean(self, x):
        """Rao-Blackwellised posterior means of the intercept and coefficients.

        The average over the draws of the noise scale of the exact conditional
        mean given it. It has a lower Monte Carlo error than the mean of the
        draws, is exact when the noise is known, and does not depend on the
        arbitrary basis of directions the data leave undetermined.

        Parameters
        ----------
        x : ndarray of shape (..., dim + 1)
            Kernel states.

        Returns
        -------
        intercept : float
        coef : ndarray of shape (n_features,)
        """
        _, _, data_weight = self._weights(x.reshape(-1, x.shape[-1]))
        shift = self.lik_mode - self.prior_mode
        u = self.prior_mode + data_weight.mean(axis=0) * shift
        return self._to_model(self.transform @ u)

    def conditional_linear_predictor(self, rows, sigma):
        """Mean and sd of ``intercept + rows @ coef`` given each noise scale.

        Given the noise scale, the coefficients of a Normal prior (or a flat
        one) are exactly Gaussian, so the regression function at each row is
        too; averaging over draws of ``sigma`` gives its posterior exactly, up
        to the Monte Carlo error of ``sigma`` alone. Not for the shrinkage
        priors, whose coefficients given ``sigma`` are not Gaussian.

        Parameters
        ----------
        rows : ndarray of shape (n_rows, n_features)
        sigma : ndarray of shape (n_draws,)
            Draws of the noise scale, in the model's units.

        Returns
        -------
        mean, sd : ndarray of shape (n_draws, n_rows)
        """
        t = np.log(
            np.asarray(sigma, dtype=np.float64) / (self.y_scale * self.sigma_ref)
        )
        lik_prec = self.lik_prec * np.exp(-2.0 * t)[:, None]
        precision = lik_prec + self.prior_prec
        u_mean = self.prior_mode + lik_prec / precision * (
            self.lik_mode - self.prior_mode
        )
        scaled = np.asarray(rows, dtype=np.float64) - self.x_mean * self.fit_intercept
        scaled = scaled / self.x_scale
        if self.fit_intercept:
            scaled = np.column_stack([np.ones(scaled.shape[0]), scaled])
        # mu = y_scale * g(x) @ theta, and theta = T u.
        along_u = self.y_scale * scaled @ self.transform
        return u_mean @ along_u.T, np.sqrt((1.0 / precision) @ (along_u**2).T)


def _check_kernel_range(inputs):
    """Raise if the float32 kernel cannot resolve these inputs, naming the setting.

    The energy of the sampler is float32: a term of size ``E`` is known to
    about ``6e-8 E``, and NUTS's acceptance needs the energy to about 0.01,
    so no term may exceed :data:`_ENERGY_LIMIT` near the posterior's bulk.
    Inputs of a known noise scale are zeroed before this check: they are
    not in the energy.
    """
    n_obs = float(inputs.n_obs)
    if not n_obs <= _COUNT_LIMIT:
        raise ValueError(
            f"sample_weight sums to {n_obs:.3g}, beyond the {_COUNT_LIMIT:.0e} rows "
            "the sampler counts in float32. Frequency weights count repeated rows: "
            "rescale them if they are relative weights."
        )
    ratio = float(inputs.ref_over_prior)
    if not ratio <= _ENERGY_LIMIT:
        raise ValueError(
            "noise_prior_scale is too small for these data: the residual sd is "
            f"{ratio:.3g} times the scale of the noise prior, beyond what the "
            "sampler's float32 arithmetic resolves. Choose a larger "
            "noise_prior_scale, or fix the noise with noise=."
        )
    conflict = float(np.sum(inputs.prior_prec * inputs.scaled_shift**2))
    # Each shift is also squared on its own in float32, times a weight that
    # varies with the noise scale.
    largest_shift = float(np.max(np.abs(inputs.scaled_shift), initial=0.0))
    if inputs.family != NOISE_FAMILIES["fixed"] and not (
        conflict <= _ENERGY_LIMIT and largest_shift <= _SHIFT_LIMIT
    ):
        raise ValueError(
            "The coefficient or intercept prior conflicts with the data by "
            f"{max(np.sqrt(conflict), largest_shift):.3g} standard errors, beyond "
            "what the sampler's "
            "float32 arithmetic resolves: move prior_loc or intercept_prior_loc "
            "toward the data, or widen prior_scale or intercept_prior_scale."
        )


def intercept_direction(x_mean, x_scale, centred):
    """The intercept prior acts on ``direction @ theta``, of shape (n_features + 1,).

    ``theta[0]`` is the intercept at the feature means: a centred prior
    (rstanarm's convention under autoscaling) acts on it, any other on the
    intercept at ``X = 0``.
    """
    offset = np.zeros_like(x_mean) if centred else x_mean / x_scale
    return np.concatenate([[1.0], -offset])


def _prior_in_theta(prior, fit_intercept, x_mean, x_scale, y_scale):
    """Square-root factor of the prior precision of ``theta``, and its mean.

    The factor ``F`` has ``F' F = P``; it is never squared, so a prior whose
    precision spans many orders of magnitude (an intercept prior at ``X = 0``
    with columns far from zero) keeps its digits.

    Returns
    -------
    factor : ndarray of shape (m, d)
        Zero rows for flat directions.
    mean : ndarray of shape (d,)
    """
    coef_root = (
        np.zeros(x_scale.shape[0])
        if prior.coef_scale is None
        else y_scale / (prior.reference_scale * x_scale)
    )
    coef_mean = prior.coef_loc * x_scale / y_scale
    _check_finite("prior_scale", coef_root**2, "is too small")
    _check_finite("prior_loc", coef_mean, "is too far from zero")
    if not fit_intercept:
        return np.diag(coef_root), coef_mean
    factor = np.diag(np.concatenate([[0.0], coef_root]))
    direction = intercept_direction(x_mean, x_scale, prior.intercept_centred)
    if prior.intercept_scale is not None:
        intercept_root = y_scale / prior.intercept_reference_scale
        _check_finite("intercept_prior_scale", intercept_root**2, "is too small")
        factor = np.vstack([factor, intercept_root * direction])
    # The prior mean of theta puts `direction @ theta` at the intercept's.
    mean = np.concatenate(
        [[prior.intercept_loc / y_scale - direction[1:] @ coef_mean], coef_mean]
    )
    _check_finite("intercept_prior_loc", mean[0], "is too far from zero")
    return factor, mean


def _check_finite(setting, values, what):
    """Raise if a prior setting, on the scale of the data, overflows float64."""
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{setting} {what} for the scale of the data: on that scale its value "
            "overflows float64. Choose a less extreme value."
        )


def _check_noise_propriety(prior, design, n_flat):
    """Raise if an improper noise prior leaves the posterior improper.

    With ``n_flat`` parameters under flat priors, integrating out the
    coefficients leaves a likelihood of the noise scale that decays like
    ``sigma ** -(n_obs - n_flat)`` as ``sigma -> inf`` (every proper prior
    bounds its own direction); under a flat prior on ``sigma`` that is
    integrable only if ``n_obs > n_flat + 1``.
    """
    if prior.noise is not None or not NOISE_PRIORS[prior.noise_prior].improper:
        return
    if not design.n_obs > n_flat + 1:
        raise ValueError(
            f"The posterior is improper: noise_prior={prior.noise_prior!r} puts an "
            "improper prior on sigma, which needs the total weight of the rows "
            f"({design.n_obs:.6g}) to exceed the number of parameters with flat "
            f"priors plus one ({n_flat} + 1). Use more rows, proper priors "
            "(prior_scale, intercept_prior_scale), or a proper noise_prior."
        )


def _noise_reference(prior, design, target, n_params):
    """Reference scale and parameterisation of the noise, in units of y's scale.

    Returns
    -------
    sigma_ref, rss_ratio, t_scale : float
    family : int
    exact_fit : bool
    """
    y_scale = design.y_scale[target]
    rss_min, n_obs = design.rss[target], design.n_obs
    fits_exactly = design.exact_fit(target)
    # With RSS = 0 the posterior of sigma behaves like sigma**-(n_obs - n_params)
    # at 0: improper unless there are fewer rows than parameters plus one.
    exact_fit = prior.noise is None and fits_exactly and n_obs >= n_params + 1
    noise_scale = prior.noise_scale / y_scale
    if prior.noise is not None or exact_fit:
        # The limit sigma -> 0 stands at a millionth of y's spread: far below
        # the data, but not so far that directions the design determines only
        # to rounding would gain spurious precision.
        sigma_ref = (
            _EXACT_FIT_SIGMA * design.y_spread[target] / y_scale
            if exact_fit
            else prior.noise / y_scale
        )
        # Unused by the kernel for a known noise scale.
        return sigma_ref, 0.0, 0.0, NOISE_FAMILIES["fixed"], exact_fit
    if fits_exactly:
        # Too few rows for an improper posterior: sigma is prior-dominated.
        sigma_ref = noise_scale
        rss_ratio = (np.sqrt(rss_min / n_obs) / sigma_ref) ** 2
    else:
        sigma_ref, rss_ratio = np.sqrt(rss_min / n_obs), 1.0
    # About the posterior sd of log(sigma) when the data dominate.
    t_scale = 1.0 / np.sqrt(1.0 + 2.0 * n_obs * rss_ratio)
    return sigma_ref, rss_ratio, t_scale, NOISE_FAMILIES[prior.noise_prior], False


def whiten(design, prior, target=0):
    """Build the whitened posterior of one target.

    Parameters
    ----------
    design : DesignDecomposition
    prior : Prior
        Prior of this target.
    target : int, default=0
        Column of the targets in ``design``.

    Returns
    -------
    problem : WhitenedProblem

    Raises
    ------
    ValueError
        If a flat prior makes the posterior improper.
    """
    n_features, fit_intercept = design.n_features, design.fit_intercept
    if not design.n_obs <= _COUNT_LIMIT:
        raise ValueError(
            f"sample_weight sums to {design.n_obs:.3g}, beyond the "
            f"{_COUNT_LIMIT:.0e} rows the sampler counts in float32. Frequency "
            "weights count repeated rows: rescale them if they are relative weights."
        )
    if prior.coef_scale is None and design.rank < n_features:
        raise ValueError(
            "The posterior is improper: prior_scale=None puts a flat prior on "
            f"{n_features} coefficients but the design has numerical rank "
            f"{design.rank} (collinear columns, or fewer rows than features). Set "
            "prior_scale to a positive number."
        )
    n_flat = n_features * (prior.coef_scale is None) + int(
        fit_intercept and prior.intercept_scale is None
    )
    _check_noise_propriety(prior, design, n_flat)
    y_scale = design.y_scale[target]
    eigvec, eigval = design.right_vectors, design.eigenvalues
    coef_ols = design.least_squares(target)  # in the eigenbasis of the Gram matrix
    # `rotation` maps the eigenbasis of the likelihood, where its precision is
    # diagonal with exact zeros on undetermined directions, to `theta`.
    if fit_intercept:
        rotation = scipy.linalg.block_diag(1.0, eigvec)
        lik_diag = np.concatenate([[design.n_obs], eigval])
        theta_ols = np.concatenate([[design.y_mean[target] / y_scale], coef_ols])
    else:
        rotation, lik_diag, theta_ols = eigvec, eigval, coef_ols
    prior_factor, prior_mean = _prior_in_theta(
        prior, fit_intercept, design.x_mean, design.x_scale, y_scale
    )
    prior_factor = prior_factor @ rotation
    prior_mean = rotation.T @ prior_mean
    sigma_ref, rss_ratio, t_scale, family, exact_fit = _noise_reference(
        prior, design, target, design.rank + int(fit_intercept)
    )
    lik_root = np.sqrt(lik_diag) * (1.0 / sigma_ref)
    if not np.all(np.isfinite(lik_root**2)):
        raise ValueError(
            f"noise={prior.noise!r} is too small for the scale of y "
            f"({y_scale:.3g}): the precision of the likelihood overflows float64. "
            "Choose a larger noise, or rescale y."
        )
    # The pencil (L, L + P) diagonalised from square-root factors, never from
    # L + P itself: QR of [sqrt(L); F] = Q R, then an SVD of Q's top block,
    # Q_top = U diag(sqrt(q)) W'. T = R^-1 W then gives T' L T = diag(q) and
    # T' (L + P) T = I (a generalised SVD).
    d = lik_root.shape[0]
    orthogonal, triangle = np.linalg.qr(np.vstack([np.diag(lik_root), prior_factor]))
    _, _, right_t = np.linalg.svd(orthogonal[:d])
    if not np.all(np.abs(np.diag(triangle)) > 0):
        raise ValueError(
            "The prior's precision and the data's are too far apart to combine in "
            "float64: choose less extreme prior_scale or intercept_prior_scale "
            "(or, with autoscale=False, values on the scale of the data)."
        )
    right = right_t.T
    eigvec_pencil = scipy.linalg.solve_triangular(triangle, right)
    metric = triangle.T @ right  # (L + P) T
    # The diagonals from T itself, not from the singular values: these have
    # an absolute error of eps, which would swamp the likelihood's share of a
    # direction that a tight prior dominates.
    lik_prec = np.sum((lik_root[:, None] * eigvec_pencil) ** 2, axis=0)
    pencil_prior = np.sum((prior_factor @ eigvec_pencil) ** 2, axis=0)
    return WhitenedProblem(
        transform=rotation @ eigvec_pencil,
        lik_prec=np.clip(lik_prec, 0.0, None),
        prior_prec=np.clip(pencil_prior, 0.0, None),
        # The shift from the difference of the modes, without cancellation.
        lik_mode=metric.T @ prior_mean + metric.T @ (theta_ols - prior_mean),
        prior_mode=metric.T @ prior_mean,
        n_obs=design.n_obs,
        rss_ratio=rss_ratio,
        sigma_ref=sigma_ref,
        t_scale=t_scale,
        # An improper prior has no scale (its density is constant).
        ref_over_prior=(
            1.0
            if NOISE_PRIORS[prior.noise_prior].improper
            else sigma_ref * y_scale / prior.noise_scale
        ),
        family=family,
        noise_df=prior.noise_df,
        x_mean=design.x_mean,
        x_scale=design.x_scale,
        y_scale=y_scale,
        fit_intercept=fit_intercept,
        exact_fit=exact_fit,
    )
