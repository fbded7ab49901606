"""From sufficient statistics and priors to posterior draws.

NumPy in, NumPy out: whitening happens on the host in float64, sampling in
the compiled kernel of :mod:`skbayes._kernels`.
"""

from dataclasses import dataclass
from functools import partial

import jax
import numpy as np

from ._compiled import compiled, placeholder_argument
from ._horseshoe import horseshoe_problem
from ._kernels import SEGMENT, initial_states, sample_segment
from ._progress import progress_bar as _progress_bar
from ._whitening import shrinkage_inputs, whiten

#: Smallest padded number of directions; see :func:`padded_dim`.
_MIN_DIM = 4


def padded_dim(dim):
    """Number of directions the kernel is compiled for, for ``dim`` parameters.

    Rounding up to a power of two lets designs of similar width (the many
    shapes of a test suite or a feature-selection loop) share one compiled
    sampler; padding directions are independent standard normals, which cost
    NUTS next to nothing.
    """
    return max(_MIN_DIM, 1 << (dim - 1).bit_length())


@dataclass(frozen=True)
class PosteriorDraws:
    """Posterior draws of every target, with leading axes (chain, draw).

    Attributes
    ----------
    intercept : ndarray of shape (n_chains, n_draws, n_targets)
    coef : ndarray of shape (n_chains, n_draws, n_targets, n_features)
    sigma : ndarray of shape (n_chains, n_draws, n_targets)
    intercept_mean : ndarray of shape (n_targets,)
        Posterior mean of the intercept (Rao-Blackwellised for Normal priors).
    coef_mean : ndarray of shape (n_targets, n_features)
        Posterior mean of the coefficients (Rao-Blackwellised for Normal priors).
    sample_stats : dict of ndarray
        NUTS statistics, each of shape (n_chains, n_draws, n_targets):
        ``diverging``, ``n_steps``, ``tree_depth``, ``acceptance_rate``,
        ``energy``, ``step_size``.
    problems : list of WhitenedProblem
        The whitened posterior of each target.
    scales : dict of ndarray
        For the horseshoe prior: ``local_scale`` (n_chains, n_draws, n_targets,
        n_features), ``global_scale`` and ``slab_scale`` (n_chains, n_draws,
        n_targets), the slab in units of the slab scale; else empty.
    """

    intercept: np.ndarray
    coef: np.ndarray
    sigma: np.ndarray
    intercept_mean: np.ndarray
    coef_mean: np.ndarray
    sample_stats: dict
    problems: list
    scales: dict


def sample_posterior(
    design,
    priors,
    *,
    num_warmup,
    num_samples,
    num_chains,
    target_accept_prob,
    seed,
    progress_bar=False,
):
    """Sample the posterior of a Bayesian linear regression with NUTS.

    Parameters
    ----------
    design : DesignDecomposition
        The decomposed statistics of the data.
    priors : list of Prior
        One per target.
    num_warmup, num_samples, num_chains : int
    target_accept_prob : float
    seed : int
        Seed of the JAX PRNG key.
    progress_bar : bool, default=False
        Show a tqdm bar of the iterations, with the phase and the divergences.

    Returns
    -------
    draws : PosteriorDraws
    """
    problems = [whiten(design, prior, target) for target, prior in enumerate(priors)]
    dim = padded_dim(problems[0].dim)
    coef_prior = priors[0].coef_prior
    horseshoes = None
    if coef_prior == "horseshoe":
        horseshoes = [
            horseshoe_problem(design, prior, target, problem)
            for target, (prior, problem) in enumerate(
                zip(priors, problems, strict=True)
            )
        ]
        shrinkage = _stack([horseshoe.kernel_inputs(dim) for horseshoe in horseshoes])
    elif coef_prior != "normal":
        shrinkage = _stack(
            [
                shrinkage_inputs(problem, prior, dim)
                for problem, prior in zip(problems, priors, strict=True)
            ]
        )
    else:
        shrinkage = None
    raw = _run_kernel(
        _stack([problem.kernel_inputs(dim) for problem in problems]),
        shrinkage,
        coef_prior=coef_prior,
        num_warmup=num_warmup,
        num_samples=num_samples,
        num_chains=num_chains,
        target_accept_prob=target_accept_prob,
        seed=seed,
        progress_bar=progress_bar,
    )
    # Kernel states are (z, tau), and for the horseshoe its scales after them.
    if horseshoes is None:
        per_target = [
            problem.unwhiten(x[..., : dim + 1]) + ({},)
            for problem, x in zip(problems, raw.x, strict=True)
        ]
    else:
        per_target = [
            horseshoe.unwhiten(x)
            for horseshoe, x in zip(horseshoes, raw.x, strict=True)
        ]
    # Kernel output is (target, chain, draw, ...); the public layout is
    # (chain, draw, target, ...), as in ArviZ.
    intercept = np.stack([draws[0] for draws in per_target], axis=-1)
    coef = np.stack([draws[1] for draws in per_target], axis=-2)
    sigma = np.stack([draws[2] for draws in per_target], axis=-1)
    scales = {
        name: np.stack(
            [draws[3][name] for draws in per_target],
            axis=-2 if name == "local_scale" else -1,
        )
        for name in per_target[0][3]
    }
    if coef_prior == "normal":
        means = [
            problem.posterior_mean(x[..., : dim + 1])
            for problem, x in zip(problems, raw.x, strict=True)
        ]
        intercept_mean = np.array([mean[0] for mean in means])
        coef_mean = np.array([mean[1] for mean in means])
    else:
        # No closed-form conditional mean: the mean of the draws.
        intercept_mean = intercept.mean(axis=(0, 1))
        coef_mean = coef.mean(axis=(0, 1))
    return PosteriorDraws(
        intercept=intercept,
        coef=coef,
        sigma=sigma,
        intercept_mean=intercept_mean,
        coef_mean=coef_mean,
        sample_stats=_sample_stats(raw),
        problems=problems,
        scales=scales,
    )


def _stack(per_target):
    """Kernel inputs of each target -> one pytree with a leading target axis."""
    return jax.tree.map(lambda *leaves: np.stack(leaves), *per_target)


def _run_kernel(
    inputs,
    shrinkage,
    *,
    seed,
    target_accept_prob,
    progress_bar,
    num_warmup,
    num_samples,
    num_chains,
    coef_prior,
):
    """Run the compiled sampler segment by segment, with a progress bar if asked.

    Returns
    -------
    draws : ChainDraws
        NumPy arrays with leading axes (n_targets, num_chains, num_samples).
    """
    static = dict(num_warmup=num_warmup, num_chains=num_chains, coef_prior=coef_prior)
    total = num_warmup + num_samples
    args = (inputs, shrinkage, jax.random.key(seed), np.float32(target_accept_prob))

    def example_args():
        # The state's structure, without compiling anything.
        state = jax.eval_shape(partial(initial_states, **static), *args)
        return (state, *args, np.True_)

    with _progress_bar(total, num_warmup, progress_bar) as bar:
        program = compiled(sample_segment, "sample_segment", static, args, example_args)
        if bar is not None:
            bar.start()
        # The first call starts the chains itself: any state of the right
        # structure will do.
        state = placeholder_argument(program, 0)
        segments = []
        divergences = 0
        for start in range(0, total, SEGMENT):
            state, draws = program(state, *args, np.bool_(start == 0))
            segments.append(draws)
            if bar is not None:
                sampled = np.arange(start, start + SEGMENT) >= num_warmup
                divergences += int(np.asarray(draws.diverging)[sampled].sum())
                bar.update(start + SEGMENT, divergences)
        segments = jax.device_get(segments)
    n_targets = inputs.lik_prec.shape[0]

    def kept(*arrays):
        # (iteration, pair, ...) -> (target, chain, draw, ...), warmup dropped.
        draws = np.concatenate(arrays)[num_warmup:total]
        draws = np.moveaxis(draws, 0, 1)
        return draws.reshape((n_targets, num_chains, num_samples) + draws.shape[2:])

    return jax.tree.map(kept, *segments)


def _sample_stats(raw):
    """NUTS statistics as (chain, draw, target) arrays, with ArviZ's names."""
    n_steps = np.moveaxis(raw.num_steps, 0, -1)
    return {
        "diverging": np.moveaxis(raw.diverging, 0, -1),
        "n_steps": n_steps,
        "tree_depth": np.floor(np.log2(np.maximum(n_steps, 1))).astype(np.int64) + 1,
        "acceptance_rate": np.moveaxis(raw.accept_prob, 0, -1).astype(np.float64),
        "energy": np.moveaxis(raw.energy, 0, -1).astype(np.float64),
        "step_size": np.moveaxis(raw.step_size, 0, -1).astype(np.float64),
    }
