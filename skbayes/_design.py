"""One decomposition of the design, from the R factor of the statistics.

Everything the samplers need from the data is read off the singular value
decomposition of the standardised R factor of the features, ``R_x = U S V'``,
computed once per fit and shared by every target and coefficient prior:

* ``V`` and ``S**2`` are the eigenvectors and eigenvalues of the standardised
  Gram matrix, with the accuracy of ``S`` itself (the condition number of the
  design, not its square, meets float64);
* ``U' R_xy / S`` are the least-squares coefficients in that basis;
* the residual sum of squares is a sum of squares of R's entries, free of the
  cancellation of ``y'y - b'X'y``.

Features and targets are standardised first (divided by their scales), so
data of any magnitude that float64 can hold give the same numbers here.
"""

from dataclasses import dataclass

import numpy as np

_EPS = np.finfo(np.float64).eps
#: Multiple of the float64 resolution of a residual below which it is
#: rounding error: the rms residual of exactly linear data computed in float64
#: stayed below 2.1 ulps of their magnitude in 1,000 random full-rank designs
#: (offsets to 1e12, weights, integer data, up to 30 columns).
_EXACT_FIT_ULPS = 8.0


def _column_norms(matrix):
    """Euclidean norms of the columns, safe from under- and overflow."""
    peak = np.abs(matrix).max(axis=0, initial=0.0)
    safe = np.where(peak > 0, peak, 1.0)
    return peak * np.sqrt(np.sum((matrix / safe) ** 2, axis=0))


@dataclass(frozen=True)
class DesignDecomposition:
    """The standardised design and targets of a fit, decomposed once.

    Attributes
    ----------
    fit_intercept : bool
        Whether the data are centred (the model has an intercept).
    n_obs : float
        Total weight of the observations.
    n_rows : int
        Number of rows behind the statistics.
    x_mean : ndarray of shape (n_features,)
        Feature means the coefficients are centred on (zeros without intercept).
    x_scale : ndarray of shape (n_features,)
        Weighted sd of each feature (root mean square without intercept); 1 for
        a constant feature.
    y_mean : ndarray of shape (n_targets,)
        Target means (zeros without intercept).
    y_scale : ndarray of shape (n_targets,)
        Weighted sd (root mean square) of each target; 1 for a constant one.
    y_spread : ndarray of shape (n_targets,)
        Weighted sd of each target about its mean (with or without an
        intercept); 1 for a constant one.
    singular_values : ndarray of shape (n_features,)
        ``S``, in decreasing order, exactly 0 below the rank tolerance.
    right_vectors : ndarray of shape (n_features, n_features)
        ``V``: columns are the directions of ``S``.
    projections : ndarray of shape (n_features, n_targets)
        ``U' R_xy``: the standardised targets' components along each direction.
    rss : ndarray of shape (n_targets,)
        Residual sums of squares of the least-squares fits, in units of
        ``y_scale**2``.
    resolution : ndarray of shape (n_targets,)
        The float64 rounding level of ``rss``: an ``rss`` below it is rounding
        error of an exactly linear ``y``.
    rank : int
        Number of non-zero singular values.
    """

    fit_intercept: bool
    n_obs: float
    n_rows: int
    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray
    y_spread: np.ndarray
    singular_values: np.ndarray
    right_vectors: np.ndarray
    projections: np.ndarray
    rss: np.ndarray
    resolution: np.ndarray
    rank: int

    @property
    def n_features(self):
        return self.x_scale.shape[0]

    @property
    def eigenvalues(self):
        """Eigenvalues ``S**2`` of the standardised Gram matrix."""
        return self.singular_values**2

    def least_squares(self, target):
        """Minimum-norm least-squares coefficients of a target, in the basis ``V``."""
        s = self.singular_values
        return np.divide(
            self.projections[:, target], s, out=np.zeros_like(s), where=s > 0
        )

    def exact_fit(self, target):
        """Whether the least-squares residual of a target is rounding error."""
        return bool(self.rss[target] <= self.resolution[target])


def decompose(stats, fit_intercept):
    """Decompose the standardised design of ``stats``.

    Parameters
    ----------
    stats : SufficientStatistics
    fit_intercept : bool
        Centred statistics when True; the raw (uncentred) ones otherwise.

    Returns
    -------
    design : DesignDecomposition
    """
    p, k = stats.n_features, stats.n_targets
    r = stats.r_factor if fit_intercept else stats.raw_factor()
    root_n = np.sqrt(max(stats.n_obs, np.finfo(float).tiny))
    scales = _column_norms(r) / root_n
    scales[~(scales > 0)] = 1.0
    x_scale, y_scale = scales[:p], scales[p:]
    _check_coefficient_range(x_scale, y_scale)
    standard = r / scales
    u, s, vt = np.linalg.svd(standard[:p, :p]) if p else _empty_svd()
    # numpy.linalg.matrix_rank's tolerance, over the rows of the data.
    tolerance = s.max(initial=0.0) * _EPS * max(stats.n_rows, p + 1)
    s = np.where(s > tolerance, s, 0.0)
    projections = u.T @ standard[:p, p:]
    dropped = s == 0
    rss = np.sum(standard[p:, p:] ** 2, axis=0) + np.sum(
        projections[dropped] ** 2, axis=0
    )
    if fit_intercept:
        x_mean, y_mean = stats.x_mean, stats.y_mean
        y_spread = y_scale
    else:
        x_mean, y_mean = np.zeros(p), np.zeros(k)
        y_spread = _column_norms(stats.r_factor[:, p:]) / root_n
        y_spread[~(y_spread > 0)] = 1.0
    return DesignDecomposition(
        fit_intercept=fit_intercept,
        n_obs=stats.n_obs,
        n_rows=stats.n_rows,
        x_mean=x_mean,
        x_scale=x_scale,
        y_mean=y_mean,
        y_scale=y_scale,
        y_spread=y_spread,
        singular_values=s,
        right_vectors=vt.T,
        projections=projections,
        rss=rss,
        resolution=_residual_resolution(
            stats, fit_intercept, x_scale, y_scale, s, vt.T, projections
        ),
        rank=int(np.sum(s > 0)),
    )


def _check_coefficient_range(x_scale, y_scale):
    """Raise if coefficients of this X for this y would overflow float64."""
    # Coefficients are of the order of y_scale / x_scale: keep 1e8 of room.
    exponent = np.log10(y_scale)[None, :] - np.log10(x_scale)[:, None]
    if exponent.size and not np.all(np.abs(exponent) < 300):
        worst = exponent.flat[np.argmax(np.abs(exponent))]
        raise ValueError(
            f"The coefficients of these data would be of the order of 1e{worst:.0f}, "
            "beyond float64: the scales of X and y are too far apart. Rescale X or "
            "y (for example by powers of 10) and scale the coefficients back."
        )


def _empty_svd():
    return np.zeros((0, 0)), np.zeros(0), np.zeros((0, 0))


def _residual_resolution(stats, fit_intercept, x_scale, y_scale, s, v, projections):
    """Rounding level of each target's standardised residual sum of squares.

    Each value of the data carries a relative rounding error of ``eps``, so
    the rms residual of an exactly linear ``y`` is of the order of ``eps``
    times the raw magnitudes of ``y`` and of the terms of ``X @ coef``,
    whatever their means (centring does not remove the rounding of values far
    from zero).
    """
    p, k = stats.n_features, stats.n_targets
    n = max(stats.n_obs, np.finfo(float).tiny)
    # Raw root mean squares relative to the scales (which are raw already
    # without an intercept).
    x_rms, y_rms = np.ones(p), np.ones(k)
    if fit_intercept:
        x_rms = np.sqrt(1.0 + (stats.x_mean / x_scale) ** 2)
        y_rms = np.sqrt(1.0 + (stats.y_mean / y_scale) ** 2)
    coef = v @ np.divide(
        projections, s[:, None], out=np.zeros_like(projections), where=s[:, None] > 0
    )
    magnitude = y_rms + np.sqrt(((x_rms[:, None] * coef) ** 2).sum(axis=0))
    return n * (_EXACT_FIT_ULPS * _EPS * magnitude) ** 2
