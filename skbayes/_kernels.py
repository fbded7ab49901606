"""Compiled NUTS kernel for the whitened linear-Gaussian posterior.

The kernel sees only the small arrays of a
:class:`~skbayes._whitening.WhitenedProblem` (one entry per coefficient
direction), never the data. Its compiled form therefore depends on the number
of directions (padded to a bucket), targets and chains, the warmup schedule
and the coefficient prior, and is reused for any number of rows or draws, any
prior setting and any seed (the draws come in segments of :data:`SEGMENT`
iterations).

The sampled state of one chain is ``x = (z_1, ..., z_d, tau)``:

* ``z`` are whitened coefficients. Given the noise scale, the coefficients are
  Gaussian with a diagonal precision in the basis of the problem, so
  ``u_k = base_k + w_k(t) * shift_k + z_k / sqrt(a_k(t))`` makes ``z`` exactly
  standard normal and independent of the noise.
* ``tau`` is the standardised log noise scale:
  ``sigma = sigma_ref * exp(t)`` with ``t = t_scale * tau``.

The potential energy is the negative log joint density of ``x`` (Jacobians
included), written so that float32 stays accurate for any number of rows.
"""

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from numpyro.infer.hmc import hmc

from ._noise_priors import NOISE_FAMILIES, log_noise_prior

_trace_count = 0


def trace_count():
    """Number of times a sampler program has been traced (i.e. compiled) so far.

    Returns
    -------
    count : int
        Incremented once per trace of :func:`sample_segment`; a refit that
        reuses the compiled program, from memory or from the disk cache, leaves
        it unchanged.
    """
    return _trace_count


class KernelInputs(NamedTuple):
    """Traced inputs of the kernel for one target.

    All arrays are float32; ``(d,)`` arrays have one entry per whitened
    direction, zero-padded (``lik_prec=0``, ``prior_prec=1``) to the bucket size.

    Attributes
    ----------
    lik_prec : array of shape (d,)
        Likelihood precision ``q_k`` of each direction at ``sigma = sigma_ref``.
    prior_prec : array of shape (d,)
        Prior precision ``p_k`` of each direction.
    scaled_shift : array of shape (d,)
        Least-squares minus prior location of each direction, times
        ``sqrt(lik_prec)``: the prior/data conflict in units of the likelihood's
        sd, which float32 holds however tight or wide the prior is.
    n_obs : array of shape ()
        Total weight of the observations.
    rss_ratio : array of shape ()
        Minimal residual sum of squares over ``n_obs * sigma_ref**2``.
    t_scale : array of shape ()
        Scale of ``tau`` on the log-noise axis, about its posterior sd.
    ref_over_prior : array of shape ()
        ``sigma_ref`` divided by the scale of the noise prior.
    family : array of shape (), int32
        Noise prior family, an index of
        :data:`skbayes._noise_priors.NOISE_FAMILIES`.
    noise_df : array of shape ()
        Degrees of freedom of the noise prior (read by the half-Student-t only).
    """

    lik_prec: jax.Array
    prior_prec: jax.Array
    scaled_shift: jax.Array
    n_obs: jax.Array
    rss_ratio: jax.Array
    t_scale: jax.Array
    ref_over_prior: jax.Array
    family: jax.Array
    noise_df: jax.Array


@jax.custom_jvp
def _excess_log_noise(t):
    """``t + expm1(-2 t) / 2``, which is ``t**2 + O(t**3)``, without cancellation.

    Times ``n_obs`` this is the profile of the Gaussian log-likelihood in the
    log noise scale around its maximum; both the value and the derivative are
    evaluated so that float32 holds its relative precision near ``t = 0``.
    """
    series = t * t * (1.0 + t * (-2.0 / 3.0 + t * (1.0 / 3.0 - t * (2.0 / 15.0))))
    direct = t + 0.5 * jnp.expm1(-2.0 * t)
    return jnp.where(jnp.abs(t) < 1e-2, series, direct)


@_excess_log_noise.defjvp
def _excess_log_noise_jvp(primals, tangents):
    (t,), (t_dot,) = primals, tangents
    return _excess_log_noise(t), -jnp.expm1(-2.0 * t) * t_dot


def potential_energy(inputs, x):
    """Negative log joint density of the whitened state ``x = (z, tau)``.

    Parameters
    ----------
    inputs : KernelInputs
        The whitened problem of one target.
    x : array of shape (d + 1,)
        Whitened coefficients followed by the standardised log noise scale
        (and, for shrinkage priors, their extra states, which are ignored here).

    Returns
    -------
    energy : array of shape ()
        Potential energy, up to an additive constant.
    """
    d = inputs.lik_prec.shape[-1]
    z, tau = x[:d], x[d]
    t = inputs.t_scale * tau
    q, p = inputs.lik_prec, inputs.prior_prec
    decay = jnp.exp(-2.0 * t)
    precision = q * decay + p
    # Gaussian likelihood profiled over the coefficients, with the normaliser of
    # the conditional Gaussian of each direction and the prior/data conflict.
    log_lik = -inputs.n_obs * (
        (1.0 - inputs.rss_ratio) * t + inputs.rss_ratio * _excess_log_noise(t)
    )
    known = inputs.family == NOISE_FAMILIES["fixed"]
    log_det = -0.5 * jnp.sum(jnp.log(precision))
    # The noise terms are discarded for a known noise scale; zeroing the shift
    # keeps them finite, as a NaN in a discarded branch still reaches the
    # gradient.
    shift = jnp.where(known, 0.0, inputs.scaled_shift)
    conflict = -0.5 * jnp.sum(decay * p / precision * shift**2)
    ratio = inputs.ref_over_prior * jnp.exp(t)
    log_sigma = (
        log_lik
        + log_det
        + conflict
        + log_noise_prior(inputs.family, ratio, inputs.noise_df)
        + t
    )
    energy_sigma = jnp.where(known, 0.5 * tau * tau, -log_sigma)
    return 0.5 * jnp.dot(z, z) + energy_sigma


#: Coefficient priors of :func:`run_nuts`; "normal" needs no correction.
COEF_PRIORS = ("normal", "student_t", "laplace", "horseshoe")


class ShrinkageInputs(NamedTuple):
    """Traced inputs of a Student-t or Laplace coefficient prior, for one target.

    The sampler works in the basis whitened for a Normal *reference* prior on
    the coefficients (:class:`KernelInputs`); these inputs turn the reference
    into the actual prior by adding ``log prior - log reference`` of the
    coefficients to the log density. All arrays are float32 with one entry per
    direction; entries outside ``coef_mask`` are unused.

    Attributes
    ----------
    transform : array of shape (d, d)
        Whitened coordinates ``u`` to ``theta`` (identity on padding).
    prior_mode : array of shape (d,)
        Location of ``u`` under the reference prior.
    coef_mask : array of shape (d,)
        1 on the rows of ``theta`` that are coefficients, else 0.
    coef_loc, coef_scale : array of shape (d,)
        Location and scale of each coefficient's Student-t or Laplace prior.
    ref_scale : array of shape (d,)
        Scale of the reference Normal prior of each coefficient (1 on unused
        entries).
    df : array of shape ()
        Degrees of freedom of the Student-t prior.
    """

    transform: jax.Array
    prior_mode: jax.Array
    coef_mask: jax.Array
    coef_loc: jax.Array
    coef_scale: jax.Array
    ref_scale: jax.Array
    df: jax.Array


def _coefficients(inputs, shrinkage, x):
    """Standardised coefficients ``theta`` of a kernel state (as ``unwhiten``)."""
    d = inputs.lik_prec.shape[-1]
    decay = jnp.exp(-2.0 * inputs.t_scale * x[d])
    precision = inputs.lik_prec * decay + inputs.prior_prec
    # q exp(-2t) / a times the shift, from the scaled shift.
    data_pull = jnp.sqrt(inputs.lik_prec) * decay / precision
    u = (
        shrinkage.prior_mode
        + data_pull * inputs.scaled_shift
        + x[:d] / jnp.sqrt(precision)
    )
    return shrinkage.transform @ u


def _shrinkage_energy(coef_prior, inputs, shrinkage, x):
    """``-(log prior - log reference)`` of the coefficients."""
    mask = shrinkage.coef_mask
    deviation = _coefficients(inputs, shrinkage, x) - shrinkage.coef_loc
    reference = 0.5 * (deviation / shrinkage.ref_scale) ** 2
    ratio = deviation / shrinkage.coef_scale
    if coef_prior == "student_t":
        df = shrinkage.df
        energy = 0.5 * (df + 1.0) * jnp.log1p(ratio**2 / df)
        return jnp.sum(mask * (energy - reference))
    if coef_prior == "laplace":
        return jnp.sum(mask * (jnp.abs(ratio) - reference))
    raise ValueError(f"unknown coefficient prior {coef_prior!r}")


class HorseshoeInputs(NamedTuple):
    """Traced inputs of the non-centred regularised horseshoe, for one target.

    Coefficients are ``theta_j = coef_loc_j + coef_scale_j * global * shrunk_j *
    zeta_j`` with ``zeta_j`` standard normal (Piironen and Vehtari, 2017); the
    intercept at the feature means is ``y_mean + intercept_step * a``. The
    likelihood comes from the standardised Gram matrix. All arrays are float32;
    rows outside ``coef_mask`` (the intercept, padding) are unused.

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
    intercept_loc, intercept_prec : array of shape ()
        Its location and precision (0 for a flat prior).
    df, global_scale : array of shape ()
        Slab degrees of freedom and global scale.
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
    intercept_prec: jax.Array
    df: jax.Array
    global_scale: jax.Array


def horseshoe_theta(horseshoe, x):
    """``theta`` and the horseshoe's variances from a kernel state.

    Returns
    -------
    theta : array of shape (d,)
    local2 : array of shape (d,)
        Squared local scales.
    global2, slab2 : array of shape ()
        Squared global scale and slab variance.
    """
    d = horseshoe.coef_mask.shape[-1]
    zeta, log_local = x[:d], x[d + 1 : 2 * d + 1]
    log_global, log_slab = x[2 * d + 1], x[2 * d + 2]
    local2 = jnp.exp(2.0 * log_local)
    global2 = horseshoe.global_scale**2 * jnp.exp(2.0 * log_global)
    slab2 = jnp.exp(log_slab)
    shrunk = jnp.sqrt(slab2 * local2 / (slab2 + global2 * local2))
    coef = horseshoe.coef_loc + horseshoe.coef_scale * jnp.sqrt(global2) * shrunk * zeta
    intercept = horseshoe.theta_ols + horseshoe.intercept_step * zeta
    theta = jnp.where(horseshoe.coef_mask > 0, coef, 0.0) + jnp.where(
        horseshoe.intercept_mask > 0, intercept, 0.0
    )
    return theta, local2, global2, slab2


def horseshoe_energy(inputs, horseshoe, x):
    """Potential energy of the non-centred regularised horseshoe model."""
    d = horseshoe.coef_mask.shape[-1]
    tau = x[d]
    t = inputs.t_scale * tau
    theta, local2, global2, slab2 = horseshoe_theta(horseshoe, x)
    deviation = theta - horseshoe.theta_ols
    # RSS(theta) = RSS_min + (theta - theta_ols)' Q (theta - theta_ols).
    quad = 0.5 * jnp.exp(-2.0 * t) * deviation @ (horseshoe.gram @ deviation)
    log_lik = -inputs.n_obs * (
        (1.0 - inputs.rss_ratio) * t + inputs.rss_ratio * _excess_log_noise(t)
    )
    ratio = inputs.ref_over_prior * jnp.exp(t)
    known = inputs.family == NOISE_FAMILIES["fixed"]
    noise_energy = jnp.where(
        known,
        0.5 * tau * tau,
        -(log_lik + log_noise_prior(inputs.family, ratio, inputs.noise_df) + t),
    )
    intercept_energy = (
        0.5
        * horseshoe.intercept_prec
        * (horseshoe.intercept_direction @ theta - horseshoe.intercept_loc) ** 2
    )
    mask = horseshoe.coef_mask
    zeta, log_local = x[:d], x[d + 1 : 2 * d + 1]
    log_global, log_slab = x[2 * d + 1], x[2 * d + 2]
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
        + noise_energy
        + intercept_energy
        # The intercept's state has its own prior above.
        + 0.5 * jnp.sum((1.0 - horseshoe.intercept_mask) * zeta**2)
        + jnp.sum(local_energy)
        + global_energy
        + slab_energy
    )


def extra_state_size(coef_prior, d):
    """Number of kernel states beyond ``(z, tau)`` for a coefficient prior."""
    return d + 2 if coef_prior == "horseshoe" else 0


def _potential_fn_gen(inputs, shrinkage=None, coef_prior="normal"):
    if coef_prior == "normal":
        return partial(potential_energy, inputs)
    if coef_prior == "horseshoe":
        return partial(horseshoe_energy, inputs, shrinkage)

    def energy(x):
        return potential_energy(inputs, x) + _shrinkage_energy(
            coef_prior, inputs, shrinkage, x
        )

    return energy


class ChainDraws(NamedTuple):
    """Per-iteration output of the sampler, with leading axes (iteration, pair).

    Attributes
    ----------
    x : array of shape (..., n_states)
        Whitened state: coefficients, the standardised log noise scale, and
        the extra states of the coefficient prior.
    diverging : array of shape (...,), bool
    num_steps : array of shape (...,), int
        Leapfrog steps of the trajectory.
    accept_prob : array of shape (...,)
        Mean Metropolis acceptance probability over the trajectory.
    energy : array of shape (...,)
        Hamiltonian at the draw.
    step_size : array of shape (...,)
        Adapted step size.
    """

    x: jax.Array
    diverging: jax.Array
    num_steps: jax.Array
    accept_prob: jax.Array
    energy: jax.Array
    step_size: jax.Array


#: NUTS iterations of every chain per call of :func:`sample_segment`. The
#: number of draws is then not part of the compiled program, and progress can
#: be reported between calls without callbacks in the kernel. Each call costs
#: a few milliseconds beyond its iterations: measured on diabetes (4 chains x
#: 3000 iterations), a warm fit took 0.43 s with segments of 100 and 0.28 s
#: with 1000, as fast as one loop over all iterations.
SEGMENT = 1000


def _nuts(coef_prior):
    return hmc(
        potential_fn_gen=partial(_potential_fn_gen, coef_prior=coef_prior), algo="NUTS"
    )


def _pairs(inputs, shrinkage, num_chains):
    """Inputs of every (target, chain) pair: chains of all targets run together."""
    return jax.tree.map(
        lambda a: jnp.repeat(a, num_chains, axis=0), (inputs, shrinkage)
    )


def initial_states(
    inputs, shrinkage, key, target_accept_prob, *, num_warmup, num_chains, coef_prior
):
    """NUTS states of every chain of every target, before the first iteration.

    Parameters
    ----------
    inputs : KernelInputs
        Arrays with a leading target axis of size ``n_targets``.
    shrinkage : ShrinkageInputs, HorseshoeInputs or None
        With a leading target axis; None for ``coef_prior="normal"``.
    key : jax.Array
        PRNG key; split once per target and chain.
    target_accept_prob : array of shape ()
        Target acceptance probability of step-size adaptation.
    num_warmup, num_chains : int
        The adaptation schedule and the number of chains.
    coef_prior : str
        One of :data:`COEF_PRIORS`.

    Returns
    -------
    state : numpyro.infer.hmc.HMCState
        With a leading axis of ``n_targets * num_chains`` (target-major).
    """
    return _initial_states(
        _nuts(coef_prior)[0],
        _pairs(inputs, shrinkage, num_chains),
        key,
        target_accept_prob,
        num_warmup,
        inputs.lik_prec.shape[-1]
        + 1
        + extra_state_size(coef_prior, inputs.lik_prec.shape[-1]),
    )


def _initial_states(
    init_kernel, pair_inputs, key, target_accept_prob, num_warmup, n_states
):
    n_pairs = pair_inputs[0].lik_prec.shape[0]
    keys = jax.random.split(key, 2 * n_pairs).reshape((n_pairs, 2))

    def init_pair(pair, pair_key):
        return init_kernel(
            # Spread the chains over the bulk of the (near standard normal)
            # posterior so that r_hat can detect a chain that is stuck.
            jax.random.uniform(pair_key[0], (n_states,), minval=-2.0, maxval=2.0),
            num_warmup,
            target_accept_prob=target_accept_prob,
            model_args=pair,
            # Raw key data, so that every leaf of the state is a plain array.
            rng_key=jax.random.key_data(pair_key[1]),
        )

    return jax.vmap(init_pair)(pair_inputs, keys)


def sample_segment(
    state,
    inputs,
    shrinkage,
    key,
    target_accept_prob,
    first,
    *,
    num_warmup,
    num_chains,
    coef_prior,
):
    """Run :data:`SEGMENT` NUTS iterations of every chain of every target.

    The kernel adapts for the first ``num_warmup`` iterations counted in the
    state and samples after them, so calling this again and again, each time
    with the state the last call returned, runs warmup and sampling as one
    loop would.

    Parameters
    ----------
    state : numpyro.infer.hmc.HMCState
        The state the previous call returned; ignored (any array of its
        structure will do) when ``first``.
    inputs, shrinkage, key, target_accept_prob
        As for :func:`initial_states`.
    first : array of shape (), bool
        Start from :func:`initial_states` instead of ``state``.
    num_warmup, num_chains : int
        Static, as for :func:`initial_states`.
    coef_prior : str
        Static.

    Returns
    -------
    state : numpyro.infer.hmc.HMCState
    draws : ChainDraws
        Leading axes (SEGMENT, n_targets * num_chains).
    """
    _count_trace()
    init_kernel, sample_kernel = _nuts(coef_prior)
    pair_inputs = _pairs(inputs, shrinkage, num_chains)
    dim = inputs.lik_prec.shape[-1]
    # Initialising costs one gradient per chain, next to nothing beside the
    # iterations; it also sets up the sampler's adaptation schedule, which
    # sample_kernel reads.
    fresh = _initial_states(
        init_kernel,
        pair_inputs,
        key,
        target_accept_prob,
        num_warmup,
        dim + 1 + extra_state_size(coef_prior, dim),
    )
    state = jax.tree.map(lambda new, old: jnp.where(first, new, old), fresh, state)
    step = jax.vmap(sample_kernel)

    def iterate(state, _):
        state = step(state, pair_inputs)
        draws = ChainDraws(
            x=state.z,
            diverging=state.diverging,
            num_steps=state.num_steps,
            accept_prob=state.accept_prob,
            energy=state.energy,
            step_size=state.adapt_state.step_size,
        )
        return state, draws

    # A single vmap (over chains, inside the loop) keeps tracing time down:
    # batching NUTS's nested while loops dominates it.
    return lax.scan(iterate, state, None, length=SEGMENT)


def _count_trace():
    global _trace_count
    _trace_count += 1
