"""Compiled NUTS kernel for the whitened linear-Gaussian posterior.

Everything here is pure JAX: the kernel sees only the small arrays of a
:class:`~skbayes._whitening.WhitenedProblem` (one entry per coefficient
direction), never the data. Its compiled form therefore depends on the number
of directions (padded to a bucket), targets, chains and draws, and is reused
for any number of rows, any prior setting and any seed.

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

#: Indices of the noise prior families understood by the kernel. ``"fixed"`` is
#: the known-noise model: ``tau`` is then a decoupled standard normal that is
#: discarded.
NOISE_FAMILIES = {"exponential": 0, "half_normal": 1, "half_cauchy": 2, "fixed": 3}

_trace_count = 0


def trace_count():
    """Number of times the sampler has been traced (i.e. compiled) so far.

    Returns
    -------
    count : int
        Incremented once per trace of :func:`run_nuts`; a refit that reuses a
        compiled sampler leaves it unchanged.
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
    shift : array of shape (d,)
        Least-squares minus prior location of each direction (0 where either
        precision vanishes).
    n_obs : array of shape ()
        Total weight of the observations.
    rss_ratio : array of shape ()
        Minimal residual sum of squares over ``n_obs * sigma_ref**2``.
    t_scale : array of shape ()
        Scale of ``tau`` on the log-noise axis, about its posterior sd.
    ref_over_prior : array of shape ()
        ``sigma_ref`` divided by the scale of the noise prior.
    family : array of shape (), int32
        Noise prior family, an index of :data:`NOISE_FAMILIES`.
    """

    lik_prec: jax.Array
    prior_prec: jax.Array
    shift: jax.Array
    n_obs: jax.Array
    rss_ratio: jax.Array
    t_scale: jax.Array
    ref_over_prior: jax.Array
    family: jax.Array


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


def _log_noise_prior(family, ratio):
    """Log density of the noise prior at ``ratio = sigma / scale``, up to a constant."""
    branches = (
        lambda r: -r,  # exponential
        lambda r: -0.5 * r * r,  # half-normal
        lambda r: -jnp.log1p(r * r),  # half-Cauchy
        lambda r: jnp.zeros_like(r),  # fixed noise: unused
    )
    return lax.switch(family, branches, ratio)


def potential_energy(inputs, x):
    """Negative log joint density of the whitened state ``x = (z, tau)``.

    Parameters
    ----------
    inputs : KernelInputs
        The whitened problem of one target.
    x : array of shape (d + 1,)
        Whitened coefficients followed by the standardised log noise scale.

    Returns
    -------
    energy : array of shape ()
        Potential energy, up to an additive constant.
    """
    z, tau = x[:-1], x[-1]
    t = inputs.t_scale * tau
    q, p = inputs.lik_prec, inputs.prior_prec
    q_t = q * jnp.exp(-2.0 * t)
    precision = q_t + p
    # Gaussian likelihood profiled over the coefficients, with the normaliser of
    # the conditional Gaussian of each direction and the prior/data conflict.
    log_lik = -inputs.n_obs * (
        (1.0 - inputs.rss_ratio) * t + inputs.rss_ratio * _excess_log_noise(t)
    )
    log_det = -0.5 * jnp.sum(jnp.log(precision))
    conflict = -0.5 * jnp.sum(q_t * p / precision * inputs.shift**2)
    ratio = inputs.ref_over_prior * jnp.exp(t)
    log_sigma = (
        log_lik + log_det + conflict + _log_noise_prior(inputs.family, ratio) + t
    )
    known = inputs.family == NOISE_FAMILIES["fixed"]
    energy_sigma = jnp.where(known, 0.5 * tau * tau, -log_sigma)
    return 0.5 * jnp.dot(z, z) + energy_sigma


def _potential_fn_gen(inputs):
    return partial(potential_energy, inputs)


class ChainDraws(NamedTuple):
    """Per-draw output of the sampler, with leading axes (target, chain, draw).

    Attributes
    ----------
    x : array of shape (..., d + 1)
        Whitened state: coefficients then the standardised log noise scale.
    diverging : array of shape (...,), bool
    num_steps : array of shape (...,), int
        Leapfrog steps of the trajectory.
    accept_prob : array of shape (...,)
        Mean Metropolis acceptance probability over the trajectory.
    energy : array of shape (...,)
        Hamiltonian at the draw.
    potential_energy : array of shape (...,)
        Potential energy at the draw.
    step_size : array of shape (...,)
        Adapted step size.
    """

    x: jax.Array
    diverging: jax.Array
    num_steps: jax.Array
    accept_prob: jax.Array
    energy: jax.Array
    potential_energy: jax.Array
    step_size: jax.Array


class _ProgressReporter:
    """Host side of the progress bar: the compiled loop calls :meth:`update`.

    The compiled sampler is cached and shared, so it calls this one object,
    which forwards to the bar of the fit in progress.
    """

    def __init__(self):
        self.bar = None
        self.num_warmup = 0

    def update(self, iteration, divergences):
        if self.bar is None:
            return
        iteration = int(iteration)
        phase = "warmup" if iteration < self.num_warmup else "sampling"
        self.bar.set_description(phase, refresh=False)
        self.bar.set_postfix(divergences=int(divergences), refresh=False)
        self.bar.update(iteration - self.bar.n)


progress_reporter = _ProgressReporter()

#: Progress bar updates per fit.
_PROGRESS_UPDATES = 50


@partial(
    jax.jit,
    static_argnames=("num_warmup", "num_samples", "num_chains", "progress_bar"),
)
def run_nuts(
    inputs,
    key,
    target_accept_prob,
    *,
    num_warmup,
    num_samples,
    num_chains,
    progress_bar=False,
):
    """Warm up and sample NUTS chains for every target in one compiled program.

    Parameters
    ----------
    inputs : KernelInputs
        Arrays with a leading target axis of size ``n_targets``.
    key : jax.Array
        PRNG key; split once per target and chain.
    target_accept_prob : array of shape ()
        Target acceptance probability of step-size adaptation (traced).
    num_warmup, num_samples, num_chains : int
        Static: they fix loop lengths and output shapes.
    progress_bar : bool, default=False
        Static: report progress to :data:`progress_reporter` from the loop.
        When False no callback is traced, so the kernel pays nothing for it.

    Returns
    -------
    draws : ChainDraws
        Leading axes (n_targets, num_chains, num_samples).
    """
    global _trace_count
    _trace_count += 1
    n_targets, dim = inputs.lik_prec.shape
    # Chains of all targets are vectorised together, as (target, chain) pairs.
    pair_inputs = jax.tree.map(lambda a: jnp.repeat(a, num_chains, axis=0), inputs)
    keys = jax.random.split(key, n_targets * num_chains)
    init_kernel, sample_kernel = hmc(potential_fn_gen=_potential_fn_gen, algo="NUTS")

    def init_chain(chain_inputs, chain_key):
        init_key, kernel_key = jax.random.split(chain_key)
        # Spread the chains over the bulk of the (near standard normal)
        # posterior so that r_hat can detect a chain that is stuck.
        init_x = jax.random.uniform(init_key, (dim + 1,), minval=-2.0, maxval=2.0)
        return init_kernel(
            init_x,
            num_warmup,
            target_accept_prob=target_accept_prob,
            model_args=(chain_inputs,),
            rng_key=kernel_key,
        )

    step = jax.vmap(lambda state, chain_inputs: sample_kernel(state, (chain_inputs,)))
    total = num_warmup + num_samples
    report_every = max(1, total // _PROGRESS_UPDATES)

    def iterate(carry, iteration):
        state, divergences = carry
        state = step(state, pair_inputs)
        divergences += jnp.where(iteration >= num_warmup, state.diverging.sum(), 0)
        if progress_bar:
            lax.cond(
                ((iteration + 1) % report_every == 0) | (iteration + 1 == total),
                lambda: jax.debug.callback(
                    progress_reporter.update, iteration + 1, divergences
                ),
                lambda: None,
            )
        draws = ChainDraws(
            x=state.z,
            diverging=state.diverging,
            num_steps=state.num_steps,
            accept_prob=state.accept_prob,
            energy=state.energy,
            potential_energy=state.potential_energy,
            step_size=state.adapt_state.step_size,
        )
        return (state, divergences), draws

    # One loop over warmup and sampling traces and compiles NUTS once instead
    # of twice; the kernel itself stops adapting after `num_warmup` steps. A
    # single vmap (over chains, inside the loop) keeps tracing time down: batching
    # NUTS's nested while loops dominates it.
    state = jax.vmap(init_chain)(pair_inputs, keys)
    _, draws = lax.scan(iterate, (state, jnp.zeros((), jnp.int32)), jnp.arange(total))
    return jax.tree.map(
        lambda a: jnp.moveaxis(a[num_warmup:], 0, 1).reshape(
            (n_targets, num_chains, num_samples) + a.shape[2:]
        ),
        draws,
    )
