"""Sufficient statistics: the R factor of the weighted, centred [X | Y]."""

import numpy as np
import pytest
import scipy.sparse

from skbayes._suffstats import sufficient_statistics


def reference_statistics(X, y, w):
    """Two-pass weighted statistics, straight from the definitions."""
    n = w.sum()
    x_mean, y_mean = w @ X / n, w @ y / n
    Xc, yc = X - x_mean, y - y_mean
    return (
        n,
        x_mean,
        y_mean,
        (Xc * w[:, None]).T @ Xc,
        (Xc * w[:, None]).T @ yc,
        w @ yc**2,
    )


def test_chunked_merge_equals_one_pass(rng):
    # Offsets up to 1e6 times the spread cost both computations ~1e-10 relative.
    X = rng.normal(size=(1000, 4)) * [1, 10, 100, 0.01] + [1e6, -3, 0, 7]
    y = rng.normal(size=(1000, 2)) + 5e5
    w = rng.uniform(0, 3, size=1000)
    chunked = sufficient_statistics(X, y, w, chunk_rows=37)
    n, x_mean, y_mean, xx, xy, yy = reference_statistics(X, y, w)
    assert np.isclose(chunked.n_obs, n, rtol=1e-14)
    # Means to rounding relative to the magnitude of their columns.
    assert np.all(np.abs(chunked.x_mean - x_mean) <= 1e-14 * np.abs(X).max(axis=0))
    assert np.all(np.abs(chunked.y_mean - y_mean) <= 1e-14 * np.abs(y).max(axis=0))
    got_xx, got_xy, got_yy = chunked.cross_products()
    np.testing.assert_allclose(got_xx, xx, rtol=1e-10, atol=1e-10 * np.abs(xx).max())
    np.testing.assert_allclose(got_xy, xy, rtol=1e-10, atol=1e-10 * np.abs(xy).max())
    np.testing.assert_allclose(got_yy, yy, rtol=1e-10)
    assert np.allclose(chunked.r_factor, np.triu(chunked.r_factor))


def test_r_factor_is_that_of_the_centred_rows(rng):
    """R equals numpy's QR of the weighted, centred [X | Y] up to row signs."""
    X, y = rng.normal(size=(300, 3)) + 50.0, rng.normal(size=(300, 2))
    w = rng.uniform(0.5, 2.0, size=300)
    stats = sufficient_statistics(X, y, w, chunk_rows=64)
    n = w.sum()
    centred = np.column_stack([X - w @ X / n, y - w @ y / n]) * np.sqrt(w)[:, None]
    expected = np.linalg.qr(centred, mode="r")
    np.testing.assert_allclose(
        np.abs(stats.r_factor), np.abs(expected), rtol=1e-10, atol=1e-12
    )


def test_integer_weights_equal_repeated_rows(rng):
    X, y = rng.normal(size=(50, 3)), rng.normal(size=(50, 1))
    w = rng.integers(0, 4, size=50)
    weighted = sufficient_statistics(X, y, w)
    repeated = sufficient_statistics(np.repeat(X, w, axis=0), np.repeat(y, w, axis=0))
    assert weighted.n_obs == repeated.n_obs
    for name in ("x_mean", "y_mean"):
        np.testing.assert_allclose(
            getattr(weighted, name), getattr(repeated, name), atol=1e-12
        )
    for a, b in zip(weighted.cross_products(), repeated.cross_products(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_large_offset_keeps_precision(rng):
    """Centring per chunk keeps the variance of data far from zero."""
    X = 1e9 + rng.normal(size=(10_000, 1))
    y = 1e9 + 2 * (X[:, 0] - 1e9) + rng.normal(size=10_000)
    stats = sufficient_statistics(X, y[:, None], chunk_rows=1000)
    Xc = X - X.mean(0)
    np.testing.assert_allclose(
        stats.cross_products()[0][0, 0], Xc[:, 0] @ Xc[:, 0], rtol=1e-6
    )


def test_raw_cross_products(rng):
    X, y = rng.normal(size=(20, 2)) + 3, rng.normal(size=(20, 1)) - 1
    xx, xy, yy = sufficient_statistics(X, y).cross_products(centred=False)
    np.testing.assert_allclose(xx, X.T @ X)
    np.testing.assert_allclose(xy, X.T @ y)
    np.testing.assert_allclose(yy, (y**2).sum(0))


def test_fewer_rows_than_columns(rng):
    X, y = rng.normal(size=(3, 6)), rng.normal(size=(3, 1))
    xx = sufficient_statistics(X, y).cross_products()[0]
    Xc = X - X.mean(0)
    np.testing.assert_allclose(xx, Xc.T @ Xc, atol=1e-12)


@pytest.mark.parametrize("offset", [0.0, 1e3, 1.7e12, 1e8])
def test_sparse_equals_dense_for_any_offset(rng, offset):
    """A sparse column far from zero loses nothing: no Gram is centred by formula."""
    dense = scipy.sparse.random(400, 5, density=0.3, random_state=3).toarray()
    dense[:, 0] = offset + rng.uniform(0, 6e5, size=400)  # e.g. epoch milliseconds
    y = rng.normal(size=(400, 1)) + dense[:, :1] * 1e-6
    w = rng.uniform(0, 2, size=400)
    sparse = sufficient_statistics(scipy.sparse.csr_matrix(dense), y, w, chunk_rows=97)
    full = sufficient_statistics(dense, y, w, chunk_rows=97)
    np.testing.assert_allclose(sparse.x_mean, full.x_mean, rtol=1e-15)
    # Entry by entry relative to the norm of its column of R: rounding level.
    column_norms = np.linalg.norm(full.r_factor, axis=0)
    assert np.all(np.abs(sparse.r_factor - full.r_factor) <= 1e-12 * column_norms)


def test_zero_weight_rows_change_nothing(rng):
    X, y = rng.normal(size=(40, 2)), rng.normal(size=(40, 1))
    w = np.r_[np.ones(30), np.zeros(10)]
    stats = sufficient_statistics(X, y, w)
    assert stats.matches(sufficient_statistics(X[:30], y[:30])) is False  # n_rows
    assert stats.n_rows == 40 and stats.n_obs == 30
    np.testing.assert_allclose(
        stats.cross_products()[0],
        sufficient_statistics(X[:30], y[:30]).cross_products()[0],
    )


def test_overflowing_values_are_named():
    X = np.array([[1.7e308], [1.7e308], [-1.0]])
    with pytest.raises(ValueError, match="weighted sums of X overflow float64"):
        sufficient_statistics(X, np.ones((3, 1)))
