"""The pass over the rows: the R factor against a Gram-matrix reduction, in one run.

skbayes reduces the rows to the R factor of the weighted, centred ``[X | y]``
(:func:`skbayes._suffstats.sufficient_statistics`). The peer is the reduction
it replaced, written out here: per chunk of 65,536 rows the weighted means and
the centred cross-products ``X_c' W X_c``, ``X_c' W y_c``, ``y_c' W y_c``
(BLAS ``syrk``/``gemm``; a sparse chunk as ``X' W X - n m m'`` without
densifying), merged with Chan, Golub and LeVeque's update. The Gram reduction
does about half the floating-point work of a QR and squares the condition
number; the table shows what the exactness costs.

Reported per case: the best of ``--repeats`` wall times of each reduction, and
their ratio (R factor over Gram), measured alternately in one process.

Usage::

    python benchmarks/bench_suffstats.py [--rows 1000000] [--repeats 5]
"""

import argparse
import os
import sys
from functools import partial

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import scipy.sparse  # noqa: E402

from benchmarks._common import MarkdownTable, best_of  # noqa: E402
from skbayes._suffstats import sufficient_statistics  # noqa: E402

CHUNK_ROWS = 65_536


def _gram_chunk(X, Y, w):
    """Weighted centred cross-products of one chunk (the replaced reduction)."""
    if w is None:
        if scipy.sparse.issparse(X):
            return _gram_chunk(X, Y, np.ones(X.shape[0]))
        x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
        Xc, Yc = X - x_mean, Y - y_mean
        yy = np.einsum("ik,ik->k", Yc, Yc)
        return float(X.shape[0]), x_mean, y_mean, Xc.T @ Xc, Xc.T @ Yc, yy
    n = float(w.sum())
    if scipy.sparse.issparse(X):
        x_mean = np.asarray(X.T @ w).ravel() / n
        weighted = X.multiply(w[:, None]).tocsr()
        y_mean = w @ Y / n
        Yc = Y - y_mean
        xx = np.asarray((weighted.T @ X).todense()) - n * np.outer(x_mean, x_mean)
        xy = np.asarray(weighted.T @ Yc)
    else:
        x_mean, y_mean = w @ X / n, w @ Y / n
        Xc, Yc = X - x_mean, Y - y_mean
        wXc = Xc * w[:, None]
        xx, xy = wXc.T @ Xc, wXc.T @ Yc
    return n, x_mean, y_mean, xx, xy, np.einsum("i,ik,ik->k", w, Yc, Yc)


def _gram_merge(a, b):
    n_a, xm_a, ym_a, xx_a, xy_a, yy_a = a
    n_b, xm_b, ym_b, xx_b, xy_b, yy_b = b
    n = n_a + n_b
    dx, dy = xm_b - xm_a, ym_b - ym_a
    cross = n_a * n_b / n
    return (
        n,
        xm_a + dx * n_b / n,
        ym_a + dy * n_b / n,
        xx_a + xx_b + cross * np.outer(dx, dx),
        xy_a + xy_b + cross * np.outer(dx, dy),
        yy_a + yy_b + cross * dy * dy,
    )


def gram_statistics(X, Y, w):
    """The Gram-matrix reduction, chunk by chunk, as skbayes did before."""
    stats = None
    for start in range(0, X.shape[0], CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        chunk = _gram_chunk(X[rows], Y[rows], None if w is None else w[rows])
        stats = chunk if stats is None else _gram_merge(stats, chunk)
    return stats


def _cases(n_rows, rng):
    for n_features in (10, 30, 100):
        X = rng.normal(size=(n_rows, n_features))
        Y = rng.normal(size=(n_rows, 1))
        yield "dense", n_features, X, Y
    for n_features in (10, 100):
        X = scipy.sparse.random(
            n_rows, n_features, density=0.05, format="csr", random_state=1
        )
        yield "sparse 5%", n_features, X, rng.normal(size=(n_rows, 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{args.rows} rows, best of {args.repeats}; weighted and unweighted\n")
    table = MarkdownTable(("input", "p", "weights", "Gram s", "R factor s", "R / Gram"))
    table.print_header()
    for kind, n_features, X, Y in _cases(args.rows, rng):
        for weighted in (False, True):
            w = rng.uniform(0.5, 2.0, args.rows) if weighted else None
            gram = best_of(partial(gram_statistics, X, Y, w), args.repeats)
            r_factor = best_of(partial(sufficient_statistics, X, Y, w), args.repeats)
            table.print_row(
                (
                    kind,
                    str(n_features),
                    "yes" if weighted else "no",
                    f"{gram:.3f}",
                    f"{r_factor:.3f}",
                    f"{r_factor / gram:.2f}",
                )
            )


if __name__ == "__main__":
    main()
