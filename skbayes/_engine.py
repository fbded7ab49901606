"""From sufficient statistics and priors to posterior draws.

NumPy in, NumPy out: whitening happens on the host in float64, sampling in
the compiled kernel of :mod:`skbayes._kernels`.
"""

from dataclasses import dataclass

import jax
import numpy as np

from ._kernels import progress_reporter, run_nuts
from ._whitening import whiten

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
        Rao-Blackwellised posterior mean of the intercept.
    coef_mean : ndarray of shape (n_targets, n_features)
        Rao-Blackwellised posterior mean of the coefficients.
    sample_stats : dict of ndarray
        NUTS statistics, each of shape (n_chains, n_draws, n_targets):
        ``diverging``, ``n_steps``, ``tree_depth``, ``acceptance_rate``,
        ``energy``, ``step_size``.
    problems : list of WhitenedProblem
        The whitened posterior of each target.
    """

    intercept: np.ndarray
    coef: np.ndarray
    sigma: np.ndarray
    intercept_mean: np.ndarray
    coef_mean: np.ndarray
    sample_stats: dict
    problems: list


def sample_posterior(
    stats,
    priors,
    fit_intercept,
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
    stats : SufficientStatistics
    priors : list of Prior
        One per target.
    fit_intercept : bool
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
    problems = [
        whiten(stats, prior, fit_intercept, target)
        for target, prior in enumerate(priors)
    ]
    dim = padded_dim(problems[0].dim)
    inputs = [problem.kernel_inputs(dim) for problem in problems]
    stacked = jax.tree.map(lambda *leaves: np.stack(leaves), *inputs)
    if progress_bar:
        from tqdm.auto import tqdm

        progress_reporter.bar = tqdm(
            total=num_warmup + num_samples, desc="compiling", unit="it", leave=True
        )
        progress_reporter.num_warmup = num_warmup
    try:
        raw = jax.device_get(
            run_nuts(
                stacked,
                jax.random.key(seed),
                np.float32(target_accept_prob),
                num_warmup=num_warmup,
                num_samples=num_samples,
                num_chains=num_chains,
                progress_bar=progress_bar,
            )
        )
    finally:
        if progress_reporter.bar is not None:
            progress_reporter.bar.close()
            progress_reporter.bar = None
    # Kernel output is (target, chain, draw, ...); the public layout is
    # (chain, draw, target, ...), as in ArviZ.
    per_target = list(zip(problems, raw.x, strict=True))
    intercept, coef, sigma = zip(
        *(problem.unwhiten(x) for problem, x in per_target), strict=True
    )
    intercept_mean, coef_mean = zip(
        *(problem.posterior_mean(x) for problem, x in per_target), strict=True
    )
    n_steps = np.moveaxis(raw.num_steps, 0, -1)
    sample_stats = {
        "diverging": np.moveaxis(raw.diverging, 0, -1),
        "n_steps": n_steps,
        "tree_depth": np.floor(np.log2(np.maximum(n_steps, 1))).astype(np.int64) + 1,
        "acceptance_rate": np.moveaxis(raw.accept_prob, 0, -1).astype(np.float64),
        "energy": np.moveaxis(raw.energy, 0, -1).astype(np.float64),
        "step_size": np.moveaxis(raw.step_size, 0, -1).astype(np.float64),
    }
    return PosteriorDraws(
        intercept=np.stack(intercept, axis=-1),
        coef=np.stack(coef, axis=-2),
        sigma=np.stack(sigma, axis=-1),
        intercept_mean=np.array(intercept_mean),
        coef_mean=np.array(coef_mean),
        sample_stats=sample_stats,
        problems=problems,
    )
