"""The Student-t likelihood: robust regression, sampled over the rows.

``y_i ~ StudentT(df, intercept + x_i @ coef, sigma)``, with ``df`` fixed or
learned under a Gamma(2, 0.1) prior (shape 2, rate 0.1), as brms and bambi do.

The data no longer reduce to statistics, so the kernel sees every row, padded
to a bucket (weight 0 on padding; four buckets per doubling) so that refits
on other folds and row counts within a bucket reuse the compiled program. It
samples in the basis whitened for the Normal model, centred at the mode of the
Student-t likelihood (found by iteratively reweighted least squares on the
host) and scaled by its noise scale, so NUTS meets a near-standard-normal
target.
Residuals are evaluated in those whitened, centred coordinates, from float64
residuals at the mode: float32 loses nothing to offsets or to many rows.

The kernel state of one chain ends with ``xi``, the standardised log degrees
of freedom: ``log df = df_loc + df_scale * xi``, centred at the posterior mode
and scaled by its curvature there, since with many rows ``log df`` is known
to a few hundredths (a standard normal dummy when ``df`` is fixed).
"""

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
import scipy.optimize
import scipy.sparse
import scipy.stats
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
#: Noise scale at the mode, relative to the Normal model's, below which the
#: mode is degenerate (a subset of rows fitted exactly).
_DEGENERATE_SCALE = 1e-3


class RowInputs(NamedTuple):
    """Traced row inputs of one target, float32, ``n`` rows padded with weight 0.

    The rows have the ``k`` columns of the unpadded whitened basis: the kernel's
    padding directions have no data, and multiplying by them would only cost.

    Attributes
    ----------
    residual : array of shape (n,)
        Residual of each row at the sampler's centre, in units of ``sigma_ref``.
    rows : array of shape (n, k)
        Each row's design in the whitened basis, over ``sigma_ref``: the
        residual at ``u`` is ``residual - rows @ (u - centre)``.
    shift : array of shape (k,)
        Centre minus prior mode of each direction.
    weight : array of shape (n,)
    learn_df : array of shape ()
        1 when ``df`` is sampled, 0 when it is fixed at ``df``.
    df : array of shape ()
    df_loc, df_scale : array of shape ()
        Location and scale of ``log df`` in the standardised state.
    """

    residual: jax.Array
    rows: jax.Array
    shift: jax.Array
    weight: jax.Array
    learn_df: jax.Array
    df: jax.Array
    df_loc: jax.Array
    df_scale: jax.Array


def padded_rows(n_rows):
    """Number of rows the kernel is compiled for, at least ``n_rows``.

    Four buckets per doubling (multiples of 16 near ``16 * 2**(k / 4)``): at
    most a fifth of the rows are padding, whose cost is that of real rows, and
    the folds of a cross-validation share one bucket.
    """
    bucket, k = _MIN_ROWS, 0
    while bucket < n_rows:
        k += 1
        bucket = _MIN_ROWS * int(np.ceil(2.0 ** (k / 4.0)))
    return bucket


def _log_normaliser(df):
    """Log of the Student-t density's normalising constant, less ``-log sigma``."""
    return gammaln(0.5 * (df + 1.0)) - gammaln(0.5 * df) - 0.5 * jnp.log(jnp.pi * df)


def energy(inputs, extra, rows, x, coef_prior, intercept_prior):
    """Potential energy of the Student-t regression at kernel state ``x``."""
    d = inputs.lik_prec.shape[-1]
    z, tau, xi = x[:d], x[d], x[-1]
    eta = rows.df_loc + rows.df_scale * xi
    t = inputs.t_scale * tau
    decay = jnp.exp(-2.0 * t)
    precision = inputs.lik_prec * decay + inputs.prior_prec
    inv_root = 1.0 / jnp.sqrt(precision)
    # u - centre = z / sqrt(a) - (p / a) * shift, as the Normal model's map.
    k = rows.shift.shape[-1]
    direction = rows.shift * (inputs.prior_prec / precision)[:k] - (z * inv_root)[:k]
    standardised = (rows.residual + rows.rows @ direction) * jnp.exp(-t)
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
    df_energy = jnp.where(learn, -(shape * eta - rate * df), 0.5 * xi * xi)
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


def _log_df_posterior(log_df, residual, sigma, weight):
    """Log posterior density of ``log df`` at fixed residuals and scale."""
    df = np.exp(log_df)
    shape, rate = DF_PRIOR
    log_lik = np.sum(weight * scipy.stats.t.logpdf(residual / sigma, df))
    return log_lik + shape * log_df - rate * df


def _log_df_mode(residual, sigma, weight):
    """Mode of ``log df`` given the residuals and the scale, in [log 0.05, log 1e4]."""
    found = scipy.optimize.minimize_scalar(
        lambda log_df: -_log_df_posterior(log_df, residual, sigma, weight),
        bounds=(np.log(0.05), np.log(1e4)),
        method="bounded",
    )
    return float(found.x)


def _log_df_location(residual, sigma, weight, learn):
    """Mode and curvature scale of ``log df``; ``(0, 1)`` when ``df`` is fixed."""
    if not learn:
        return 0.0, 1.0
    mode = _log_df_mode(residual, sigma, weight)
    step = 1e-3
    values = [
        _log_df_posterior(mode + k * step, residual, sigma, weight) for k in (-1, 0, 1)
    ]
    curvature = -(values[0] - 2.0 * values[1] + values[2]) / step**2
    # A flat or convex profile (too few rows to tell) keeps the unit scale.
    return mode, 1.0 / np.sqrt(curvature) if curvature > 1.0 else 1.0


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
    learn = prior.likelihood_df is None
    df = _PRECONDITIONING_DF if learn else prior.likelihood_df
    known = problem.t_scale == 0.0
    fit = (problem, whitened, y_centred, weight, u_offset)
    centre, sigma = _robust_centre(*fit, df, problem.sigma_ref, known)
    if learn:
        # One more round at the mode of df (an ECME step).
        df = np.exp(_log_df_mode(y_centred - whitened @ centre, sigma, weight))
        centre, sigma = _robust_centre(*fit, df, sigma, known)
    df_loc, df_scale = _log_df_location(
        y_centred - whitened @ centre, sigma, weight, learn
    )
    if not known and sigma < _DEGENERATE_SCALE * problem.sigma_ref:
        # Rows fitted exactly pull the mode's noise scale to 0; the Normal
        # model's basis and scale are the better start then.
        centre, sigma = problem.lik_mode - u_offset, problem.sigma_ref
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
    return robust, RowInputs(
        residual=(y_centred - whitened @ centre) / sigma,
        rows=whitened / sigma,
        shift=robust.lik_mode - robust.prior_mode,
        weight=weight,
        learn_df=np.float64(learn),
        df=np.float64(1.0 if learn else prior.likelihood_df),
        df_loc=np.float64(df_loc),
        df_scale=np.float64(df_scale),
    )


def kernel_rows(rows, dim):
    """Float32 :class:`RowInputs`, rows padded to a bucket (``dim`` is unused)."""
    n_rows = rows.rows.shape[0]
    n_pad = padded_rows(n_rows)

    def padded(values):
        out = np.zeros((n_pad,) + values.shape[1:])
        out[:n_rows] = values
        return out.astype(np.float32)

    return RowInputs(
        residual=padded(rows.residual),
        rows=padded(rows.rows),
        shift=rows.shift.astype(np.float32),
        weight=padded(rows.weight),
        learn_df=np.float32(rows.learn_df),
        df=np.float32(rows.df),
        df_loc=np.float32(rows.df_loc),
        df_scale=np.float32(rows.df_scale),
    )


def parameters(prior, rows, x):
    """``df`` draws from kernel states (the fixed value when not learned)."""
    xi = np.asarray(x[..., -1], dtype=np.float64)
    if prior.likelihood_df is None:
        return {"df": np.exp(rows.df_loc + rows.df_scale * xi)}
    return {"df": np.full(xi.shape, float(prior.likelihood_df))}


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
