"""Weighted, centred sufficient statistics of a linear-Gaussian regression.

This is the only pass over the rows. Rows are reduced in chunks, in float64,
each chunk centred on its own means and merged with the pairwise update of Chan,
Golub and LeVeque, so the statistics stay accurate for any number of rows and
large offsets in ``X`` or ``y``.
"""

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse

#: Rows reduced at once: bounds the float64 working copy of a chunk.
CHUNK_ROWS = 65_536


@dataclass(frozen=True)
class SufficientStatistics:
    """Everything the likelihood needs from the data.

    Attributes
    ----------
    n_obs : float
        Sum of the sample weights (the number of rows when unweighted).
    x_mean : ndarray of shape (n_features,)
        Weighted means of the features.
    y_mean : ndarray of shape (n_targets,)
        Weighted means of the targets.
    xx : ndarray of shape (n_features, n_features)
        Centred weighted cross-products ``sum_i w_i (x_i - x_mean)(x_i - x_mean)'``.
    xy : ndarray of shape (n_features, n_targets)
        Centred weighted cross-products of features and targets.
    yy : ndarray of shape (n_targets,)
        Centred weighted sums of squares of the targets.
    n_rows : int
        Number of rows reduced, whatever their weights.
    """

    n_obs: float
    x_mean: np.ndarray
    y_mean: np.ndarray
    xx: np.ndarray
    xy: np.ndarray
    yy: np.ndarray
    n_rows: int = 0

    @property
    def n_features(self):
        return self.x_mean.shape[0]

    @property
    def n_targets(self):
        return self.y_mean.shape[0]

    def merge(self, other):
        """Statistics of the union of the rows behind ``self`` and ``other``."""
        n_rows = self.n_rows + other.n_rows
        if other.n_obs == 0:
            return replace(self, n_rows=n_rows)
        if self.n_obs == 0:
            return replace(other, n_rows=n_rows)
        n_obs = self.n_obs + other.n_obs
        dx = other.x_mean - self.x_mean
        dy = other.y_mean - self.y_mean
        cross = self.n_obs * other.n_obs / n_obs
        return SufficientStatistics(
            n_obs=n_obs,
            x_mean=self.x_mean + dx * (other.n_obs / n_obs),
            y_mean=self.y_mean + dy * (other.n_obs / n_obs),
            xx=self.xx + other.xx + cross * np.outer(dx, dx),
            xy=self.xy + other.xy + cross * np.outer(dx, dy),
            yy=self.yy + other.yy + cross * dy * dy,
            n_rows=n_rows,
        )

    def raw(self):
        """Uncentred ``(X'WX, X'Wy, y'Wy)``, for models without an intercept."""
        n = self.n_obs
        return (
            self.xx + n * np.outer(self.x_mean, self.x_mean),
            self.xy + n * np.outer(self.x_mean, self.y_mean),
            self.yy + n * self.y_mean**2,
        )


def _sparse_chunk_statistics(X, Y, w):
    """Statistics of a sparse chunk, without densifying it.

    Only the Gram matrix is centred by formula, ``X'WX - n x_mean x_mean'``; the
    cross-products with y are exact since the centred y sums to zero.
    """
    n_obs = float(w.sum())
    x_mean = np.asarray(X.T @ w).ravel() / n_obs
    y_mean = w @ Y / n_obs
    Yc = Y - y_mean
    weighted = X.multiply(w[:, None]).tocsr()
    gram = np.asarray((weighted.T @ X).todense())
    return SufficientStatistics(
        n_obs=n_obs,
        x_mean=x_mean,
        y_mean=y_mean,
        xx=gram - n_obs * np.outer(x_mean, x_mean),
        xy=np.asarray(weighted.T @ Yc),
        yy=np.einsum("i,ik,ik->k", w, Yc, Yc),
        n_rows=X.shape[0],
    )


def _chunk_statistics(X, Y, w):
    """Statistics of one chunk; ``w=None`` weighs every row 1 without a copy."""
    if w is None:
        if scipy.sparse.issparse(X):
            return _chunk_statistics(X, Y, np.ones(X.shape[0]))
        return _unweighted_chunk_statistics(X, Y)
    n_obs = float(w.sum())
    if n_obs == 0:
        n_features, n_targets = X.shape[1], Y.shape[1]
        return SufficientStatistics(
            0.0,
            np.zeros(n_features),
            np.zeros(n_targets),
            np.zeros((n_features, n_features)),
            np.zeros((n_features, n_targets)),
            np.zeros(n_targets),
            n_rows=X.shape[0],
        )
    if scipy.sparse.issparse(X):
        return _sparse_chunk_statistics(X, Y, w)
    x_mean = w @ X / n_obs
    y_mean = w @ Y / n_obs
    Xc = X - x_mean
    Yc = Y - y_mean
    wXc = Xc * w[:, None]
    return SufficientStatistics(
        n_obs=n_obs,
        x_mean=x_mean,
        y_mean=y_mean,
        xx=wXc.T @ Xc,
        xy=wXc.T @ Yc,
        yy=np.einsum("i,ik,ik->k", w, Yc, Yc),
        n_rows=X.shape[0],
    )


def _unweighted_chunk_statistics(X, Y):
    n_rows = X.shape[0]
    if n_rows == 0:
        return _chunk_statistics(X, Y, np.zeros(0))
    x_mean = X.mean(axis=0)
    y_mean = Y.mean(axis=0)
    Xc = X - x_mean
    Yc = Y - y_mean
    return SufficientStatistics(
        n_obs=float(n_rows),
        x_mean=x_mean,
        y_mean=y_mean,
        xx=Xc.T @ Xc,
        xy=Xc.T @ Yc,
        yy=np.einsum("ik,ik->k", Yc, Yc),
        n_rows=n_rows,
    )


def sufficient_statistics(X, Y, sample_weight=None, chunk_rows=CHUNK_ROWS):
    """Reduce data to weighted, centred sufficient statistics.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Design matrix, already validated (finite). Sparse matrices are reduced
        without densifying them.
    Y : array-like of shape (n_samples, n_targets)
        Targets, already validated (finite).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative frequency weights; ``None`` weighs every row 1.
    chunk_rows : int, default=CHUNK_ROWS
        Rows converted to float64 and reduced at once.

    Returns
    -------
    stats : SufficientStatistics
    """
    n_samples = X.shape[0]
    stats = None
    # One (empty) chunk even for zero rows, so that they reduce to zero statistics.
    for start in range(0, max(n_samples, 1), chunk_rows):
        rows = slice(start, start + chunk_rows)
        X_rows = X[rows]
        chunk = _chunk_statistics(
            X_rows.astype(np.float64)
            if scipy.sparse.issparse(X_rows)
            else np.asarray(X_rows, dtype=np.float64),
            np.asarray(Y[rows], dtype=np.float64),
            None
            if sample_weight is None
            else np.asarray(sample_weight[rows], dtype=np.float64),
        )
        stats = chunk if stats is None else stats.merge(chunk)
    return stats
