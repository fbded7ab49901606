"""Convergence diagnostics of a fit, and the warning when they fail."""

import warnings

import numpy as np
from numpyro.diagnostics import effective_sample_size, split_gelman_rubin
from scipy.special import ndtri
from sklearn.exceptions import ConvergenceWarning

#: Largest acceptable split-r_hat (Vehtari et al., 2021).
MAX_R_HAT = 1.01
#: Smallest acceptable bulk effective sample size, per chain.
MIN_ESS_PER_CHAIN = 100


def _rank_normalise(draws):
    """Normal scores of the ranks of each column over all chains and draws.

    Ranks are ordinal: draws of a continuous posterior have no ties, and
    constant parameters are left out before this is called.

    Parameters
    ----------
    draws : ndarray of shape (n_chains, n_draws, n_params)

    Returns
    -------
    scores : ndarray of the same shape
    """
    columns = np.ascontiguousarray(draws.reshape(-1, draws.shape[-1]).T)
    order = np.argsort(columns, axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, columns.shape[1] + 1)[None], axis=1)
    scores = ndtri((ranks - 0.375) / (columns.shape[1] + 0.25))
    return scores.T.reshape(draws.shape)


def _split_chains(draws):
    """Each chain cut in two halves (an odd middle draw dropped), as for split-R-hat."""
    half = draws.shape[1] // 2
    return np.concatenate([draws[:, :half], draws[:, -half:]], axis=0)


def _stacked_posterior(posterior):
    """Every scalar of the posterior as a column of (chain, draw, n_params)."""
    columns = [
        np.asarray(values).reshape(values.shape[:2] + (-1,))
        for values in posterior.data_vars.values()
    ]
    return np.concatenate(columns, axis=-1)


def convergence_diagnostics(idata):
    """Summarise convergence of the posterior group of ``idata``.

    Rank-normalised split-R-hat (the larger of the bulk and the folded one) and
    bulk effective sample size, as defined by Vehtari et al. (2021) and
    reported by :func:`arviz.summary`, computed for all parameters at once with
    NumPyro's vectorised estimators.

    Returns
    -------
    diagnostics : dict
        ``max_r_hat`` and ``min_ess_bulk`` over all parameters (NaN for
        constants), ``num_divergences``, ``num_chains`` and ``num_draws`` (per
        chain).
    """
    draws = _stacked_posterior(idata.posterior)
    varying = np.ptp(draws.reshape(-1, draws.shape[-1]), axis=0) > 0
    draws = draws[..., varying]
    if draws.shape[-1] and draws.shape[1] >= 4:
        bulk = _rank_normalise(draws)
        folded = _rank_normalise(np.abs(draws - np.median(draws, axis=(0, 1))))
        r_hat = np.maximum(split_gelman_rubin(bulk), split_gelman_rubin(folded))
        max_r_hat = float(np.max(r_hat))
        min_ess_bulk = float(np.min(effective_sample_size(_split_chains(bulk))))
    else:
        max_r_hat = min_ess_bulk = float("nan")
    return {
        "max_r_hat": max_r_hat,
        "min_ess_bulk": min_ess_bulk,
        "num_divergences": int(idata.sample_stats["diverging"].sum()),
        "num_chains": idata.posterior.sizes["chain"],
        "num_draws": idata.posterior.sizes["draw"],
    }


def warn_if_not_converged(diagnostics):
    """Warn with a :class:`~sklearn.exceptions.ConvergenceWarning` naming failures."""
    problems = []
    if diagnostics["max_r_hat"] > MAX_R_HAT:
        problems.append(f"max r_hat {diagnostics['max_r_hat']:.3f} > {MAX_R_HAT}")
    if diagnostics["num_divergences"] > 0:
        problems.append(f"{diagnostics['num_divergences']} divergent transitions")
    min_ess = MIN_ESS_PER_CHAIN * diagnostics["num_chains"]
    if diagnostics["min_ess_bulk"] < min_ess:  # False for NaN: nothing varies
        problems.append(f"min bulk ESS {diagnostics['min_ess_bulk']:.0f} < {min_ess}")
    if problems:
        warnings.warn(
            "The sampler may not have converged: "
            + "; ".join(problems)
            + ". Increase num_warmup and num_samples, or target_accept_prob for "
            "divergences; see diagnostics_ and summary().",
            ConvergenceWarning,
            stacklevel=3,
        )


def fit_report(diagnostics, seconds):
    """One line on a finished fit: draws, time, divergences and worst r_hat."""
    return (
        f"Sampled {diagnostics['num_chains']} chains x {diagnostics['num_draws']} "
        f"draws in {seconds:.2f} s: {diagnostics['num_divergences']} divergences, "
        f"max r_hat {diagnostics['max_r_hat']:.3f}, "
        f"min bulk ESS {diagnostics['min_ess_bulk']:.0f}."
    )
