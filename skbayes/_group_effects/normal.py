"""Normal group-level effects: varying intercepts and slopes, partially pooled.

The model of one target, for a row ``i`` of group ``g``::

    y_i = intercept + x_i @ coef + u[g] + x_i[J] @ v[g] + noise_i
    (u[g], v[g, j]) ~ Normal(0, (tau_0, tau_j)) independently
    tau_j ~ HalfNormal(tau_scale_j)

with Normal priors on the intercept and ``coef`` and any noise prior. Given
``sigma`` and ``tau`` every coefficient is jointly Gaussian, so they are
integrated out exactly: the sampler runs NUTS on ``(log sigma, log tau)``
only, which has no funnel however weakly the groups are identified, and the
coefficients are drawn exactly from their conditional Gaussian afterwards.

The data enter through one R factor per group (rows never): writing
``gamma = (intercept at the mean of X, coef)`` and ``w[g]`` for the group's
effects in the same centred columns, the group's rows rotated by the Q of
its factor are ``yz = Fz gamma + Rz w + e`` in the first ``m`` (varying)
directions and ``Fr gamma + e`` in the others. Integrating ``w`` out leaves
``yz ~ Normal(Fz gamma, sigma^2 N)`` with ``N = I + B B' / sigma^2``,
``B = Rz U diag(tau)``: one ``m x m`` Cholesky per group, then one of the
population's precision. Every term is a sum of positive semi-definite parts,
so nothing cancels; the sampler still runs in float64 (these determinants
span the whole range of the data's scale), only for this model.
"""

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import solve_triangular

from .._compiled import compiled
from .._noise_priors import NOISE_FAMILIES, log_noise_prior
from .._precision import float64
from .._suffstats import _triangular_factor


class GroupInputs(NamedTuple):
    """Traced inputs of the kernel for one target (float64).

    ``m`` is the number of varying effects, ``d`` of population coefficients
    (padded: directions beyond the model's have unit prior precision and no
    data) and ``G`` of groups (padded with groups without rows).

    Attributes
    ----------
    rz_u : array of shape (m, m, G)
        Each group's ``Rz U``: its factor in the varying columns, times the
        map from the raw varying effects to the centred columns.
    fzy : array of shape (m, G, d + 1)
        ``[Fz | yz]``: the population design in the group's varying directions
        and the residuals from the reference fit there. The group axis comes
        after the matrices' rows, so that each entry of every group is one
        contiguous vector: the kernel works on the small matrices entry by
        entry.
    gram, cross, rss : arrays of shape (d, d), (d,), ()
        What the other directions of every group add: ``Fr'Fr``, ``Fr'yr``
        and the residual sum of squares.
    prior_prec : array of shape (d, d)
        Prior precision of ``gamma`` (zero in flat directions).
    prior_pull : array of shape (d,)
        Prior precision times (prior mean minus the reference fit).
    n_obs : array of shape ()
        Total weight of the rows.
    log_sigma_centre, log_sigma_scale : arrays of shape ()
        ``log sigma = centre + scale * x[0]``; the centre is the known noise
        scale's log when the noise is known.
    tau_unit : array of shape (m,)
        ``tau = tau_unit * exp(x[1:] / 2)`` (see :func:`energy`).
    tau_scale : array of shape (m,)
        Scales of the half-normal priors of ``tau``.
    noise_family : array of shape (), int32
        Index of :data:`skbayes._noise_priors.NOISE_FAMILIES`.
    noise_scale, noise_df : arrays of shape ()
    """

    rz_u: jax.Array
    fzy: jax.Array
    gram: jax.Array
    cross: jax.Array
    rss: jax.Array
    prior_prec: jax.Array
    prior_pull: jax.Array
    n_obs: jax.Array
    log_sigma_centre: jax.Array
    log_sigma_scale: jax.Array
    tau_unit: jax.Array
    tau_scale: jax.Array
    noise_family: jax.Array
    noise_scale: jax.Array
    noise_df: jax.Array


class Conditional(NamedTuple):
    """The Gaussian posterior of ``gamma`` given ``(sigma, tau)``, and the evidence.

    Its precision is ``chol @ chol.T`` and its mean ``chol^-T whitened``.
    """

    chol: jax.Array
    whitened: jax.Array
    log_marginal: jax.Array

    @property
    def mean(self):
        return _solve_lower(self.chol, self.whitened[..., None], transposed=True)[
            ..., 0
        ]


#: Largest matrix factored and solved by unrolled loops. Unrolled, a batch of
#: small matrices (one per group) is a few elementwise operations per entry,
#: not a LAPACK call per matrix, and the program calls no host kernels, so it
#: can be cached on disk; beyond this size the program grows too large.
_UNROLLED_MAX = 8


def _cholesky(matrices):
    """Lower Cholesky factors of a batch ``(..., d, d)`` of SPD matrices."""
    d = matrices.shape[-1]
    if d > _UNROLLED_MAX:
        return jnp.linalg.cholesky(matrices)
    factor = _entrywise_cholesky(lambda i, j: matrices[..., i, j], d)
    zero = jnp.zeros_like(matrices[..., 0, 0])
    rows = [
        jnp.stack([factor[i][j] if j <= i else zero for j in range(d)], axis=-1)
        for i in range(d)
    ]
    return jnp.stack(rows, axis=-2)


def _solve_lower(chol, rhs, transposed=False):
    """``L^-1 rhs`` (or ``L^-T rhs``): ``L`` (..., d, d) lower, ``rhs`` (..., d, k)."""
    d = chol.shape[-1]
    if d > _UNROLLED_MAX:
        return solve_triangular(chol, rhs, lower=True, trans=int(transposed))
    order = range(d - 1, -1, -1) if transposed else range(d)
    solved = {}
    for i in order:
        done = list(solved)
        row = rhs[..., i, :] - sum(
            (chol[..., k, i] if transposed else chol[..., i, k])[..., None] * solved[k]
            for k in done
        )
        solved[i] = row / chol[..., i, i][..., None]
    return jnp.stack([solved[i] for i in range(d)], axis=-2)


def _entrywise_cholesky(entry, m):
    """Lower Cholesky factor, as nested lists, of the matrices ``entry(i, j)``.

    Each entry is a vector over the groups, so the whole batch is a few
    elementwise operations per entry, which XLA fuses (the program grows as
    ``m**3``: a model has a few varying effects, not dozens).
    """
    factor = [[None] * m for _ in range(m)]
    for j in range(m):
        factor[j][j] = jnp.sqrt(entry(j, j) - sum(factor[j][k] ** 2 for k in range(j)))
        for i in range(j + 1, m):
            off = entry(i, j) - sum(factor[i][k] * factor[j][k] for k in range(j))
            factor[i][j] = off / factor[j][j]
    return factor


def _group_terms(inputs, tau, sigma2):
    """What the groups' varying directions add, summed over the groups.

    Returns ``sum log|N|`` and the ``(d + 1, d + 1)`` matrix ``sum [Fz, yz]'
    N^-1 [Fz, yz]``.
    """
    m = tau.shape[-1]
    b = [[inputs.rz_u[i, j] * tau[j] for j in range(m)] for i in range(m)]

    def entry(i, j):
        product = sum(b[i][k] * b[j][k] for k in range(m)) / sigma2
        return product + 1.0 if i == j else product

    factor = _entrywise_cholesky(entry, m)
    whitened = []
    for i in range(m):
        row = inputs.fzy[i] - sum(factor[i][k][:, None] * whitened[k] for k in range(i))
        whitened.append(row / factor[i][i][:, None])
    flat = jnp.concatenate(whitened)
    log_det = 2.0 * sum(jnp.sum(jnp.log(factor[j][j])) for j in range(m))
    return log_det, flat.T @ flat


def conditional(inputs, log_sigma, tau):
    """Posterior of ``gamma`` (about the reference fit) given ``sigma`` and ``tau``.

    Returns
    -------
    Conditional
        The Cholesky factor of its precision, its mean, and ``log p(y | sigma,
        tau)`` up to a constant.
    """
    sigma2 = jnp.exp(2.0 * log_sigma)
    log_det, products = _group_terms(inputs, tau, sigma2)
    d = inputs.gram.shape[-1]
    precision = inputs.prior_prec + (inputs.gram + products[:d, :d]) / sigma2
    pull = inputs.prior_pull + (inputs.cross + products[:d, d]) / sigma2
    chol = _cholesky(precision)
    whitened = _solve_lower(chol, pull[:, None])[:, 0]
    log_marginal = (
        -inputs.n_obs * log_sigma
        - 0.5 * log_det
        - jnp.sum(jnp.log(jnp.diagonal(chol)))
        - 0.5 * ((inputs.rss + products[d, d]) / sigma2 - whitened @ whitened)
    )
    return Conditional(chol, whitened, log_marginal)


def _scales(inputs, x):
    known = inputs.noise_family == NOISE_FAMILIES["fixed"]
    log_sigma = inputs.log_sigma_centre + jnp.where(
        known, 0.0, inputs.log_sigma_scale * x[0]
    )
    return known, log_sigma, inputs.tau_unit * jnp.exp(_LOG_TAU_SCALE * x[1:])


#: ``tau = tau_unit * exp(_LOG_TAU_SCALE * x)``, ``tau_unit`` this share of
#: the prior scale of ``tau``: the chains start spread over a factor of e
#: either side of half the prior scale (see :func:`energy`).
_TAU_UNIT = 0.5
_LOG_TAU_SCALE = 0.5


def state_size(inputs):
    """``(log sigma, log tau_1, ..., log tau_m)``, standardised."""
    return 1 + inputs.tau_unit.shape[-1]


def energy(inputs, x):
    """``-log p(x | y)`` up to a constant.

    ``x = (standardised log sigma, standardised log tau)``. On ``log tau``
    the steep fall of the likelihood below a well-identified ``tau`` is gentle
    enough for NUTS's steps. Measured against two alternatives that are linear
    near ``tau = 0`` (``tau = c |x|`` and ``tau = c |sinh x|``, whose densities
    are even in ``x`` as the likelihood depends on ``tau**2``): on the radon
    varying-slopes model they took fewer leapfrog steps and doubled the ESS of
    the slopes' sd, whose mass reaches down to zero, but on data of a few
    groups both diverged where this map does not.
    """
    known, log_sigma, tau = _scales(inputs, x)
    log_density = conditional(inputs, log_sigma, tau).log_marginal
    # Half-normal priors of tau; the Jacobian of tau = tau_unit |x| is constant.
    ratio = tau / inputs.tau_scale
    # The log Jacobian of tau = tau_unit exp(scale x) is scale x.
    log_jacobian = _LOG_TAU_SCALE * x[1:]
    log_density = log_density + jnp.sum(log_jacobian - 0.5 * ratio * ratio)
    sigma_prior = (
        log_noise_prior(
            inputs.noise_family,
            jnp.exp(log_sigma) / inputs.noise_scale,
            inputs.noise_df,
        )
        + log_sigma
    )
    # A known noise scale leaves a decoupled standard normal dummy state.
    log_density = log_density + jnp.where(known, -0.5 * x[0] * x[0], sigma_prior)
    return -log_density


def _pad(array, shape, fill=0.0):
    out = np.full(shape, fill)
    out[tuple(slice(0, n) for n in array.shape)] = array
    return out


@dataclass(frozen=True)
class GroupFit:
    """One target's reduction of the per-group statistics, in float64.

    Attributes
    ----------
    inputs : GroupInputs
        Unpadded.
    reference : ndarray of shape (d,)
        The pooled least-squares fit ``gamma`` is measured from.
    order : ndarray of shape (n_features,)
        Feature of each population coefficient after the intercept: the
        varying-slope features first.
    x_mean : ndarray of shape (n_features,)
    y_mean : float
        The centre of the columns and of y (the weighted means of all rows).
    slopes : ndarray of shape (m - 1,)
        Features with varying slopes.
    """

    inputs: GroupInputs
    reference: np.ndarray
    order: np.ndarray
    x_mean: np.ndarray
    y_mean: float
    slopes: np.ndarray

    def kernel_inputs(self, dim, n_groups):
        """Inputs padded to ``dim`` population directions and ``n_groups`` groups."""
        inputs = self.inputs
        d = inputs.gram.shape[0]
        m = inputs.rz_u.shape[0]
        padded_prec = _pad(inputs.prior_prec, (dim, dim))
        padded_prec[d:, d:] = np.eye(dim - d)
        fzy = _pad(inputs.fzy[..., :d], (m, n_groups, dim + 1))
        fzy[:, : inputs.fzy.shape[1], dim] = inputs.fzy[..., d]
        return inputs._replace(
            rz_u=_pad(inputs.rz_u, (m, m, n_groups)),
            fzy=fzy,
            gram=_pad(inputs.gram, (dim, dim)),
            cross=_pad(inputs.cross, (dim,)),
            prior_prec=padded_prec,
            prior_pull=_pad(inputs.prior_pull, (dim,)),
        )

    def draws(self, states, rng, inputs, chunk=512):
        """Exact draws of every coefficient, and Rao-Blackwellised means.

        Parameters
        ----------
        states : ndarray of shape (n_draws, 1 + m)
            The sampler's standardised states.
        rng : numpy.random.Generator
        inputs : GroupInputs
            The padded inputs the sampler ran on (padding costs nothing, and
            one compiled program serves every chunk and fold).
        chunk : int, default=512
            Draws per call of the compiled program.

        Returns
        -------
        draws : dict of ndarray
            ``intercept`` (n_draws,), ``coef`` (n_draws, n_features), ``sigma``
            (n_draws,), ``group_effects`` (n_draws, G, m) on the raw varying
            columns (intercept first, then the slopes), ``group_sd`` (n_draws, m).
        means : dict of ndarray
            ``intercept`` (), ``coef`` (n_features,) and ``group_effects`` (G, m):
            means of the conditional means over the draws.
        """
        n_draws = states.shape[0]
        groups, d = self.inputs.rz_u.shape[-1], self.inputs.gram.shape[0]
        m, n_groups = inputs.rz_u.shape[1:]
        padded = -(-n_draws // chunk) * chunk
        states = np.concatenate([states, np.zeros((padded - n_draws, states.shape[1]))])
        noise = rng.standard_normal((padded, inputs.gram.shape[0]))
        group_noise = rng.standard_normal((padded, n_groups, m))
        args = (inputs, states[:chunk], noise[:chunk], group_noise[:chunk])
        # float64, as the sampler (see the module's docstring).
        with float64():
            program = compiled(conditional_draws, "group_draws", {}, args, lambda: args)
            pieces = [
                program(
                    inputs,
                    *(a[start : start + chunk] for a in (states, noise, group_noise)),
                )
                for start in range(0, padded, chunk)
            ]
        gamma, gamma_mean, sigma, tau, effects, effects_mean = (
            np.concatenate([np.asarray(piece[k]) for piece in pieces])[:n_draws]
            for k in range(6)
        )
        draws = {**self._coefficients(gamma[:, :d]), "sigma": sigma}
        draws.update(group_effects=effects[:, :groups], group_sd=tau)
        means = {
            name: values.mean(axis=0)
            for name, values in self._coefficients(gamma_mean[:, :d]).items()
        }
        means["group_effects"] = effects_mean[:, :groups].mean(axis=0)
        return draws, means

    def _coefficients(self, gamma):
        """``gamma`` about the reference -> the intercept at x = 0 and coef."""
        gamma = np.asarray(gamma) + self.reference
        coef = np.empty((gamma.shape[0], self.order.shape[0]))
        coef[:, self.order] = gamma[:, 1:]
        intercept = self.y_mean + gamma[:, 0] - coef @ self.x_mean
        return {"intercept": intercept, "coef": coef}


def conditional_draws(inputs, states, noise, group_noise):
    """Exact draws of the coefficients given each state of the sampler (JAX).

    Returns
    -------
    gamma, gamma_mean : arrays of shape (n, d)
        Draws of the population coefficients (about the reference fit) and
        their conditional means.
    sigma : array of shape (n,)
    tau : array of shape (n, m)
    effects, effects_mean : arrays of shape (n, G, m)
        Draws of the groups' raw effects and their conditional means.
    """
    _, log_sigma, tau = jax.vmap(_scales, in_axes=(None, 0))(inputs, states)
    given = jax.vmap(conditional, in_axes=(None, 0, 0))(inputs, log_sigma, tau)
    gamma_mean = given.mean
    # gamma = mean + L^-T xi has covariance (L L')^-1.
    gamma = (
        gamma_mean + _solve_lower(given.chol, noise[..., None], transposed=True)[..., 0]
    )
    sigma = jnp.exp(log_sigma)
    effects, effects_mean = jax.vmap(_group_effects, in_axes=(None, 0, 0, 0, 0, 0))(
        inputs, gamma, gamma_mean, sigma, tau, group_noise
    )
    return gamma, gamma_mean, sigma, tau, effects, effects_mean


def _group_effects(inputs, gamma, gamma_mean, sigma, tau, noise):
    """Draws of every group's raw effects given ``gamma``, and their means.

    In units of ``tau`` the effects ``eta`` have precision ``I + B'B / sigma^2``
    and mean ``P^-1 B' (yz - Fz gamma) / sigma^2``; the effects are ``tau * eta``.
    """
    sigma2 = sigma * sigma

    def one_group(rz_u, fz, yz, z):
        b = rz_u * tau
        precision = jnp.eye(tau.shape[0]) + b.T @ b / sigma2
        chol = _cholesky(precision)

        def mean_at(g):
            pull = b.T @ (yz - fz @ g) / sigma2
            whitened = _solve_lower(chol, pull[:, None])
            return _solve_lower(chol, whitened, transposed=True)[:, 0]

        draw = mean_at(gamma) + _solve_lower(chol, z[:, None], transposed=True)[:, 0]
        return tau * draw, tau * mean_at(gamma_mean)

    fzy = jnp.moveaxis(inputs.fzy, 1, 0)
    return jax.vmap(one_group)(
        jnp.moveaxis(inputs.rz_u, -1, 0), fzy[..., :-1], fzy[..., -1], noise
    )


def _group_factors(statistics, order):
    """Each group's R factor of ``sqrt(w) [1, x[order] - x_mean, y - y_mean]``."""
    pooled = statistics.pooled
    p = pooled.n_features
    columns = np.concatenate([order, [p]])
    factors = []
    for group in statistics.groups:
        top = np.sqrt(group.n_obs) * np.concatenate(
            [[1.0], (group.mean - pooled.mean)[columns]]
        )
        below = np.column_stack([np.zeros(p + 1), group.r_factor[:, columns]])
        factors.append(_triangular_factor(np.vstack([top[None], below])))
    return np.stack(factors)


def _refuse_exact_fit(rest, rss, total, d):
    """Raise if ``y`` is fitted exactly by the coefficients and every group's effects.

    The smallest residual sum of squares over all coefficients and effects is
    that of the other directions' least squares; if it vanishes at float64's
    resolution of ``y``, the posterior of ``sigma`` piles up at zero and is
    improper. ``total`` is the weighted sum of squares of ``y`` about its mean.
    """
    fr = rest[..., :d].reshape(-1, d)
    yr = rest[..., d].reshape(-1)
    explained = yr @ fr @ np.linalg.lstsq(fr, yr, rcond=None)[0] if fr.size else 0.0
    residual = rss - explained
    if residual <= 16 * np.finfo(float).eps * total:
        raise ValueError(
            "y is an exact linear function of X and the group effects: the "
            "posterior of the noise scale is improper (it piles up at sigma = 0). "
            "Pass noise= to assume a noise level."
        )


def _population_prior(prior, order, x_mean, y_mean):
    """Precision and precision-times-mean of the Gaussian prior of ``gamma``.

    ``gamma`` is that of ``y - y_mean``: the intercept's location moves with it.
    """
    loc = np.concatenate([[prior.intercept_loc - y_mean], prior.coef_loc[order]])

    def precision(scale):
        return 0.0 if scale is None else 1.0 / np.square(scale)

    coef_scale = None if prior.coef_scale is None else prior.coef_scale[order]
    diagonal = np.concatenate(
        [
            np.atleast_1d(precision(prior.intercept_scale)),
            np.broadcast_to(precision(coef_scale), order.shape),
        ]
    )
    # gamma = (intercept at the mean of X, coef); a prior on the intercept at
    # x = 0 sees intercept = gamma_0 - x_mean @ coef.
    to_prior = np.eye(loc.shape[0])
    if not prior.intercept_centred:
        to_prior[0, 1:] = -x_mean[order]
    prec = to_prior.T @ (diagonal[:, None] * to_prior)
    return prec, to_prior.T @ (diagonal * loc)


def prepare(statistics, prior, slopes, tau_scale):
    """Reduce one target's per-group statistics for the sampler.

    Parameters
    ----------
    statistics : GroupStatistics
        Per-group statistics of one target.
    prior : Prior
        With Normal (or flat) priors on the intercept and coefficients.
    slopes : ndarray of int
        Features whose slopes vary by group.
    tau_scale : ndarray of shape (1 + len(slopes),)
        Scales of the half-normal priors of the group-level sds.

    Returns
    -------
    GroupFit
    """
    pooled = statistics.pooled
    p = pooled.n_features
    slopes = np.asarray(slopes, dtype=np.intp)
    order = np.concatenate(
        [slopes, np.setdiff1d(np.arange(p), slopes, assume_unique=True)]
    ).astype(np.intp)
    m, d = 1 + slopes.shape[0], 1 + p
    x_mean = pooled.x_mean
    factors = _group_factors(statistics, order)
    # Residuals from the pooled least-squares fit keep every quadratic form of
    # the energy of the size of the residuals, not of y.
    stacked = factors.reshape(-1, d + 1)
    reference = np.linalg.lstsq(stacked[:, :d], stacked[:, d], rcond=None)[0]
    total = float(np.sum(factors[..., d] ** 2))
    factors[:, :, d] -= factors[:, :, :d] @ reference
    # The raw varying effects (u, v) act on the centred columns as w = U (u, v).
    to_centred = np.eye(m)
    to_centred[0, 1:] = x_mean[slopes]
    rest = factors[:, m:d]
    rss = float(np.sum(factors[:, m:, d] ** 2))
    y_mean = float(pooled.y_mean[0])
    if prior.noise is None:
        _refuse_exact_fit(rest, rss, total, d)
    prior_prec, prior_pull = _population_prior(prior, order, x_mean, y_mean)
    n_obs = pooled.n_obs
    dof = n_obs - p - m * len(statistics.groups)
    dof = dof if dof >= 1 else n_obs
    if prior.noise is not None:
        log_sigma_centre, family = np.log(prior.noise), NOISE_FAMILIES["fixed"]
    else:
        spread = (
            np.sqrt(rss / dof)
            if rss > 0
            else np.sqrt(np.sum(factors[..., d] ** 2) / n_obs)
        )
        log_sigma_centre = np.log(spread if spread > 0 else prior.noise_scale)
        family = NOISE_FAMILIES[prior.noise_prior]
    inputs = GroupInputs(
        rz_u=np.moveaxis(factors[:, :m, :m] @ to_centred, 0, -1),
        fzy=np.moveaxis(factors[:, :m, :], 0, 1),
        gram=np.einsum("gki,gkj->ij", rest[..., :d], rest[..., :d]),
        cross=np.einsum("gki,gk->i", rest[..., :d], rest[..., d]),
        rss=np.float64(rss),
        prior_prec=prior_prec,
        prior_pull=prior_pull - prior_prec @ reference,
        n_obs=np.float64(n_obs),
        log_sigma_centre=np.float64(log_sigma_centre),
        log_sigma_scale=np.float64(1.0 / np.sqrt(2.0 * dof)),
        tau_unit=_TAU_UNIT * np.asarray(tau_scale, dtype=np.float64),
        tau_scale=np.asarray(tau_scale, dtype=np.float64),
        noise_family=np.int32(family),
        noise_scale=np.float64(prior.noise_scale),
        noise_df=np.float64(prior.noise_df),
    )
    return GroupFit(inputs, reference, order, x_mean, y_mean, slopes)
