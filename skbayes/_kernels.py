"""The compiled NUTS sampler over the whitened problems of every target.

Under the Normal likelihood the kernel sees only the small arrays of a
:class:`~skbayes._whitening.WhitenedProblem` (one entry per coefficient
direction) and of its coefficient prior's family, never the data. Its
compiled form therefore depends on the number of directions (padded to a
bucket), targets and chains, the warmup schedule and the likelihood,
coefficient and intercept prior families, and is reused for any number of rows
or draws, any prior setting and any seed (the draws come in segments of
:data:`SEGMENT` iterations). A likelihood that reads the rows adds their
bucket to that list. The energies are those of :mod:`skbayes._likelihoods`
and :mod:`skbayes._coef_priors`.
"""

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax
from numpyro.infer.hmc import hmc

from ._coef_priors import COEF_PRIORS
from ._group_effects import GROUP_EFFECTS
from ._likelihoods import LIKELIHOODS

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


def _potential_fn_gen(
    inputs, extra, rows, *, likelihood, coef_prior, intercept_prior, group_effects
):
    if group_effects is not None:
        return partial(GROUP_EFFECTS[group_effects].energy, inputs)
    return partial(
        LIKELIHOODS[likelihood].energy,
        inputs,
        extra,
        rows,
        coef_prior=coef_prior,
        intercept_prior=intercept_prior,
    )


def state_size(likelihood, coef_prior, inputs, group_effects=None):
    """Number of kernel states of one chain.

    ``(z, tau)`` and the families' own; with group-level effects, which
    integrate every coefficient out, the model's scale parameters alone.
    """
    if group_effects is not None:
        return GROUP_EFFECTS[group_effects].state_size(inputs)
    dim = inputs.lik_prec.shape[-1]
    return (
        dim
        + 1
        + COEF_PRIORS[coef_prior].extra_state_size(dim)
        + LIKELIHOODS[likelihood].extra_state_size
    )


def n_targets(inputs):
    """Size of the leading (target) axis of the kernel inputs."""
    return jax.tree.leaves(inputs)[0].shape[0]


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


def _nuts(model):
    return hmc(potential_fn_gen=partial(_potential_fn_gen, **model), algo="NUTS")


def _pairs(inputs, extra, rows, num_chains):
    """Inputs of every (target, chain) pair, and the axes to map them over.

    Chains of all targets run together. The rows of a single target are not
    repeated per chain: every chain reads the same array, so the chains'
    products with it become one matrix product.
    """

    def repeated(tree):
        return jax.tree.map(lambda a: jnp.repeat(a, num_chains, axis=0), tree)

    inputs, extra = repeated((inputs, extra))
    if rows is not None and n_targets(inputs) == num_chains:
        return (inputs, extra, jax.tree.map(lambda a: a[0], rows)), (0, 0, None)
    return (inputs, extra, repeated(rows)), (0, 0, 0)


def initial_states(
    inputs,
    extra,
    rows,
    key,
    target_accept_prob,
    *,
    num_warmup,
    num_chains,
    likelihood,
    coef_prior,
    intercept_prior,
    group_effects=None,
):
    """NUTS states of every chain of every target, before the first iteration.

    Parameters
    ----------
    inputs : KernelInputs
        Arrays with a leading target axis of size ``n_targets``.
    extra : pytree or None
        The coefficient prior family's inputs, with a leading target axis.
    rows : pytree or None
        The likelihood's row inputs, with a leading target axis; None when the
        statistics suffice.
    key : jax.Array
        PRNG key; split once per target and chain.
    target_accept_prob : array of shape ()
        Target acceptance probability of step-size adaptation.
    num_warmup, num_chains : int
        The adaptation schedule and the number of chains.
    likelihood, coef_prior, intercept_prior : str
        Keys of :data:`~skbayes._likelihoods.LIKELIHOODS`,
        :data:`~skbayes._coef_priors.COEF_PRIORS` and
        :data:`~skbayes._intercept_priors.INTERCEPT_PRIORS`.
    group_effects : str or None
        Key of :data:`~skbayes._group_effects.GROUP_EFFECTS`: a model with
        group-level effects, whose inputs are that family's (``extra`` and
        ``rows`` None); None for the other models.

    Returns
    -------
    state : numpyro.infer.hmc.HMCState
        With a leading axis of ``n_targets * num_chains`` (target-major).
    """
    model = dict(
        likelihood=likelihood,
        coef_prior=coef_prior,
        intercept_prior=intercept_prior,
        group_effects=group_effects,
    )
    return _initial_states(
        _nuts(model)[0],
        *_pairs(inputs, extra, rows, num_chains),
        key,
        target_accept_prob,
        num_warmup,
        state_size(likelihood, coef_prior, inputs, group_effects),
    )


def _initial_states(
    init_kernel, pair_inputs, axes, key, target_accept_prob, num_warmup, n_states
):
    n_pairs = n_targets(pair_inputs[0])
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

    return jax.vmap(init_pair, in_axes=(axes, 0))(pair_inputs, keys)


def sample_segment(
    state,
    inputs,
    extra,
    rows,
    key,
    target_accept_prob,
    first,
    *,
    num_warmup,
    num_chains,
    likelihood,
    coef_prior,
    intercept_prior,
    group_effects=None,
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
    inputs, extra, rows, key, target_accept_prob
        As for :func:`initial_states`.
    first : array of shape (), bool
        Start from :func:`initial_states` instead of ``state``.
    num_warmup, num_chains, likelihood, coef_prior, intercept_prior, group_effects
        Static, as for :func:`initial_states`.

    Returns
    -------
    state : numpyro.infer.hmc.HMCState
    draws : ChainDraws
        Leading axes (SEGMENT, n_targets * num_chains).
    """
    _count_trace()
    model = dict(
        likelihood=likelihood,
        coef_prior=coef_prior,
        intercept_prior=intercept_prior,
        group_effects=group_effects,
    )
    init_kernel, sample_kernel = _nuts(model)
    pair_inputs, axes = _pairs(inputs, extra, rows, num_chains)
    # Initialising costs one gradient per chain, next to nothing beside the
    # iterations; it also sets up the sampler's adaptation schedule, which
    # sample_kernel reads.
    fresh = _initial_states(
        init_kernel,
        pair_inputs,
        axes,
        key,
        target_accept_prob,
        num_warmup,
        state_size(likelihood, coef_prior, inputs, group_effects),
    )
    state = jax.tree.map(lambda new, old: jnp.where(first, new, old), fresh, state)
    step = jax.vmap(sample_kernel, in_axes=(0, axes))

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
