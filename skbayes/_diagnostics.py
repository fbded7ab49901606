"""Convergence diagnostics of a fit, and the warning when they fail."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._arviz import az

#: Largest acceptable split-r_hat (Vehtari et al., 2021).
MAX_R_HAT = 1.01
#: Smallest acceptable bulk effective sample size, per chain.
MIN_ESS_PER_CHAIN = 100


def _extreme(dataset, reduce):
    values = np.concatenate([np.ravel(v) for v in dataset.data_vars.values()])
    values = values[np.isfinite(values)]
    return float(reduce(values)) if values.size else float("nan")


def convergence_diagnostics(idata):
    """Summarise convergence of the posterior group of ``idata``.

    Returns
    -------
    diagnostics : dict
        ``max_r_hat``, ``min_ess_bulk``, ``min_ess_tail`` over all parameters,
        ``num_divergences``, ``num_chains`` and ``num_draws`` (per chain).
    """
    posterior = idata.posterior
    return {
        "max_r_hat": _extreme(az.rhat(posterior), np.max),
        "min_ess_bulk": _extreme(az.ess(posterior, method="bulk"), np.min),
        "min_ess_tail": _extreme(az.ess(posterior, method="tail"), np.min),
        "num_divergences": int(idata.sample_stats["diverging"].sum()),
        "num_chains": posterior.sizes["chain"],
        "num_draws": posterior.sizes["draw"],
    }


def warn_if_not_converged(diagnostics):
    """Warn with a :class:`~sklearn.exceptions.ConvergenceWarning` naming failures."""
    problems = []
    if diagnostics["max_r_hat"] > MAX_R_HAT:
        problems.append(f"max r_hat {diagnostics['max_r_hat']:.3f} > {MAX_R_HAT}")
    if diagnostics["num_divergences"] > 0:
        problems.append(f"{diagnostics['num_divergences']} divergent transitions")
    min_ess = MIN_ESS_PER_CHAIN * diagnostics["num_chains"]
    if diagnostics["min_ess_bulk"] < min_ess:
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
