"""Fits on Dask collections, reduced by a two-worker LocalCluster."""

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from skbayes import BayesianLinearRegressor  # noqa: E402

N_ROWS, N_BLOCKS = 40_000, 8
COEF = np.array([0.5, -1.0, 2.0, 0.1])
NAMES = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def dask_data():
    """Rows generated block by block on the workers, never as one numpy array."""
    rng = da.random.default_rng(7)
    rows = N_ROWS // N_BLOCKS
    X = rng.normal(size=(N_ROWS, 4), chunks=(rows, 4)) + [0.0, 10.0, -5.0, 100.0]
    y = 1.0 + X @ COEF + rng.normal(scale=0.8, size=N_ROWS, chunks=rows)
    return X, y


def _block_tasks(task_stream):
    return [task for task in task_stream if "_block_statistics" in str(task["key"])]


def test_posterior_matches_the_in_memory_fit(client, dask_data):
    X, y = dask_data
    with distributed.get_task_stream(client) as tasks:
        model = BayesianLinearRegressor(random_state=0).fit(X, y)
    # Each block was reduced on a worker, and both workers took part.
    block_tasks = _block_tasks(tasks.data)
    assert len(block_tasks) == N_BLOCKS
    assert {task["worker"] for task in block_tasks} == set(
        client.scheduler_info()["workers"]
    )

    # The in-memory reference sees the same rows one block at a time.
    reference = BayesianLinearRegressor(random_state=0)
    for X_block, y_block in zip(X.blocks, y.blocks, strict=True):
        reference.partial_fit(X_block.compute(), y_block.compute())
    for name in ("x_mean", "y_mean", "xx", "xy", "yy"):
        np.testing.assert_allclose(
            getattr(model._stats, name), getattr(reference._stats, name), rtol=1e-10
        )
    assert model._stats.n_rows == N_ROWS
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    ess = reference.diagnostics_["min_ess_bulk"]
    for name in ("coef", "sigma"):
        a, b = model.posterior_samples_[name], reference.posterior_samples_[name]
        se = np.sqrt(2) * b.std(axis=0) / np.sqrt(ess)
        np.testing.assert_array_less(np.abs(a.mean(axis=0) - b.mean(axis=0)), 4 * se)
    assert "observed_data" not in model.idata_.groups()
    assert model.n_features_in_ == 4

    # Predictions are Dask arrays too, computed block by block when asked for.
    mean, std = model.predict(X, return_std=True)
    assert isinstance(mean, da.Array) and mean.chunks == (X.chunks[0],)
    first_block = X.blocks[0].compute()
    expected_mean, expected_std = model.predict(first_block, return_std=True)
    np.testing.assert_allclose(mean.blocks[0].compute(), expected_mean, rtol=1e-12)
    np.testing.assert_allclose(std.blocks[0].compute(), expected_std, rtol=1e-12)


def test_dataframes_keep_their_feature_names(client, dask_data):
    X, y = dask_data
    X_frame = dd.from_dask_array(X, columns=NAMES)
    y_series = dd.from_dask_array(y)
    model = BayesianLinearRegressor(random_state=0).fit(X_frame, y_series)
    from_array = BayesianLinearRegressor(random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.feature_names_in_, NAMES)
    np.testing.assert_allclose(model.coef_, from_array.coef_, rtol=1e-9)

    rows = pd.DataFrame(X.blocks[0].compute()[:5], columns=NAMES)
    np.testing.assert_allclose(model.predict(rows), from_array.predict(rows.values))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(rows[NAMES[::-1]])
    # Partitions keep their names, so lazy predictions check them block by block.
    lazy = model.predict(X_frame.partitions[:2]).compute()
    np.testing.assert_allclose(lazy, from_array.predict(X.blocks[:2].compute()))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X_frame[NAMES[::-1]]).compute()
    with pytest.raises(ValueError, match="feature names"):
        model.predict_interval(X_frame[NAMES[::-1]]).compute()


def test_weights_and_several_targets(client):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 3))
    Y = X @ rng.normal(size=(3, 2)) + rng.normal(size=(2000, 2))
    weight = rng.integers(0, 4, size=2000).astype(float)
    in_memory = BayesianLinearRegressor(random_state=1).fit(X, Y, sample_weight=weight)
    # y and the weights as Dask arrays with other chunks, or in memory: both are
    # split along the row chunks of X.
    model = BayesianLinearRegressor(random_state=1).fit(
        da.from_array(X, chunks=(300, 3)),
        da.from_array(Y, chunks=(700, 1)),
        sample_weight=weight,
    )
    assert model.coef_.shape == (2, 3)
    X_lazy = da.from_array(X, chunks=500)
    lazy_mean, lazy_std = model.predict(X_lazy, return_std=True)
    mean, std = model.predict(X, return_std=True)
    assert lazy_mean.shape == lazy_std.shape == (2000, 2)
    np.testing.assert_allclose(lazy_mean.compute(), mean, rtol=1e-12)
    np.testing.assert_allclose(lazy_std.compute(), std, rtol=1e-12)
    # The predictive summaries use fixed quantiles of the noise, so block by
    # block they equal the in-memory result.
    interval = model.predict_interval(X_lazy, prob=0.8)
    assert interval.shape == (2000, 2, 2)
    np.testing.assert_allclose(
        interval.compute(), model.predict_interval(X, prob=0.8), rtol=1e-12
    )
    quantiles = model.predict_quantiles(X_lazy, [0.1, 0.5, 0.9])
    assert quantiles.shape == (2000, 2, 3)
    np.testing.assert_allclose(
        quantiles.compute(), model.predict_quantiles(X, [0.1, 0.5, 0.9]), rtol=1e-12
    )
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-8)
    np.testing.assert_allclose(model._stats.xx, in_memory._stats.xx, rtol=1e-10)


def test_bad_blocks_raise_clear_errors(client, dask_data):
    X, y = dask_data
    with_nan = da.where(da.arange(N_ROWS)[:, None] == N_ROWS - 1, np.nan, X)
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        BayesianLinearRegressor().fit(with_nan, y)
    with pytest.raises(ValueError, match="Negative values in data passed to sample"):
        BayesianLinearRegressor().fit(X, y, sample_weight=-da.ones_like(y))
    with pytest.raises(ValueError, match="at least one non-zero"):
        BayesianLinearRegressor().fit(X, y, sample_weight=da.zeros_like(y))
    with pytest.raises(ValueError, match="same blocks of rows"):
        BayesianLinearRegressor().fit(
            dd.from_dask_array(X, columns=NAMES),
            dd.from_dask_array(y.rechunk(N_ROWS // 2)),
        )
    with pytest.raises(ValueError, match="2-D"):
        BayesianLinearRegressor().fit(y, y)
    with pytest.raises(ValueError, match="has 10 rows, but X has"):
        BayesianLinearRegressor().fit(X, np.ones(10))


def test_grid_search_fans_out_over_the_cluster(client):
    joblib = pytest.importorskip("joblib")
    from sklearn.model_selection import GridSearchCV

    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3))
    y = X @ [1.0, 0.0, -0.5] + rng.normal(size=200)
    grid = {"prior_scale": [0.01, 1.0]}
    search = GridSearchCV(
        BayesianLinearRegressor(num_warmup=300, num_samples=300, random_state=0),
        grid,
        cv=2,
        n_jobs=-1,
    )
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        search.fit(X, y)
    local = GridSearchCV(search.estimator, grid, cv=2).fit(X, y)
    # The four fits ran on the workers and score as they do in this process.
    assert len(tasks.data) >= 4
    assert {task["worker"] for task in tasks.data} <= set(
        client.scheduler_info()["workers"]
    )
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert search.best_params_ == {"prior_scale": 1.0}


def test_memory_maps_as_blocks_fit_once_like_in_memory(tmp_path):
    """The scaling page's recipe: one-chunk memory maps as the blocks of one fit."""
    import dask

    rng = np.random.default_rng(11)
    n_rows, n_columns, chunk_rows = 25_000, 5, 10_000
    table = rng.normal(size=(n_rows, n_columns))
    table[:, -1] = 1.0 + table[:, :-1] @ COEF + rng.normal(size=n_rows)
    path = tmp_path / "data.f64"
    table.tofile(path)

    def window(start, rows):
        return np.memmap(
            path,
            dtype=np.float64,
            mode="r",
            offset=start * n_columns * 8,
            shape=(rows, n_columns),
        )

    load = dask.delayed(window, pure=True)
    blocks = []
    for start in range(0, n_rows, chunk_rows):
        rows = min(chunk_rows, n_rows - start)
        blocks.append(
            da.from_delayed(load(start, rows), shape=(rows, n_columns), dtype=float)
        )
    lazy = da.concatenate(blocks)
    with dask.config.set(scheduler="synchronous"):
        model = BayesianLinearRegressor(random_state=0).fit(lazy[:, :-1], lazy[:, -1])
    in_memory = BayesianLinearRegressor(random_state=0).fit(table[:, :-1], table[:, -1])
    assert model._stats.n_rows == n_rows
    np.testing.assert_allclose(model._stats.xx, in_memory._stats.xx, rtol=1e-10)
    np.testing.assert_allclose(model._stats.xy, in_memory._stats.xy, rtol=1e-10)
    # The same statistics and seed give the same draws, up to float64 rounding
    # of the statistics.
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-6)
