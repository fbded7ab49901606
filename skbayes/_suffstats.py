"""Weighted, centred sufficient statistics of a linear-Gaussian regression.

This is the only pass over the rows. The statistics are the weighted means of
the features and targets and the upper-triangular R factor of the weighted,
centred ``[X | Y]``, so that ``R'R`` is the centred cross-product matrix but is
never formed: its condition number is the square of the design's, and forming
it would lose half the digits of an ill-conditioned design.

Rows are reduced in blocks, each block folded into R by a Householder QR of R
stacked on the block (LAPACK's ``tpqrt``), so the cost is one QR of the rows
and the memory ``O(p**2)``. Two sets of statistics merge exactly by a QR of the
stacked factors and the scaled difference of their means (a tree of such
merges is TSQR), which is what ``partial_fit`` and Dask blocks use. Sparse
chunks are densified a block of rows at a time, never whole.
"""

from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg
import scipy.sparse
from scipy.linalg import lapack

#: Rows converted to float64 at once: bounds the working copy of a chunk.
CHUNK_ROWS = 65_536
#: Rows folded into R at once, and a bound on the cells of that dense block
#: for wide designs: measured fastest on x86-64 with OpenBLAS.
_BLOCK_ROWS = 1024
_BLOCK_CELLS = 1 << 20
#: Columns per panel of the blocked Householder QR: narrow panels leave most
#: of the work to matrix-matrix products.
_PANEL = 8


@dataclass(frozen=True)
class SufficientStatistics:
    """Everything the likelihood needs from the data.

    The weighted means of ``[X | Y]`` are held as ``origin + centre``: the
    origin is a first estimate (the mean of the first chunk, rounded once) and
    the centre a small correction known to full precision, so that merging
    statistics of columns far from zero differences means without rounding
    them at ``|mean| * eps``.

    Attributes
    ----------
    n_obs : float
        Sum of the sample weights (the number of rows when unweighted).
    origin : ndarray of shape (n_features + n_targets,)
        Reference point of the means.
    centre : ndarray of shape (n_features + n_targets,)
        Weighted means minus ``origin``.
    r_factor : ndarray of shape (n_features + n_targets, n_features + n_targets)
        Upper-triangular R of ``sqrt(W) [X - x_mean | Y - y_mean]`` (rows in
        any order, signs arbitrary): ``R'R`` is the centred weighted
        cross-product matrix.
    n_features : int
    n_rows : int
        Number of rows reduced, whatever their weights.
    """

    n_obs: float
    origin: np.ndarray
    centre: np.ndarray
    r_factor: np.ndarray
    n_features: int
    n_rows: int = 0

    @property
    def n_targets(self):
        return self.origin.shape[0] - self.n_features

    @property
    def mean(self):
        """Weighted means of ``[X | Y]``, rounded to float64."""
        return self.origin + self.centre

    @property
    def x_mean(self):
        """Weighted means of the features."""
        return self.mean[: self.n_features]

    @property
    def y_mean(self):
        """Weighted means of the targets."""
        return self.mean[self.n_features :]

    def merge(self, other):
        """Statistics of the union of the rows behind ``self`` and ``other``."""
        n_rows = self.n_rows + other.n_rows
        if other.n_obs == 0:
            return replace(self, n_rows=n_rows)
        if self.n_obs == 0:
            return replace(other, n_rows=n_rows)
        n_obs = self.n_obs + other.n_obs
        share = other.n_obs / n_obs
        # Origins of nearby chunks differ exactly (Sterbenz); the centres are
        # small: the difference of the means keeps its digits.
        difference = (other.origin - self.origin) + (other.centre - self.centre)
        # The centred scatter of the union is S_a + S_b + n_a n_b / n d d'.
        correction = np.sqrt(self.n_obs * share) * difference
        stacked = np.vstack([self.r_factor, other.r_factor, correction[None]])
        return SufficientStatistics(
            n_obs=n_obs,
            origin=self.origin,
            centre=self.centre + share * difference,
            r_factor=_triangular_factor(stacked),
            n_features=self.n_features,
            n_rows=n_rows,
        )

    def matches(self, other, rtol=1e-8):
        """Whether ``other`` reduces the same rows, up to float64 rounding.

        Means are compared relative to the spread of each column, and the
        centred cross-products relative to the product of the two columns'
        norms, so the test is scale-free and tolerant of the order of the rows.
        """
        if self.n_rows != other.n_rows or not np.isclose(
            self.n_obs, other.n_obs, rtol=rtol
        ):
            return False
        gram, other_gram = (
            self.r_factor.T @ self.r_factor,
            other.r_factor.T @ other.r_factor,
        )
        norms = np.sqrt(np.diag(gram))
        mean, other_mean = self.mean, other.mean
        spread = norms / np.sqrt(max(self.n_obs, np.finfo(float).tiny))
        return bool(
            np.all(np.abs(mean - other_mean) <= rtol * (np.abs(mean) + spread))
            and np.all(np.abs(gram - other_gram) <= rtol * np.outer(norms, norms))
        )

    def raw_factor(self):
        """R factor of the uncentred ``sqrt(W) [X | Y]``, for models without intercept.

        ``R'R + n m m'`` as the QR of ``R`` stacked on ``sqrt(n) m``, which
        adds the means back without cancellation.
        """
        mean = self.mean
        return _triangular_factor(
            np.vstack([self.r_factor, np.sqrt(self.n_obs) * mean[None]])
        )

    def cross_products(self, centred=True):
        """``(X'WX, X'Wy, y'Wy)``, centred or raw, for reference and tests only.

        The fit never forms these: they square the condition number.
        """
        r = self.r_factor if centred else self.raw_factor()
        gram = r.T @ r
        p = self.n_features
        return gram[:p, :p], gram[:p, p:], np.diag(gram)[p:].copy()


def _triangular_factor(stacked):
    """Upper-triangular R of a QR of ``stacked``, square of its column count."""
    d = stacked.shape[1]
    r = scipy.linalg.qr(stacked, mode="r", check_finite=False)[0]
    out = np.zeros((d, d))
    rows = min(d, r.shape[0])
    out[:rows] = np.triu(r[:rows])
    return out


def _empty_statistics(n_features, n_targets, n_rows):
    d = n_features + n_targets
    return SufficientStatistics(
        0.0, np.zeros(d), np.zeros(d), np.zeros((d, d)), n_features, n_rows
    )


def _dense_rows(X, rows):
    """Rows of X as a dense float64 array (a sparse block is densified here)."""
    block = X[rows]
    if scipy.sparse.issparse(block):
        return block.toarray().astype(np.float64, copy=False)
    return np.asarray(block, dtype=np.float64)


def _chunk_statistics(X, Y, w):
    """Statistics of one chunk; ``w=None`` weighs every row 1.

    The rows are centred on a first estimate of their means and reduced with
    a leading column of ``sqrt(w)``: the QR then projects that column out,
    which centres the rows on their exact weighted means, and its first row
    holds the correction to the first estimate. So the means and the centred
    factor keep full precision for columns far from zero, whether ``X`` is
    dense or sparse.
    """
    n_rows, n_features = X.shape
    n_targets = Y.shape[1]
    n_obs = float(n_rows if w is None else w.sum())
    if n_obs == 0:
        return _empty_statistics(n_features, n_targets, n_rows)
    if w is None:
        first_mean = np.concatenate(
            [np.asarray(X.mean(axis=0)).ravel(), Y.mean(axis=0)]
        )
        root_w = None
    else:
        first_mean = np.concatenate([np.asarray(X.T @ w).ravel(), w @ Y]) / n_obs
        root_w = np.sqrt(w)[:, None]
    d = 1 + n_features + n_targets
    block_rows = max(1, min(n_rows, _BLOCK_ROWS, _BLOCK_CELLS // d))
    r = np.zeros((d, d), order="F")
    block = np.empty((block_rows, d), order="F")
    for start in range(0, n_rows, block_rows):
        rows = slice(start, start + block_rows)
        part = block[: min(block_rows, n_rows - start)]
        part[:, 0] = 1.0
        part[:, 1 : 1 + n_features] = _dense_rows(X, rows)
        part[:, 1 + n_features :] = Y[rows]
        part[:, 1:] -= first_mean
        if root_w is not None:
            part *= root_w[rows]
        # QR of [R; block] that keeps R triangular: about 2 m d**2 flops.
        r, _, _, info = lapack.dtpqrt(
            0, min(_PANEL, d), r, part, overwrite_a=True, overwrite_b=True
        )
        if info != 0:  # pragma: no cover - LAPACK argument errors only
            raise RuntimeError(f"LAPACK dtpqrt failed with info={info}.")
    # r[0, 0] = +-sqrt(n) and r[0, 1:] = +-sum(w (x - first_mean)) / sqrt(n).
    return SufficientStatistics(
        n_obs=n_obs,
        origin=first_mean,
        centre=r[0, 1:] / r[0, 0],
        r_factor=np.triu(r[1:, 1:]),
        n_features=n_features,
        n_rows=n_rows,
    )


def sufficient_statistics(X, Y, sample_weight=None, chunk_rows=CHUNK_ROWS):
    """Reduce data to weighted, centred sufficient statistics.

    Parameters
    ----------
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Design matrix, already validated (finite). Sparse matrices are
        densified a block of rows at a time.
    Y : array-like of shape (n_samples, n_targets)
        Targets, already validated (finite).
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative frequency weights; ``None`` weighs every row 1.
    chunk_rows : int, default=CHUNK_ROWS
        Rows converted to float64 and centred on their own means at once.

    Returns
    -------
    stats : SufficientStatistics

    Raises
    ------
    ValueError
        If the data are so large in magnitude that their statistics overflow
        float64.
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
    _check_representable(stats)
    return stats


def _check_representable(stats):
    """Raise if the statistics overflowed float64, naming the data at fault."""
    p = stats.n_features
    finite_x = (
        np.isfinite(stats.x_mean).all() and np.isfinite(stats.r_factor[:, :p]).all()
    )
    for name, finite in (
        ("sample_weight", np.isfinite(stats.n_obs)),
        ("X", finite_x),
        ("y", np.isfinite(stats.y_mean).all() and np.isfinite(stats.r_factor).all()),
    ):
        if not finite:
            raise ValueError(
                f"The weighted sums of {name} overflow float64: its values are too "
                f"large in magnitude to fit. Rescale {name} (for example divide it by "
                "a power of 10) and scale the coefficients back."
            )


def distinct_weighted_rows(X, Y, sample_weight):
    """The distinct rows of ``[X | Y]`` in sorted order, each with its total weight.

    What a likelihood that reads every row needs of the data: rows of weight 0
    are dropped and repeated rows merged, so frequency weights and repeated rows
    give the same rows exactly, and the order of the rows does not matter.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_rows, n_features)
    Y : ndarray of shape (n_rows, n_targets)
    sample_weight : ndarray of shape (n_rows,) or None

    Returns
    -------
    X, Y : ndarray of shape (n_distinct, n_features) and (n_distinct, n_targets)
        Dense float64.
    sample_weight : ndarray of shape (n_distinct,)
    """
    dense = X.toarray() if scipy.sparse.issparse(X) else np.asarray(X)
    table = np.column_stack([dense, Y]).astype(np.float64, copy=False)
    weight = (
        np.ones(table.shape[0])
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64)
    )
    kept = weight > 0
    distinct, inverse = np.unique(table[kept], axis=0, return_inverse=True)
    totals = np.bincount(inverse.ravel(), weights=weight[kept], minlength=len(distinct))
    n_features = dense.shape[1]
    return distinct[:, :n_features], distinct[:, n_features:], totals
