"""Convergence diagnostics of a fit, and the warning when they fail.

The rank-normalised split-R-hat and bulk effective sample size follow the
definitions of ArviZ 0.23 (``arviz.rhat(method="rank")`` and
``arviz.ess(method="bulk")``, after Vehtari et al., 2021) to rounding error, but
are computed for all parameters at once and without ArviZ on the fit path.
"""

import numpy as np
from scipy.fft import next_fast_len
from scipy.special import ndtri
from sklearn.exceptions import ConvergenceWarning

from ._warnings import warn_at_caller

#: Largest acceptable split-r_hat (Vehtari et al., 2021).
MAX_R_HAT = 1.01
#: Smallest acceptable bulk effective sample size, per chain.
MIN_ESS_PER_CHAIN = 100
#: Fewest draws per chain for which either diagnostic is defined.
MIN_DRAWS = 4


def _split_chains(draws):
    """Each chain cut in two halves, an odd middle draw dropped.

    Parameters
    ----------
    draws : ndarray of shape (n_params, n_chains, n_draws)

    Returns
    -------
    halves : ndarray of shape (n_params, 2 * n_chains, n_draws // 2)
    """
    n_draws = draws.shape[-1]
    half = n_draws // 2
    return np.concatenate([draws[..., :half], draws[..., n_draws - half :]], axis=1)


def _average_ranks(rows):
    """Ranks from 1 along each row, ties sharing the mean of the ranks they span.

    As ``scipy.stats.rankdata(method="average")``: the draws of discrete or
    stuck parameters tie, and ordinal ranks would order ties arbitrarily.

    Parameters
    ----------
    rows : ndarray of shape (n_rows, n)

    Returns
    -------
    ranks : ndarray of shape (n_rows, n), float
    """
    n_rows, n = rows.shape
    # Flat positions of the sorted values, row after row.
    order = (np.argsort(rows, axis=-1) + np.arange(0, n_rows * n, n)[:, None]).ravel()
    ordered = rows.ravel()[order]
    ranks = np.tile(np.arange(1.0, n + 1.0), n_rows)
    repeats = np.zeros(ordered.size, dtype=bool)
    repeats[1:] = ordered[1:] == ordered[:-1]
    repeats[::n] = False  # ties never span two rows
    if repeats.any():
        _average_ties(ranks, repeats)
    out = np.empty(rows.size)
    out[order] = ranks
    return out.reshape(rows.shape)


def _average_ties(ranks, repeats):
    """Give each run of ties, in place, the mean of the ranks it spans.

    Parameters
    ----------
    ranks : ndarray of shape (n,)
        Ordinal ranks of sorted values.
    repeats : ndarray of shape (n,), bool
        Whether each sorted value equals the one before it.
    """
    # Only the tied values are touched: few, for continuous draws.
    tied = repeats.copy()
    tied[:-1] |= repeats[1:]
    index = np.flatnonzero(tied)
    opens = ~repeats[index]
    first = index[opens]
    last = np.append(index[np.flatnonzero(opens)[1:] - 1], index[-1])
    run_rank = (ranks[first] + ranks[last]) / 2.0
    ranks[index] = run_rank[np.cumsum(opens) - 1]


def _rank_normalise(draws):
    """Normal scores of the average ranks of each parameter's draws.

    Blom's (rank - 3/8) / (n + 1/4) plotting positions, as ArviZ's ``_z_scale``.

    Parameters
    ----------
    draws : ndarray of shape (n_params, n_chains, n_draws)

    Returns
    -------
    scores : ndarray of the same shape, float
    """
    rows = draws.reshape(draws.shape[0], -1)
    n = rows.shape[-1]
    # Ranks are multiples of 1/2: score each possible one once, not every draw.
    halves = np.arange(2, 2 * n + 1) / 2.0
    scores = ndtri((halves - 0.375) / (n + 0.25))
    ranks = _average_ranks(rows)
    return scores[(2.0 * ranks).astype(np.intp) - 2].reshape(draws.shape)


def _split_r_hat(chains):
    """Potential scale reduction factor of each parameter (Gelman et al., BDA3).

    Parameters
    ----------
    chains : ndarray of shape (n_params, n_chains, n_draws)

    Returns
    -------
    r_hat : ndarray of shape (n_params,)
    """
    n_draws = chains.shape[-1]
    between = n_draws * np.var(chains.mean(axis=-1), axis=-1, ddof=1)
    within = np.var(chains, axis=-1, ddof=1).mean(axis=-1)
    return np.sqrt((between / within + n_draws - 1) / n_draws)


def _mean_autocovariance(chains):
    """Autocovariance at every lag, by FFT, averaged over the chains.

    Biased (divided by the number of draws at every lag), as ArviZ's ``autocov``.

    Parameters
    ----------
    chains : ndarray of shape (n_params, n_chains, n_draws)

    Returns
    -------
    acov : ndarray of shape (n_params, n_draws), by lag
    """
    n_draws = chains.shape[-1]
    centred = chains - chains.mean(axis=-1, keepdims=True)
    # Zero padding to at least twice the length makes the correlation linear.
    size = next_fast_len(2 * n_draws, real=True)
    spectrum = np.fft.rfft(centred, n=size)
    # The transform is linear: average the chains before transforming back.
    power = (spectrum.real**2 + spectrum.imag**2).mean(axis=1)
    return np.fft.irfft(power, n=size)[..., :n_draws] / n_draws


def _effective_sample_size(chains):
    """Effective sample size of each parameter, as ArviZ's ``_ess``.

    The autocorrelation of the pooled chains (Stan's estimator) summed up to
    Geyer's initial positive sequence of lag pairs, made monotone, with ArviZ's
    corrections: the last positive even lag is kept, and the autocorrelation
    time is at least 1 / log10(n), so that the ESS is at most n log10(n).

    Parameters
    ----------
    chains : ndarray of shape (n_params, n_chains, n_draws)
        At least 2 draws per chain.

    Returns
    -------
    ess : ndarray of shape (n_params,)
    """
    _, n_chains, n_draws = chains.shape
    size = n_chains * n_draws
    acov = _mean_autocovariance(chains)
    mean_var = acov[:, :1] * n_draws / (n_draws - 1.0)
    var_plus = mean_var * (n_draws - 1.0) / n_draws
    if n_chains > 1:
        var_plus = var_plus + np.var(chains.mean(axis=-1), axis=-1, ddof=1)[:, None]
    # rho[:, t]: autocorrelation at lag t, of shape (n_params, n_draws)
    rho = 1.0 - (mean_var - acov) / var_plus
    rho[:, 0] = 1.0
    # ArviZ's loop looks at lag pairs (2k, 2k + 1) while 2k - 1 < n_draws - 3.
    num_pairs = len(range(1, n_draws - 3, 2)) + 1
    even = rho[:, 0 : 2 * num_pairs : 2]
    pairs = even + rho[:, 1 : 2 * num_pairs : 2]
    # The sum stops at the first pair that is not positive, or at the last.
    stop = ~(pairs > 0)
    last = np.where(stop.any(axis=-1), stop.argmax(axis=-1), num_pairs - 1)
    # Geyer's monotone sequence: no pair sum above the one before it.
    monotone = np.minimum.accumulate(pairs, axis=-1)
    before_last = np.arange(num_pairs) < last[:, None]
    summed = np.where(before_last, monotone, 0.0).sum(axis=-1)
    last_even = np.take_along_axis(even, last[:, None], axis=-1)[:, 0]
    last_pair = np.take_along_axis(pairs, last[:, None], axis=-1)[:, 0]
    # The stopping pair counts by its even lag, if that is positive or the pair kept.
    tail = np.where((last_even > 0) | (last_pair >= 0), last_even, 0.0)
    tau = np.maximum(-1.0 + 2.0 * summed + tail, 1.0 / np.log10(size))
    ess = np.where(np.isnan(pairs[:, 0]), np.nan, size / tau)
    # A constant parameter gets the number of draws, as in ArviZ.
    constant = np.ptp(chains, axis=(1, 2)) < np.finfo(float).resolution
    return np.where(constant, float(size), ess)


def rank_diagnostics(draws):
    """Rank-normalised split-R-hat and bulk ESS of each column of ``draws``.

    The values of ``arviz.rhat(method="rank")`` (the larger of the bulk and the
    folded R-hat) and ``arviz.ess(method="bulk")``: NaN for a column with NaN
    draws or when there are fewer than 4 draws per chain, and NaN R-hat for a
    single chain or a constant column.

    Parameters
    ----------
    draws : array-like of shape (n_chains, n_draws, n_params)

    Returns
    -------
    r_hat : ndarray of shape (n_params,)
    ess_bulk : ndarray of shape (n_params,)
    """
    draws = np.asarray(draws)
    if not np.issubdtype(draws.dtype, np.floating):
        draws = draws.astype(float)
    n_chains, n_draws, n_params = draws.shape
    if n_draws < MIN_DRAWS:
        return np.full(n_params, np.nan), np.full(n_params, np.nan)
    # Parameters first, so that every reduction, sort and FFT runs along
    # contiguous draws, and sums round as ArviZ's do.
    split = _split_chains(np.ascontiguousarray(np.moveaxis(draws, -1, 0)))
    # Folded in the draws' own precision, as ArviZ, so that ties are the same.
    folded = np.abs(split - np.median(split, axis=(1, 2), keepdims=True))
    scores = _rank_normalise(np.concatenate([split, folded]))
    bulk, tail = scores[:n_params], scores[n_params:]
    with np.errstate(divide="ignore", invalid="ignore"):
        ess_bulk = _effective_sample_size(bulk)
        if n_chains > 1:
            bulk_r_hat, tail_r_hat = _split_r_hat(bulk), _split_r_hat(tail)
            # Python's max(bulk, tail), which ArviZ takes: NaN bulk wins.
            r_hat = np.where(tail_r_hat > bulk_r_hat, tail_r_hat, bulk_r_hat)
        else:
            r_hat = np.full(n_params, np.nan)
    invalid = np.isnan(draws).any(axis=(0, 1))
    return np.where(invalid, np.nan, r_hat), np.where(invalid, np.nan, ess_bulk)


def _stacked_posterior(posterior):
    """Every scalar of the posterior as a column of (chain, draw, n_params)."""
    columns = [np.asarray(values) for values in posterior.values()]
    columns = [values.reshape(values.shape[:2] + (-1,)) for values in columns]
    return np.concatenate(columns, axis=-1)


def _worst(values, reduce):
    """``reduce`` of the defined (not NaN) values, NaN if there are none."""
    values = values[~np.isnan(values)]
    return float(reduce(values)) if values.size else float("nan")


def convergence_diagnostics(posterior, diverging):
    """Summarise convergence of posterior draws.

    The worst rank-normalised split-R-hat and bulk effective sample size over
    all varying parameters, with the definitions of :func:`arviz.rhat` and
    :func:`arviz.ess` (see :func:`rank_diagnostics`). Constant parameters (such
    as a known noise scale) are left out, as are any with NaN draws.

    Parameters
    ----------
    posterior : mapping of str to array-like of shape (n_chains, n_draws, ...)
        Draws of each variable, such as the posterior group of an
        InferenceData. Variables of one floating dtype keep it, as in ArviZ.
    diverging : array-like of bool with leading axes (n_chains, n_draws)
        Whether each transition diverged.

    Returns
    -------
    diagnostics : dict
        ``max_r_hat`` and ``min_ess_bulk`` over the varying parameters (NaN if
        none varies, or with fewer than 4 draws per chain; ``max_r_hat`` also
        with one chain), ``num_divergences``, ``num_chains`` and ``num_draws``
        (per chain).
    """
    diverging = np.asarray(diverging)
    num_chains, num_draws = diverging.shape[:2]
    max_r_hat = min_ess_bulk = float("nan")
    if len(posterior):
        draws = _stacked_posterior(posterior)
        varying = np.ptp(draws.reshape(-1, draws.shape[-1]), axis=0) > 0
        if varying.any():
            r_hat, ess_bulk = rank_diagnostics(draws[..., varying])
            max_r_hat, min_ess_bulk = _worst(r_hat, np.max), _worst(ess_bulk, np.min)
    return {
        "max_r_hat": max_r_hat,
        "min_ess_bulk": min_ess_bulk,
        "num_divergences": int(np.count_nonzero(diverging)),
        "num_chains": num_chains,
        "num_draws": num_draws,
    }


def idata_diagnostics(idata):
    """:func:`convergence_diagnostics` of an ArviZ InferenceData.

    Parameters
    ----------
    idata : arviz.InferenceData
        With a ``posterior`` group and ``diverging`` in ``sample_stats``.

    Returns
    -------
    diagnostics : dict
    """
    return convergence_diagnostics(
        idata.posterior, idata.sample_stats["diverging"].values
    )


def warn_if_not_converged(diagnostics):
    """Warn with a :class:`~sklearn.exceptions.ConvergenceWarning` naming failures.

    The warning names the user's line that led to the fit, not skbayes's or
    scikit-learn's.
    """
    problems = []
    if diagnostics["max_r_hat"] > MAX_R_HAT:
        problems.append(f"max r_hat {diagnostics['max_r_hat']:.3f} > {MAX_R_HAT}")
    if diagnostics["num_divergences"] > 0:
        problems.append(f"{diagnostics['num_divergences']} divergent transitions")
    min_ess = MIN_ESS_PER_CHAIN * diagnostics["num_chains"]
    if diagnostics["min_ess_bulk"] < min_ess:  # False for NaN: nothing varies
        problems.append(f"min bulk ESS {diagnostics['min_ess_bulk']:.0f} < {min_ess}")
    if problems:
        warn_at_caller(
            "The sampler may not have converged: "
            + "; ".join(problems)
            + ". Increase num_warmup and num_samples, or target_accept_prob for "
            "divergences; see diagnostics_ and summary().",
            ConvergenceWarning,
        )


def fit_report(diagnostics, seconds):
    """One line on a finished fit: draws, time, divergences and worst r_hat."""
    return (
        f"Sampled {diagnostics['num_chains']} chains x {diagnostics['num_draws']} "
        f"draws in {seconds:.2f} s: {diagnostics['num_divergences']} divergences, "
        f"max r_hat {diagnostics['max_r_hat']:.3f}, "
        f"min bulk ESS {diagnostics['min_ess_bulk']:.0f}."
    )
