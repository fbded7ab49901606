import numpy as np

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
    np.testing.assert_allclose(chunked.x_mean, x_mean, rtol=1e-14)
    np.testing.assert_allclose(chunked.y_mean, y_mean, rtol=1e-14)
    np.testing.assert_allclose(
        chunked.xx, xx, rtol=1e-10, atol=1e-10 * np.abs(xx).max()
    )
    np.testing.assert_allclose(
        chunked.xy, xy, rtol=1e-10, atol=1e-10 * np.abs(xy).max()
    )
    np.testing.assert_allclose(chunked.yy, yy, rtol=1e-10)


def test_integer_weights_equal_repeated_rows(rng):
    X, y = rng.normal(size=(50, 3)), rng.normal(size=(50, 1))
    w = rng.integers(0, 4, size=50)
    weighted = sufficient_statistics(X, y, w)
    repeated = sufficient_statistics(np.repeat(X, w, axis=0), np.repeat(y, w, axis=0))
    assert weighted.n_obs == repeated.n_obs
    for name in ("x_mean", "y_mean", "xx", "xy", "yy"):
        np.testing.assert_allclose(
            getattr(weighted, name), getattr(repeated, name), atol=1e-12
        )


def test_large_offset_keeps_precision(rng):
    """Centring per chunk keeps the variance of data far from zero."""
    X = 1e9 + rng.normal(size=(10_000, 1))
    y = 1e9 + 2 * (X[:, 0] - 1e9) + rng.normal(size=10_000)
    stats = sufficient_statistics(X, y[:, None], chunk_rows=1000)
    Xc = X - X.mean(0)
    np.testing.assert_allclose(stats.xx[0, 0], Xc[:, 0] @ Xc[:, 0], rtol=1e-6)


def test_raw_cross_products(rng):
    X, y = rng.normal(size=(20, 2)) + 3, rng.normal(size=(20, 1)) - 1
    xx, xy, yy = sufficient_statistics(X, y).raw()
    np.testing.assert_allclose(xx, X.T @ X)
    np.testing.assert_allclose(xy, X.T @ y)
    np.testing.assert_allclose(yy, (y**2).sum(0))
