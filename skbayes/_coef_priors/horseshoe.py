"""The regularised horseshoe prior (Piironen and Vehtari, 2017).

The horseshoe's funnel between each coefficient and its local scale defeats a
centred parameterisation, so its kernel samples non-centred coefficients,
``theta_j = coef_loc_j + coef_scale_j * global * shrunk_j * zeta_j`` with
``zeta_j`` standard normal, and evaluates the likelihood from the standardised
Gram matrix ``V S**2 V'`` of the design's decomposition instead of the whitened
basis. The intercept at the feature means is ``theta_ols + intercept_step *
zeta_0``. The noise state is the whitened problem's.

The kernel state of one chain is ``(zeta (d), tau, log local scales (d), log
global scale, log slab variance)``; :func:`split_state` is the one place that
knows it.
"""

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import scipy.linalg

from .._energy import noise_energy
from .._text import format_setting
from .._whitening import intercept_direction
from ._reference import intercept_energy, pad

ACCEPTS_FLAT = False

#: Ranges of the likelihood's precisions and of the slab scales, on the scale
#: of the data, that the horseshoe's float32 energy resolves.
_PRECISION_RANGE = (1e-12, 1e24)
_SLAB_RANGE = (1e-8, 1e8)


def reference_scale(prior):
    """The slab scale: the noise reference is whitened with it."""
    return prior.coef_scale


def extra_state_size(dim):
    return dim + 2


def split_state(x, dim):
    """``zeta, tau, log_local, log_global, log_slab2`` of kernel states ``x``.

    Works on JAX and NumPy arrays of shape (..., 2 * dim + 3).
    """
    return (
        x[..., :dim],
        x[..., dim],
        x[..., dim + 1 : 2 * dim + 1],
        x[..., 2 * dim + 1],
        x[..., 2 * dim + 2],
    )


def shrunk_scale(local2, global2, slab2):
    """Regularised local-times-global scale, for JAX or NumPy arrays."""
    return (global2 * slab2 * local2 / (slab2 + global2 * local2)) ** 0.5


class HorseshoeInputs(NamedTuple):
    """Traced inputs of the non-centred regularised horseshoe, for one target.

    All arrays are float32; rows outside ``coef_mask`` (the intercept, padding)
    are unused.

    Attributes
    ----------
    gram : array of shape (d, d)
        ``Q / sigma_ref**2`` over ``theta`` (intercept row included).
    theta_ols : array of shape (d,)
        Least-squares ``theta``.
    coef_mask, coef_loc, coef_scale : array of shape (d,)
    intercept_mask : array of shape (d,)
        1 on the intercept row.
    intercept_step : array of shape ()
        Scale of the sampled intercept state, about its posterior sd.
    intercept_direction : array of shape (d,)
        The intercept prior acts on ``intercept_direction @ theta``.
    intercept_loc, intercept_inv_scale, intercept_df : array of shape ()
        Its location, inverse scale (0 for a flat prior) and degrees of freedom.
    df : array of shape ()
        Slab degrees of freedom.
    global_scale : array of shape ()
        Scale of the half-Cauchy global shrinkage.
    """

    gram: jax.Array
    theta_ols: jax.Array
    coef_mask: jax.Array
    coef_loc: jax.Array
    coef_scale: jax.Array
    intercept_mask: jax.Array
    intercept_step: jax.Array
    intercept_direction: jax.Array
    intercept_loc: jax.Array
    intercept_inv_scale: jax.Array
    intercept_df: jax.Array
    df: jax.Array
    global_scale: jax.Array


def _theta(horseshoe, zeta, local2, global2, slab2):
    coef = (
        horseshoe.coef_loc
        + horseshoe.coef_scale * shrunk_scale(local2, global2, slab2) * zeta
    )
    intercept = horseshoe.theta_ols + horseshoe.intercept_step * zeta
    return jnp.where(horseshoe.coef_mask > 0, coef, 0.0) + jnp.where(
        horseshoe.intercept_mask > 0, intercept, 0.0
    )


def energy(inputs, horseshoe, x, intercept_prior):
    """Potential energy of the non-centred regularised horseshoe model."""
    d = horseshoe.coef_mask.shape[-1]
    zeta, tau, log_local, log_global, log_slab = split_state(x, d)
    local2 = jnp.exp(2.0 * log_local)
    global2 = horseshoe.global_scale**2 * jnp.exp(2.0 * log_global)
    slab2 = jnp.exp(log_slab)
    theta = _theta(horseshoe, zeta, local2, global2, slab2)
    deviation = theta - horseshoe.theta_ols
    # RSS(theta) = RSS_min + (theta - theta_ols)' Q (theta - theta_ols).
    t = inputs.t_scale * tau
    quad = 0.5 * jnp.exp(-2.0 * t) * deviation @ (horseshoe.gram @ deviation)
    mask = horseshoe.coef_mask
    # Half-Cauchy local and global scales and an inverse-gamma slab variance,
    # in log space with their Jacobians; unused local slots are standard normal.
    local_energy = jnp.where(
        mask > 0, jnp.log1p(local2) - log_local, 0.5 * log_local**2
    )
    global_energy = jnp.log1p(global2 / horseshoe.global_scale**2) - log_global
    half_df = 0.5 * horseshoe.df
    slab_energy = half_df * log_slab + half_df / slab2
    return (
        quad
        + noise_energy(inputs, tau)
        + intercept_energy(
            intercept_prior,
            theta,
            horseshoe.intercept_direction,
            horseshoe.intercept_loc,
            horseshoe.intercept_inv_scale,
            horseshoe.intercept_df,
        )
        # The intercept's state has its own prior above.
        + 0.5 * jnp.sum((1.0 - horseshoe.intercept_mask) * zeta**2)
        + jnp.sum(local_energy)
        + global_energy
        + slab_energy
    )


@dataclass(frozen=True)
class HorseshoeFit:
    """The regularised horseshoe regression of one target, in float64.

    Attributes
    ----------
    gram : ndarray of shape (d, d)
        ``Q / sigma_ref**2`` over ``theta`` (intercept at the feature means,
        then standardised coefficients).
    theta_ols : ndarray of shape (d,)
    coef_loc, coef_scale : ndarray of shape (n_features,)
        Prior location and slab scale of the standardised coefficients.
    intercept_step : float
        Scale of the sampled intercept state (0 without intercept).
    intercept_direction : ndarray of shape (d,)
    intercept_loc, intercept_inv_scale : float
    prior : Prior
    problem : WhitenedProblem
        The Normal-reference problem, for the noise scale and the layout.
    """

    gram: np.ndarray
    theta_ols: np.ndarray
    coef_loc: np.ndarray
    coef_scale: np.ndarray
    intercept_step: float
    intercept_direction: np.ndarray
    intercept_loc: float
    intercept_inv_scale: float
    prior: object
    problem: object

    #: No closed-form conditional mean: the means are those of the draws.
    gaussian_given_noise = False

    def kernel_inputs(self, dim):
        """Float32 inputs of the horseshoe kernel, padded to ``dim`` directions.

        Raises
        ------
        ValueError
            If the settings put the inputs beyond what its float32 energy
            resolves: the horseshoe samples coefficients and scales directly,
            without the whitening that lets the other priors take any scale.
        """
        self._check_range()
        d = self.theta_ols.shape[0]
        offset = int(self.problem.fit_intercept)
        rows = slice(offset, offset + self.coef_loc.shape[0])

        def on_coefficients(values, fill=0.0):
            out = np.full(d, fill)
            out[rows] = values
            return pad(out, dim, fill)

        gram = np.zeros((dim, dim))
        gram[:d, :d] = self.gram
        intercept_mask = np.zeros(d)
        intercept_mask[:offset] = 1.0
        return HorseshoeInputs(
            gram=gram.astype(np.float32),
            theta_ols=pad(self.theta_ols, dim),
            coef_mask=on_coefficients(np.ones_like(self.coef_loc)),
            coef_loc=on_coefficients(self.coef_loc),
            coef_scale=on_coefficients(self.coef_scale, 1.0),
            intercept_mask=pad(intercept_mask, dim),
            intercept_step=np.float32(self.intercept_step),
            intercept_direction=pad(self.intercept_direction, dim),
            intercept_loc=np.float32(self.intercept_loc),
            intercept_inv_scale=np.float32(self.intercept_inv_scale),
            intercept_df=np.float32(self.prior.intercept_df),
            df=np.float32(self.prior.coef_df),
            global_scale=np.float32(self.prior.global_scale),
        )

    def _check_range(self):
        precision = np.append(np.abs(np.diag(self.gram)), self.intercept_inv_scale**2)
        precision = precision[precision > 0]
        if precision.size and not (
            precision.max() <= _PRECISION_RANGE[1]
            and precision.min() >= _PRECISION_RANGE[0]
        ):
            raise ValueError(
                "coef_prior='horseshoe' cannot represent these data in its float32 "
                "energy: the likelihood's precision spans "
                f"{precision.min():.3g} to {precision.max():.3g} on the scale of the "
                "data. Check noise, intercept_prior_scale and sample_weight, or use "
                "another coef_prior."
            )
        slab = np.abs(self.coef_scale)
        if slab.size and not (
            slab.max() <= _SLAB_RANGE[1] and slab.min() >= _SLAB_RANGE[0]
        ):
            raise ValueError(
                "prior_scale is too extreme for coef_prior='horseshoe': on the scale "
                f"of the data its slab spans {slab.min():.3g} to {slab.max():.3g}, "
                f"outside [{_SLAB_RANGE[0]:.0e}, {_SLAB_RANGE[1]:.0e}]."
            )

    def unwhiten(self, x):
        """Intercept, coefficients, noise scale and horseshoe scales of kernel states.

        Parameters
        ----------
        x : ndarray of shape (..., n_states)
            Kernel states, as :func:`split_state` reads them.

        Returns
        -------
        intercept : ndarray of shape (...)
        coef : ndarray of shape (..., n_features)
        sigma : ndarray of shape (...)
        scales : dict of ndarray
            ``local_scale`` (..., n_features), ``global_scale`` and
            ``slab_scale`` (...).
        """
        x = np.asarray(x, dtype=np.float64)
        zeta, tau, log_local, log_global, log_slab = split_state(
            x, (x.shape[-1] - 3) // 2
        )
        problem = self.problem
        offset = int(problem.fit_intercept)
        rows = slice(offset, offset + self.coef_loc.shape[0])
        local = np.exp(log_local[..., rows])
        global_ = self.prior.global_scale * np.exp(log_global)
        slab2 = np.exp(log_slab)
        scale = shrunk_scale(local**2, global_[..., None] ** 2, slab2[..., None])
        standardised = self.coef_loc + self.coef_scale * scale * zeta[..., rows]
        y_scale = problem.y_scale
        coef = standardised * (y_scale / problem.x_scale)
        if problem.fit_intercept:
            at_mean = self.theta_ols[0] + self.intercept_step * zeta[..., 0]
            intercept = y_scale * at_mean - coef @ problem.x_mean
        else:
            intercept = np.zeros(x.shape[:-1])
        sigma = y_scale * problem.sigma_ref * np.exp(problem.t_scale * tau)
        scales = {
            "local_scale": local,
            "global_scale": global_,
            "slab_scale": np.sqrt(slab2),
        }
        return intercept, coef, sigma, scales


def prepare(design, prior, target, problem):
    """Build the horseshoe regression of one target.

    Parameters
    ----------
    design : DesignDecomposition
    prior : Prior
        With ``coef_prior="horseshoe"``.
    target : int
    problem : WhitenedProblem
        The same target whitened for the Normal reference prior.

    Returns
    -------
    fit : HorseshoeFit
    """
    # Everything in units of the target's scale, as in the whitened problem.
    y_scale = problem.y_scale
    to_theta = design.x_scale / y_scale
    eigvec, eigval = design.right_vectors, design.eigenvalues
    coef_ols = eigvec @ design.least_squares(target)
    coef_gram = (eigvec * eigval) @ eigvec.T
    n_features = design.n_features
    if design.fit_intercept:
        gram = scipy.linalg.block_diag(design.n_obs, coef_gram)
        theta_ols = np.concatenate([[design.y_mean[target] / y_scale], coef_ols])
        direction = intercept_direction(
            design.x_mean, design.x_scale, prior.intercept_centred
        )
        intercept_step = problem.sigma_ref / np.sqrt(design.n_obs)
    else:
        gram, theta_ols = coef_gram, coef_ols
        direction, intercept_step = np.zeros(n_features), 0.0
    inv_scale = 0.0
    if design.fit_intercept and prior.intercept_scale is not None:
        inv_scale = y_scale / prior.intercept_scale
    return HorseshoeFit(
        gram=gram * (1.0 / problem.sigma_ref) ** 2,
        theta_ols=theta_ols,
        coef_loc=prior.coef_loc * to_theta,
        coef_scale=prior.coef_scale * to_theta,
        intercept_step=intercept_step,
        intercept_direction=direction,
        intercept_loc=prior.intercept_loc / y_scale,
        intercept_inv_scale=inv_scale,
        prior=prior,
        problem=problem,
    )


def sample_coef(prior, n_features):
    global_scale = numpyro.sample("global_scale", dist.HalfCauchy(prior.global_scale))
    half_df = prior.coef_df / 2
    slab2 = numpyro.sample("slab_variance", dist.InverseGamma(half_df, half_df))
    with numpyro.plate("feature", n_features):
        local = numpyro.sample("local_scale", dist.HalfCauchy(1.0))
        scale = shrunk_scale(local**2, global_scale**2, slab2)
        return numpyro.sample(
            "coef", dist.Normal(prior.coef_loc, prior.coef_scale * scale)
        )


def describe(prior):
    loc, scale = format_setting(prior.coef_loc), format_setting(prior.coef_scale)
    half_df = format_setting(prior.coef_df / 2)
    return {
        "coef": f"Normal({loc}, {scale} x shrinkage), regularised horseshoe",
        "global_scale": f"HalfCauchy({format_setting(prior.global_scale)})",
        "slab_variance": f"InverseGamma({half_df}, {half_df})",
        "local_scale": "HalfCauchy(1)",
    }


def draw(prior, shape, rng):
    # Half-Cauchy local and global scales and an inverse-gamma slab variance,
    # all relative to the slab scale.
    local = np.abs(rng.standard_cauchy(shape))
    global_ = prior.global_scale * np.abs(rng.standard_cauchy((shape[0], 1)))
    slab2 = 1.0 / rng.gamma(prior.coef_df / 2, 2.0 / prior.coef_df, (shape[0], 1))
    scale = shrunk_scale(local**2, global_**2, slab2)
    return prior.coef_scale * scale * rng.standard_normal(shape)
