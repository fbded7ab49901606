"""From sufficient statistics (and, for a likelihood that needs them, rows) and
priors to posterior draws.

NumPy in, NumPy out: whitening happens on the host in float64, sampling in
the compiled kernel of :mod:`skbayes._kernels`. The families of
:mod:`skbayes._likelihoods` and :mod:`skbayes._coef_priors` prepare their
inputs and map the kernel's states back.
"""

from dataclasses import dataclass
from functools import partial

import jax
import numpy as np

from ._coef_priors import COEF_PRIORS
from ._compiled import compiled, placeholder_argument
from ._group_effects import GROUP_EFFECTS
from ._kernels import SEGMENT, initial_states, n_targets, sample_segment
from ._likelihoods import LIKELIHOODS
from ._likelihoods.student_t import padded_rows
from ._precision import float64
from ._progress import progress_bar as _progress_bar
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
        Posterior mean of the intercept (Rao-Blackwellised where the
        coefficients given the noise scale are Gaussian).
    coef_mean : ndarray of shape (n_targets, n_features)
        Posterior mean of the coefficients (likewise).
    sample_stats : dict of ndarray
        NUTS statistics, each of shape (n_chains, n_draws, n_targets):
        ``diverging``, ``n_steps``, ``tree_depth``, ``acceptance_rate``,
        ``energy``, ``step_size``.
    scales : dict of ndarray
        Further parameters of the coefficient prior and of the likelihood, with
        the target axis after (chain, draw): for the horseshoe,
        ``local_scale`` (n_chains, n_draws, n_targets, n_features),
        ``global_scale`` and ``slab_scale``, the slab in units of the slab
        scale; for the Student-t likelihood, ``df``.
    exact_fit : ndarray of shape (n_targets,), bool
        Whether each target's fit is the limit ``sigma -> 0`` of an exact fit.
    gaussian_problems : list of WhitenedProblem or None
        The whitened posterior of each target when the coefficients given the
        noise scale are exactly Gaussian (for exact conditional summaries);
        None otherwise.
    group_effects_mean : ndarray of shape (n_targets, n_groups, n_effects) or None
        Posterior means of the group-level effects, for a model with them;
        their draws are ``scales["group_effects"]`` and those of their sds
        ``scales["group_sd"]``.
    """

    intercept: np.ndarray
    coef: np.ndarray
    sigma: np.ndarray
    intercept_mean: np.ndarray
    coef_mean: np.ndarray
    sample_stats: dict
    scales: dict
    exact_fit: np.ndarray
    gaussian_problems: list | None
    group_effects_mean: np.ndarray | None = None


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
    data=None,
):
    """Sample the posterior of a Bayesian linear regression with NUTS.

    Parameters
    ----------
    design : DesignDecomposition
        The decomposed statistics of the data.
    priors : list of Prior
        One per target, all of the same families.
    num_warmup, num_samples, num_chains : int
    target_accept_prob : float
    seed : int
        Seed of the JAX PRNG key.
    progress_bar : bool, default=False
        Show a tqdm bar of the iterations, with the phase and the divergences.
    data : tuple, default=None
        ``(X, Y, sample_weight)``, the training rows, for a likelihood that
        needs them.

    Returns
    -------
    draws : PosteriorDraws
    """
    family = COEF_PRIORS[priors[0].coef_prior]
    likelihood = LIKELIHOODS[priors[0].likelihood]
    prepared = [
        likelihood.prepare(design, prior, target, whiten(design, prior, target), data)
        for target, prior in enumerate(priors)
    ]
    problems = [problem for problem, _ in prepared]
    fits = [
        family.prepare(design, prior, target, problem)
        for target, (prior, problem) in enumerate(zip(priors, problems, strict=True))
    ]
    dim = padded_dim(problems[0].dim)
    raw = _run_kernel(
        _stack([problem.kernel_inputs(dim) for problem in problems]),
        _stack([fit.kernel_inputs(dim) for fit in fits]),
        _stack([likelihood.kernel_rows(rows, dim) for _, rows in prepared]),
        likelihood=priors[0].likelihood,
        coef_prior=priors[0].coef_prior,
        intercept_prior=priors[0].intercept_prior,
        num_warmup=num_warmup,
        num_samples=num_samples,
        num_chains=num_chains,
        target_accept_prob=target_accept_prob,
        seed=seed,
        progress_bar=progress_bar,
    )
    # The likelihood's own states come last.
    n_coef_states = dim + 1 + family.extra_state_size(dim)
    per_target = [
        fit.unwhiten(x[..., :n_coef_states]) for fit, x in zip(fits, raw.x, strict=True)
    ]
    for draws, prior, (_, rows), x in zip(
        per_target, priors, prepared, raw.x, strict=True
    ):
        draws[3].update(likelihood.parameters(prior, rows, x))

    def stacked(values):
        # Kernel output is (target, chain, draw, ...); the public layout is
        # (chain, draw, target, ...), as in ArviZ.
        return np.stack(values, axis=2)

    intercept, coef, sigma = (
        stacked([draws[k] for draws in per_target]) for k in range(3)
    )
    scales = {
        name: stacked([draws[3][name] for draws in per_target])
        for name in per_target[0][3]
    }
    gaussian = likelihood.GAUSSIAN and all(fit.gaussian_given_noise for fit in fits)
    if gaussian:
        means = [fit.posterior_mean(x) for fit, x in zip(fits, raw.x, strict=True)]
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
        scales=scales,
        exact_fit=np.array([problem.exact_fit for problem in problems]),
        gaussian_problems=problems if gaussian else None,
    )


def sample_group_posterior(
    statistics,
    prior,
    slopes,
    tau_scale,
    *,
    num_warmup,
    num_samples,
    num_chains,
    target_accept_prob,
    seed,
    progress_bar=False,
    family="normal",
):
    """Sample the posterior of a regression with group-level effects.

    NUTS runs on the scale parameters with every coefficient integrated out
    (in float64, see :mod:`skbayes._group_effects.normal`); the coefficients
    are then drawn exactly given each draw of the scales.

    Parameters
    ----------
    statistics : GroupStatistics
        Per-group statistics of one target.
    prior : Prior
    slopes : ndarray of int
        Features whose slopes vary by group.
    tau_scale : ndarray of shape (1 + len(slopes),)
        Scales of the half-normal priors of the group-level sds.
    num_warmup, num_samples, num_chains, target_accept_prob, seed, progress_bar
        As for :func:`sample_posterior`.
    family : str, default="normal"
        Key of :data:`~skbayes._group_effects.GROUP_EFFECTS`.

    Returns
    -------
    draws : PosteriorDraws
        With one target.
    """
    fit = GROUP_EFFECTS[family].prepare(statistics, prior, slopes, tau_scale)
    # The population directions and the groups are padded to buckets, so that
    # other folds, subsets of features and seeds reuse one compiled program.
    inputs = fit.kernel_inputs(
        padded_dim(fit.inputs.gram.shape[0]), padded_rows(fit.inputs.rz_u.shape[-1])
    )
    with float64():
        raw = _run_kernel(
            _stack([inputs]),
            None,
            None,
            likelihood="normal",
            coef_prior="normal",
            intercept_prior="normal",
            group_effects=family,
            num_warmup=num_warmup,
            num_samples=num_samples,
            num_chains=num_chains,
            target_accept_prob=target_accept_prob,
            seed=seed,
            progress_bar=progress_bar,
        )
        states = raw.x[0].reshape(num_chains * num_samples, -1)
        draws, means = fit.draws(states, np.random.default_rng(seed), inputs)

    def chained(values):
        # (n_draws, ...) -> (chain, draw, target, ...)
        return values.reshape((num_chains, num_samples, 1) + values.shape[1:])

    return PosteriorDraws(
        intercept=chained(draws["intercept"]),
        coef=chained(draws["coef"]),
        sigma=chained(draws["sigma"]),
        intercept_mean=means["intercept"][None],
        coef_mean=means["coef"][None],
        sample_stats=_sample_stats(raw),
        scales={
            "group_effects": chained(draws["group_effects"]),
            "group_sd": chained(draws["group_sd"]),
        },
        exact_fit=np.array([False]),
        gaussian_problems=None,
        group_effects_mean=means["group_effects"][None],
    )


def _stack(per_target):
    """Kernel inputs of each target -> one pytree with a leading target axis."""
    return jax.tree.map(lambda *leaves: np.stack(leaves), *per_target)


def _run_kernel(
    inputs,
    extra,
    rows,
    *,
    seed,
    target_accept_prob,
    progress_bar,
    num_warmup,
    num_samples,
    num_chains,
    likelihood,
    coef_prior,
    intercept_prior,
    group_effects=None,
):
    """Run the compiled sampler segment by segment, with a progress bar if asked.

    Returns
    -------
    draws : ChainDraws
        NumPy arrays with leading axes (n_targets, num_chains, num_samples).
    """
    static = dict(
        num_warmup=num_warmup,
        num_chains=num_chains,
        likelihood=likelihood,
        coef_prior=coef_prior,
        intercept_prior=intercept_prior,
        group_effects=group_effects,
    )
    total = num_warmup + num_samples
    args = (inputs, extra, rows, jax.random.key(seed), np.float32(target_accept_prob))

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
    targets = n_targets(inputs)

    def kept(*arrays):
        # (iteration, pair, ...) -> (target, chain, draw, ...), warmup dropped.
        draws = np.concatenate(arrays)[num_warmup:total]
        draws = np.moveaxis(draws, 0, 1)
        return draws.reshape((targets, num_chains, num_samples) + draws.shape[2:])

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
