"""The Student-t likelihood: robust regression, sampled over the rows.

``y_i ~ StudentT(df, intercept + x_i @ coef, sigma)``, with ``df`` fixed or
learned under a Gamma(2, 0.1) prior (shape 2, rate 0.1), as brms and bambi do.

The data no longer reduce to statistics, so the kernel sees every row, padded
to a power-of-two bucket (weight 0 on padding) so that refits on other folds
and row counts within a bucket reuse the compiled program. It samples in the
basis whitened for the Normal model, centred at the mode of the Student-t
likelihood (found by iteratively reweighted least squares on the host) and
scaled by its noise scale, so NUTS meets a near-standard-normal target.
Residuals are evaluated in those whitened, centred coordinates, from float64
residuals at the mode: float32 loses nothing to offsets or to many rows.

The kernel state of one chain ends with ``eta = log df`` (a standard normal
dummy when ``df`` is fixed).
"""

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import scipy.sparse
from jax.scipy.special import gammaln

from .._coef_priors import COEF_PRIORS
from .._energy import noise_energy
from .._noise import StudentTNoise
from .._text import format_setting

NEEDS_ROWS = True
GAUSSIAN = False
extra_state_size = 1
PARAMETERS = ("df",)

#: Shape and rate of the Gamma prior of a learned ``df``.
DF_PRIOR = (2.0, 0.1)
#: Smallest padded number of rows.
_MIN_ROWS = 16
#: Degrees of freedom of the preconditioning fit when ``df`` is learned.
_PRECONDITIONING_DF = 4.0
_IRLS_ITERATIONS = 100


class RowInputs(NamedTuple):
    """Traced row inputs of one target, float32, ``n`` rows padded with weight 0.

    Attributes
    ----------
    residual : array of shape (n,)
        Residual of each row at the sampler's centre, in units of ``sigma_ref``.
    rows : array of shape (n, d)
        Each row's design in the whitened basis, over ``sigma_ref``: the
        residual at ``u`` is ``residual - rows @ (u - centre)``.
    shifted_rows : array of shape (n, d)
        ``rows`` times the shift of each direction (centre minus prior mode).
    weight : array of shape (n,)
    learn_df : array of shape ()
        1 when ``df`` is sampled, 0 when it is fixed at ``df``.
    df : array of shape ()
    """

    residual: jax.Array
    rows: jax.Array
    shifted_rows: jax.Array
    weight: jax.Array
    learn_df: jax.Array
    df: jax.Array


def padded_rows(n_rows):
    """Number of rows the kernel is compiled for: a power of two, at least 16."""
    return max(_MIN_ROWS, 1 << (n_rows - 1).bit_length())


def _log_normaliser(df):
    """Log of the Student-t density's normalising constant, less ``-log sigma``."""
    return gammaln(0.5 * (df + 1.0)) - gammaln(0.5 * df) - 0.5 * jnp.log(jnp.pi * df)


def energy(inputs, extra, rows, x, coef_prior, intercept_prior):
    """Potential energy of the Student-t regression at kernel state ``x``."""
    d = inputs.lik_prec.shape[-1]
    z, tau, eta = x[:d], x[d], x[-1]
    t = inputs.t_scale * tau
    decay = jnp.exp(-2.0 * t)
    precision = inputs.lik_prec * decay + inputs.prior_prec
    inv_root = 1.0 / jnp.sqrt(precision)
    # u - centre = z / sqrt(a) - (p / a) * shift, as the Normal model's map.
    standardised = (
        rows.residual
        + rows.shifted_rows @ (inputs.prior_prec / precision)
        - rows.rows @ (z * inv_root)
    ) * jnp.exp(-t)
    learn = rows.learn_df > 0
    df = jnp.where(learn, jnp.exp(eta), rows.df)
    n_obs = jnp.sum(rows.weight)
    log_lik = n_obs * (_log_normaliser(df) - t) - 0.5 * (df + 1.0) * jnp.sum(
        rows.weight * jnp.log1p(standardised**2 / df)
    )
    # The Normal reference prior of u, and the Jacobian of z -> u.
    data_pull = jnp.sqrt(inputs.lik_prec) * decay / precision
    deviation = data_pull * inputs.scaled_shift + z * inv_root
    log_prior = -0.5 * jnp.sum(inputs.prior_prec * deviation**2)
    log_jacobian = -0.5 * jnp.sum(jnp.log(precision))
    # Gamma(shape 2, rate 0.1) of df, in log df with its Jacobian.
    shape, rate = DF_PRIOR
    df_energy = jnp.where(learn, -(shape * eta - rate * df), 0.5 * eta * eta)
    # The noise prior and the Jacobian of tau; no Gaussian profile here.
    noise_inputs = inputs._replace(
        n_obs=jnp.zeros_like(inputs.n_obs), rss_ratio=jnp.zeros_like(inputs.rss_ratio)
    )
    correction = COEF_PRIORS[coef_prior].correction(inputs, extra, x, intercept_prior)
    return (
        -(log_lik + log_prior + log_jacobian)
        + noise_energy(noise_inputs, tau)
        + df_energy
        + correction
    )


def _whitened_design(design, problem, X):
    """``G T`` of shape (n, d): each row's design in the whitened basis."""
    dense = X.toarray() if scipy.sparse.issparse(X) else np.asarray(X)
    centred = (dense.astype(np.float64) - design.x_mean) / design.x_scale
    if design.fit_intercept:
        centred = np.column_stack([np.ones(centred.shape[0]), centred])
    return centred @ problem.transform


def _robust_centre(problem, rows, y_centred, weight, u_offset, df, sigma, known):
    """Mode of the Student-t likelihood times the reference prior, by IRLS (EM).

    Works in whitened coordinates relative to ``u_offset`` (the intercept at
    the data's mean), in units of the target's scale.

    Returns
    -------
    centre : ndarray of shape (d,)
        The mode, as ``u - u_offset``.
    sigma : float
        The noise scale at the mode (``sigma`` itself when known).
    """
    prior_prec = problem.prior_prec
    prior_centre = problem.prior_mode - u_offset
    centre = problem.lik_mode - u_offset
    for _ in range(_IRLS_ITERATIONS):
        residual = y_centred - rows @ centre
        scaled = residual / sigma
        row_weight = weight * (df + 1.0) / (df + scaled**2)
        if not known:
            sigma = np.sqrt(np.sum(row_weight * residual**2) / np.sum(weight))
            sigma = max(sigma, 1e-12 * problem.y_scale)
        gram = (rows * (row_weight / sigma**2)[:, None]).T @ rows
        gram[np.diag_indices_from(gram)] += prior_prec
        rhs = rows.T @ (row_weight * y_centred) / sigma**2 + prior_prec * prior_centre
        update = np.linalg.lstsq(gram, rhs, rcond=None)[0]
        converged = np.max(np.abs(update - centre)) <= 1e-10 * (
            1.0 + np.max(np.abs(update))
        )
        centre = update
        if converged:
            break
    return centre, sigma


def prepare(design, prior, target, problem, data):
    """Centre and scale the whitened problem at the Student-t mode; build its rows.

    Parameters
    ----------
    design : DesignDecomposition
    prior : Prior
    target : int
    problem : WhitenedProblem
        The Normal model's whitened posterior of the same target.
    data : tuple
        ``(X, Y, sample_weight)``: the training rows, targets of shape
        (n, n_targets) and weights (or None).

    Returns
    -------
    problem : WhitenedProblem
        Whitened about the Student-t mode, with its noise scale as reference.
    rows : RowInputs
        Float64 here; padded and cast by :func:`kernel_rows`.
    """
    X, Y, weight = data
    n_rows = X.shape[0]
    weight = np.ones(n_rows) if weight is None else np.asarray(weight, np.float64)
    y_scale = problem.y_scale
    whitened = _whitened_design(design, problem, X)
    y_centred = (np.asarray(Y[:, target], np.float64) - design.y_mean[target]) / y_scale
    # u of the intercept at the mean of y with no slopes: the centring offset.
    theta_offset = np.zeros(problem.dim)
    if design.fit_intercept:
        theta_offset[0] = design.y_mean[target] / y_scale
    u_offset = np.linalg.solve(problem.transform, theta_offset)
    df = _PRECONDITIONING_DF if prior.likelihood_df is None else prior.likelihood_df
    known = problem.t_scale == 0.0
    centre, sigma = _robust_centre(
        problem,
        whitened,
        y_centred,
        weight,
        u_offset,
        df,
        problem.sigma_ref,
        known,
    )
    ratio = problem.sigma_ref / sigma
    n_obs = float(np.sum(weight))
    robust = dataclasses.replace(
        problem,
        lik_prec=problem.lik_prec * ratio**2,
        lik_mode=centre + u_offset,
        sigma_ref=sigma,
        # About the posterior sd of log sigma: the Student-t's Fisher
        # information for it is 2 n df / (df + 3).
        t_scale=0.0 if known else 1.0 / np.sqrt(1.0 + 2.0 * n_obs * df / (df + 3.0)),
        ref_over_prior=problem.ref_over_prior / ratio,
        exact_fit=False,
    )
    rows = whitened / sigma
    shift = robust.lik_mode - robust.prior_mode
    return robust, RowInputs(
        residual=(y_centred - whitened @ centre) / sigma,
        rows=rows,
        shifted_rows=rows * shift,
        weight=weight,
        learn_df=np.float64(prior.likelihood_df is None),
        df=np.float64(1.0 if prior.likelihood_df is None else prior.likelihood_df),
    )


def kernel_rows(rows, dim):
    """Float32 :class:`RowInputs`, rows padded to a bucket, directions to ``dim``."""
    n_rows, d = rows.rows.shape
    n_pad = padded_rows(n_rows)

    def padded(values):
        out = np.zeros((n_pad,) + (dim,) * (values.ndim - 1))
        out[(slice(0, n_rows),) + (slice(0, d),) * (values.ndim - 1)] = values
        return out.astype(np.float32)

    return RowInputs(
        residual=padded(rows.residual),
        rows=padded(rows.rows),
        shifted_rows=padded(rows.shifted_rows),
        weight=padded(rows.weight),
        learn_df=np.float32(rows.learn_df),
        df=np.float32(rows.df),
    )


def parameters(prior, x):
    """``df`` draws from kernel states (the fixed value when not learned)."""
    eta = np.asarray(x[..., -1], dtype=np.float64)
    if prior.likelihood_df is None:
        return {"df": np.exp(eta)}
    return {"df": np.full(eta.shape, float(prior.likelihood_df))}


def noise(parameters):
    return StudentTNoise(parameters["df"])


def _df_site(prior):
    if prior.likelihood_df is None:
        return numpyro.sample("df", dist.Gamma(*DF_PRIOR))
    return prior.likelihood_df


def sample_y(prior, mu, sigma, y):
    df = _df_site(prior)
    with numpyro.plate("obs", mu.shape[0]):
        return numpyro.sample("y", dist.StudentT(df, mu, sigma), obs=y)


def describe(prior):
    sigma = "sigma" if prior.noise is None else format_setting(prior.noise)
    df = "df" if prior.likelihood_df is None else format_setting(prior.likelihood_df)
    shape, rate = DF_PRIOR
    return {
        "y": f"StudentT({df}, intercept + X @ coef, {sigma})",
        "df": f"Gamma({shape:g}, rate={rate:g})",
    }


def draw_parameters(prior, n_samples, rng, params):
    """Prior draws of ``df``, or ``params["df"]`` broadcast."""
    if "df" in params:
        df = np.broadcast_to(np.asarray(params["df"], np.float64), (n_samples,))
        if not np.all(np.isfinite(df) & (df > 0)):
            raise ValueError("params['df'] must be positive and finite.")
        return {"df": df.copy()}
    if prior.likelihood_df is not None:
        return {"df": np.full(n_samples, float(prior.likelihood_df))}
    shape, rate = DF_PRIOR
    return {"df": rng.gamma(shape, 1.0 / rate, n_samples)}


def draw_noise(parameters, rng, shape):
    """Standard variates of shape (n_samples, n_rows), for the prior predictive."""
    return rng.standard_t(parameters["df"][:, None], shape)
