"""Predictive quantities from posterior or prior draws, in bounded memory.

NumPy only. Rows are processed in chunks so that no ``draws x rows`` array is
larger than :data:`CHUNK_CELLS` unless the caller asks for all draws.
"""

import numpy as np
import scipy.sparse

from ._noise import stratified_levels

#: Upper bound on the cells of a temporary ``draws x rows`` array.
CHUNK_CELLS = 1 << 22


def row_chunks(n_rows, n_draws):
    """Slices of rows such that ``n_draws x rows`` stays below CHUNK_CELLS."""
    step = max(1, CHUNK_CELLS // max(n_draws, 1))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def linear_predictor(X, intercept, coef):
    """``intercept + X @ coef`` for every draw.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    intercept : ndarray of shape (n_draws,)
    coef : ndarray of shape (n_draws, n_features)

    Returns
    -------
    mu : ndarray of shape (n_draws, n_rows)
    """
    # X on the left keeps a sparse X sparse until the product.
    return intercept[:, None] + (X @ coef.T).T


def dense_rows(X):
    """A chunk of rows as a dense float64 array (sparse chunks are densified)."""
    if scipy.sparse.issparse(X):
        return X.toarray().astype(np.float64, copy=False)
    return np.asarray(X, dtype=np.float64)


def predictive_std(X, intercept, coef, sigma, noise):
    """Posterior predictive standard deviation of a new observation at each row.

    Exact from the posterior moments: the variance of the linear predictor over
    the draws plus the mean noise variance (infinite if any draw's noise has
    infinite variance, as a Student-t's with ``df <= 2`` does). Costs
    ``O(n_rows n_features**2)``, in chunks of rows. The linear predictor is
    written about the centre of the rows, with features and predictions in
    units of their spread, so that columns far from zero (where intercept and
    slopes are strongly correlated) and data of extreme magnitude lose no digits
    to cancellation or overflow.

    Returns
    -------
    std : ndarray of shape (n_rows,)
    """
    centre, spread = _centre_and_spread(X)
    unit = np.max(np.abs(sigma), initial=0.0)
    unit = unit if unit > 0 else 1.0
    # intercept + x @ coef = at_centre + ((x - centre) / spread) @ slopes.
    at_centre = (intercept + coef @ centre) / unit
    slopes = coef * (spread / unit)
    params = np.column_stack([at_centre, slopes])
    cov = np.atleast_2d(np.cov(params, rowvar=False))
    noise_var = np.mean((sigma / unit) ** 2 * noise.variance())
    variance = np.empty(X.shape[0])
    for rows in row_chunks(X.shape[0], 1 + X.shape[1]):
        chunk = (dense_rows(X[rows]) - centre) / spread
        design = np.column_stack([np.ones(chunk.shape[0]), chunk])
        variance[rows] = np.einsum("ij,jk,ik->i", design, cov, design) + noise_var
    with np.errstate(invalid="ignore"):
        return unit * np.sqrt(np.maximum(variance, 0.0))


def _centre_and_spread(X):
    """Column means of the rows and their largest deviations (1 where none)."""
    centre = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
    spread = np.zeros(X.shape[1])
    for rows in row_chunks(X.shape[0], X.shape[1]):
        deviation = np.abs(dense_rows(X[rows]) - centre)
        spread = np.maximum(spread, deviation.max(axis=0, initial=0.0))
    spread[~(spread > 0)] = 1.0
    return centre, spread


def hdi(samples, prob):
    """Highest-density interval of each column of ``samples``.

    The shortest interval holding ``floor(prob * n_draws) + 1`` of the sorted
    draws (Chen and Shao, 1999), as :func:`arviz.hdi` computes it for unimodal
    distributions.

    Parameters
    ----------
    samples : ndarray of shape (n_draws, ...)
    prob : float

    Returns
    -------
    interval : ndarray of shape (..., 2)
    """
    ordered = np.sort(samples, axis=0)
    n_draws = ordered.shape[0]
    span = int(np.floor(prob * n_draws))
    if span >= n_draws:
        raise ValueError(f"Too few draws ({n_draws}) for an HDI of {prob}.")
    widths = ordered[span:] - ordered[: n_draws - span]
    start = np.argmin(widths, axis=0)[None]
    lower = np.take_along_axis(ordered, start, axis=0)[0]
    upper = np.take_along_axis(ordered, start + span, axis=0)[0]
    return np.stack([lower, upper], axis=-1)


def _stratified_predictive(X, intercept, coef, sigma, noise, summarise):
    """Apply ``summarise`` to stratified posterior predictive draws, chunk by chunk.

    Each posterior draw is paired with a fixed stratified noise quantile, so the
    result is the same at every call and for each row whatever other rows come
    with it.
    """
    noise = sigma * noise.quantiles(stratified_levels(sigma.shape[0]))
    return np.concatenate(
        [
            summarise(linear_predictor(X[rows], intercept, coef) + noise[:, None])
            for rows in row_chunks(X.shape[0], sigma.shape[0])
        ]
    )


def predictive_interval(X, intercept, coef, sigma, noise, prob):
    """HDI of the posterior predictive of a new observation at each row.

    Returns
    -------
    interval : ndarray of shape (n_rows, 2)
    """
    return _stratified_predictive(
        X, intercept, coef, sigma, noise, lambda draws: hdi(draws, prob)
    )


def predictive_quantiles(X, intercept, coef, sigma, noise, quantiles):
    """Quantiles of the posterior predictive of a new observation at each row.

    Returns
    -------
    values : ndarray of shape (n_rows, n_quantiles)
    """
    return _stratified_predictive(
        X,
        intercept,
        coef,
        sigma,
        noise,
        lambda draws: np.quantile(draws, quantiles, axis=0).T,
    )


def pointwise_log_likelihood(X, y, sample_weight, intercept, coef, sigma, noise):
    """Log-likelihood of each row under each draw, computed in chunks of rows.

    A row of weight ``w`` contributes ``w`` times its log density, as a row
    repeated ``w`` times would.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features)
    y, sample_weight : ndarray of shape (n_rows,)
    intercept, sigma : ndarray of shape (n_draws,)
    coef : ndarray of shape (n_draws, n_features)
    noise : GaussianNoise or StudentTNoise
        The noise distribution of the draws.

    Returns
    -------
    log_lik : ndarray of shape (n_draws, n_rows)
    """
    out = np.empty((sigma.shape[0], X.shape[0]))
    for rows in row_chunks(X.shape[0], sigma.shape[0]):
        residual = y[rows] - linear_predictor(X[rows], intercept, coef)
        out[:, rows] = sample_weight[rows] * _log_density(residual, sigma, noise)
    return out


def _log_density(residual, sigma, noise):
    """Log density of ``residual`` (n_draws, n_rows) under each draw's noise."""
    return noise.log_density(residual / sigma[:, None]) - np.log(sigma)[:, None]


def log_mean_density(X, y, intercept, coef, sigma, noise):
    """``log mean_s p(y_i | intercept_s + X_i coef_s, sigma_s)`` of each row.

    The log pointwise predictive density over the draws ``s``, in chunks of rows.

    Returns
    -------
    lpd : ndarray of shape (n_rows,)
    """
    from scipy.special import logsumexp

    out = np.empty(X.shape[0])
    for rows in row_chunks(X.shape[0], sigma.shape[0]):
        residual = y[rows] - linear_predictor(X[rows], intercept, coef)
        log_density = _log_density(residual, sigma, noise)
        out[rows] = logsumexp(log_density, axis=0) - np.log(sigma.size)
    return out


def gaussian_mixture_interval(mean, sd, prob, iterations=40):
    """Central interval of an equal-weight mixture of Gaussians, per column.

    Parameters
    ----------
    mean, sd : ndarray of shape (n_components, n_points)
    prob : float
        Mass of the interval.

    Returns
    -------
    interval : ndarray of shape (n_points, 2)
        Bounds where the mixture's CDF is ``(1 - prob) / 2`` and
        ``(1 + prob) / 2``, found by bisection to ``2**-iterations`` of the
        initial bracket (about 20 of the widest component's sds).
    """
    from scipy.special import ndtr

    sd = np.maximum(sd, np.finfo(np.float64).tiny)
    lowest = (mean - 10.0 * sd).min(axis=0)
    highest = (mean + 10.0 * sd).max(axis=0)
    bounds = []
    for level in ((1.0 - prob) / 2.0, (1.0 + prob) / 2.0):
        low, high = lowest.copy(), highest.copy()
        for _ in range(iterations):
            middle = 0.5 * (low + high)
            below = ndtr((middle - mean) / sd).mean(axis=0) < level
            low = np.where(below, middle, low)
            high = np.where(below, high, middle)
        bounds.append(0.5 * (low + high))
    return np.stack(bounds, axis=-1)
