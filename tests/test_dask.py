"""Fits on Dask collections, reduced by a two-worker LocalCluster."""

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from _monte_carlo import assert_same_mean  # noqa: E402

from skbayes import BayesianLinearRegressor  # noqa: E402
from skbayes._arviz import group_names  # noqa: E402

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


def _assert_same_statistics(stats, expected, rtol):
    """The means and centred cross-products of two sets of statistics agree."""

    def summary(stats):
        # Read through the public accessor where the statistics store a factor.
        if hasattr(stats, "cross_products"):
            xx, xy, yy = stats.cross_products()
        else:
            xx, xy, yy = stats.xx, stats.xy, stats.yy
        return {"x_mean": stats.x_mean, "y_mean": stats.y_mean, "xx": xx, "xy": xy}, yy

    (values, yy), (expected_values, expected_yy) = summary(stats), summary(expected)
    for name, value in values.items():
        np.testing.assert_allclose(
            value, expected_values[name], rtol=rtol, err_msg=name
        )
    np.testing.assert_allclose(yy, expected_yy, rtol=rtol, err_msg="yy")
    assert stats.n_rows == expected.n_rows
    np.testing.assert_allclose(stats.n_obs, expected.n_obs, rtol=1e-12)


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
    _assert_same_statistics(model._stats, reference._stats, rtol=1e-10)
    assert model._stats.n_rows == N_ROWS
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    for name in ("coef", "sigma"):
        assert_same_mean(
            model.posterior_samples_[name], reference.posterior_samples_[name]
        )
    assert "observed_data" not in group_names(model.idata_)
    assert model.n_features_in_ == 4

    # Predictions are Dask arrays too, computed block by block when asked for.
    mean, std = model.predict(X, return_std=True)
    assert isinstance(mean, da.Array) and mean.chunks == (X.chunks[0],)
    first_block = X.blocks[0].compute()
    expected_mean, expected_std = model.predict(first_block, return_std=True)
    np.testing.assert_allclose(mean.blocks[0].compute(), expected_mean, rtol=1e-12)
    np.testing.assert_allclose(std.blocks[0].compute(), expected_std, rtol=1e-12)
    # Every summary predict forwards is lazy too, block by block.
    lazy = model.predict(X, return_interval=True, prob=0.8, quantiles=[0.1, 0.9])
    assert all(isinstance(part, da.Array) for part in lazy)
    eager = model.predict(
        first_block, return_interval=True, prob=0.8, quantiles=[0.1, 0.9]
    )
    for part, expected in zip(lazy, eager, strict=True):
        np.testing.assert_allclose(part.blocks[0].compute(), expected, rtol=1e-12)


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
    _assert_same_statistics(model._stats, in_memory._stats, rtol=1e-10)


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
    _assert_same_statistics(model._stats, in_memory._stats, rtol=1e-10)
    # The same statistics and seed give the same draws, up to float64 rounding
    # of the statistics.
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-6)


# Bad Dask input gets the errors of in-memory input, before computing where Dask
# knows enough; small data, split into three blocks of ten rows.
SMALL_ROWS, SMALL_CHUNK = 30, 10


@pytest.fixture
def small():
    rng = np.random.default_rng(13)
    X = rng.normal(size=(SMALL_ROWS, 2))
    y = 0.5 + X @ [1.0, -2.0] + rng.normal(scale=0.3, size=SMALL_ROWS)
    return X, y


@pytest.fixture
def in_process():
    """Blocks computed in this process, where a ComplexWarning would show."""
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield


def _lazy(values, chunk=SMALL_CHUNK):
    values = np.asarray(values)
    return da.from_array(values, chunks=(chunk,) + values.shape[1:])


def _frame(values, columns=None):
    """A Dask DataFrame (or Series, for 1-D values) of three partitions."""
    values = np.asarray(values)
    if values.ndim == 1:
        return dd.from_pandas(pd.Series(values), npartitions=3)
    return dd.from_pandas(pd.DataFrame(values, columns=columns), npartitions=3)


def _object_frame(frame):
    """A Dask DataFrame that keeps the object columns of ``frame`` as objects."""
    import dask

    # Dask turns object columns into strings unless told not to.
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(frame, npartitions=3)


@pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning")
@pytest.mark.parametrize(
    "case, match",
    [
        ("X", "Complex data not supported: X has dtype complex128"),
        ("y", "Complex data not supported: y has dtype complex128"),
        ("weight", "Complex data not supported: sample_weight has dtype complex128"),
        ("in-memory y", "Complex data not supported: y has dtype complex128"),
        ("scalar weight", "Complex data not supported: sample_weight"),
        ("frame column", r"Complex data not supported: column\(s\) \['b'\] of X"),
        ("object column", "Complex data not supported: block 2 of X holds complex"),
        ("object array", "Complex data not supported: block 1 of y holds complex"),
        ("declared float", r"Complex data not supported: X .in block \d. has dtype"),
    ],
)
def test_complex_data_is_refused_not_cast(small, in_process, case, match):
    X, y = small
    weight = np.ones(SMALL_ROWS)
    args = {"X": _lazy(X), "y": _lazy(y), "sample_weight": None}
    if case == "X":
        args["X"] = _lazy(X + 1j)
    elif case == "y":
        args["y"] = _lazy(y + 1j)
    elif case == "weight":
        args["sample_weight"] = _lazy(weight + 0j)
    elif case == "in-memory y":
        args["y"] = y + 1j
    elif case == "scalar weight":
        args["sample_weight"] = 1 + 1j
    elif case == "frame column":
        frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1] + 1j})
        args["X"], args["y"] = dd.from_pandas(frame, npartitions=3), _frame(y)
    elif case == "object column":
        # The dtype is object, so only the values of the last partition tell.
        frame = pd.DataFrame(X, columns=["a", "b"]).astype(object)
        frame.iloc[-1, 1] = np.complex128(1 + 2j)
        args["X"], args["y"] = _object_frame(frame), _frame(y)
    elif case == "object array":
        values = y.astype(object)
        values[SMALL_CHUNK] = np.complex64(1j)
        args["y"] = _lazy(values)
    else:
        # A Dask array that declares float64 and computes to complex blocks.
        args["X"] = _lazy(X).map_blocks(lambda block: block + 1j, dtype=np.float64)
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor().fit(**args)


def test_strings_are_refused(small, in_process):
    X, y = small
    frame = pd.DataFrame(X, columns=["a", "b"]).assign(c="text")
    with pytest.raises(
        ValueError,
        match="of X could not be converted to float64: could not convert string",
    ):
        BayesianLinearRegressor().fit(dd.from_pandas(frame, 3), _frame(y))
    labels = np.where(y > 0, "up", "down")
    with pytest.raises(ValueError, match="of y could not be converted to float64"):
        BayesianLinearRegressor().fit(_lazy(X), _lazy(labels))
    with pytest.raises(ValueError, match="sample_weight could not be converted"):
        BayesianLinearRegressor().fit(_lazy(X), _lazy(y), sample_weight=np.str_("a"))


@pytest.mark.parametrize(
    "case, match",
    [
        ("y without columns", r"Found y with 0 target\(s\) \(shape=\(30, 0\)\)"),
        ("no rows", r"Found array with 0 sample\(s\) \(shape=\(0, 2\)\) while a min"),
        ("frame without rows", r"Found array with 0 sample\(s\) while a minimum of 1"),
        ("no features", r"Found array with 0 feature\(s\) \(shape=\(30, 0\)\) while"),
        ("frame without columns", r"Found array with 0 feature\(s\) while a minimum"),
    ],
)
def test_empty_data(small, in_process, case, match):
    X, y = small
    if case == "y without columns":
        args = (_lazy(X), _lazy(np.ones((SMALL_ROWS, 0))))
    elif case == "no rows":
        args = (_lazy(X[:0]), _lazy(y[:0]))
    elif case == "frame without rows":
        # Dask knows only once the partitions are computed.
        args = (_frame(X[:0]), _frame(y[:0]))
    elif case == "no features":
        args = (_lazy(X[:, :0]), _lazy(y))
    else:
        args = (dd.from_pandas(pd.DataFrame(index=range(SMALL_ROWS)), 3), _frame(y))
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor().fit(*args)


@pytest.mark.parametrize(
    "weight",
    [
        _lazy(np.ones((SMALL_ROWS, 2))),
        _lazy(np.ones((SMALL_ROWS, 1))),
        np.ones((SMALL_ROWS, 1)),
        dd.from_pandas(pd.DataFrame({"w": np.ones(SMALL_ROWS)}), 3),
    ],
    ids=["dask (n, 2)", "dask (n, 1)", "numpy (n, 1)", "one-column frame"],
)
def test_weights_must_be_one_dimensional(small, in_process, weight):
    X, y = small
    # scikit-learn refuses a column of weights too.
    match = (
        "Sample weights must be 1D array or scalar, got 2D array. Expected either a "
        "scalar value or a 1D array of length 30."
    )
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor().fit(_lazy(X), _lazy(y), sample_weight=weight)


@pytest.mark.parametrize(
    "case, match",
    [
        ("1-D X", "Expected 2D array, got 1D array instead"),
        ("Series X", "Expected 2D array, got 1D array instead"),
        ("3-D X", "Found array with dim 3 for X, while dim 2 is required"),
        ("3-D y", "Found array with dim 3 for y, while dim 1 or 2 is required"),
        ("3-D in-memory y", "Found array with dim 3 for y, while dim 1 or 2"),
        ("Delayed y", "y must be a Dask array, DataFrame or Series"),
        ("y of other length", "y has 20 rows, but X has 30"),
        ("weights of other length", "sample_weight has 20 rows, but X has 30"),
    ],
)
def test_dimensions(small, in_process, case, match):
    import dask

    X, y = small
    args = {"X": _lazy(X), "y": _lazy(y), "sample_weight": None}
    if case == "1-D X":
        args["X"] = _lazy(X[:, 0])
    elif case == "Series X":
        args["X"] = _frame(X[:, 0])
    elif case == "3-D X":
        args["X"] = _lazy(X[:, :, None])
    elif case == "3-D y":
        args["y"] = _lazy(y[:, None, None])
    elif case == "3-D in-memory y":
        args["y"] = y[:, None, None]
    elif case == "Delayed y":
        args["y"] = dask.delayed(y)
    elif case == "y of other length":
        args["y"] = _lazy(y[:20])
    else:
        args["sample_weight"] = _lazy(np.ones(20))
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor().fit(**args)


def test_failing_blocks_name_themselves(client, small):
    """Errors raised on the workers come back, naming the block with the problem."""
    X, y = small
    X_nan, y_inf, weight = X.copy(), y.copy(), np.ones(SMALL_ROWS)
    X_nan[25, 1], y_inf[12], weight[5] = np.nan, np.inf, -1.0
    with pytest.raises(ValueError, match=r"Input X contains NaN .*\(in block 2\)"):
        BayesianLinearRegressor().fit(_lazy(X_nan), _lazy(y))
    with pytest.raises(ValueError, match=r"Input y contains NaN .*\(in block 1\)"):
        BayesianLinearRegressor().fit(_lazy(X), _lazy(y_inf))
    with pytest.raises(ValueError, match=r"Negative values .* \(in block 0\)"):
        BayesianLinearRegressor().fit(_lazy(X), _lazy(y), sample_weight=weight)
    with pytest.raises(ValueError, match="Negative values in data passed to sample"):
        BayesianLinearRegressor().fit(_lazy(X), _lazy(y), sample_weight=-1.0)

    def read(block, block_info=None):
        if block_info[0]["chunk-location"][0] == 1:
            raise ValueError("cannot read part 1 of the table")
        return block

    # The error of the input's own computation keeps its type and message; Dask
    # cannot say which block raised it, so a note says where it came from.
    with pytest.raises(ValueError, match="cannot read part 1") as raised:
        BayesianLinearRegressor().fit(_lazy(X).map_blocks(read, dtype=float), _lazy(y))
    assert "reduced them to sufficient statistics" in raised.value.__notes__[-1]


def test_scalar_weights_and_empty_partitions(small, in_process):
    from skbayes._suffstats import sufficient_statistics

    X, y = small
    # Filtering leaves the first partition empty: it reduces to no rows.
    frame = pd.DataFrame(X, columns=["a", "b"]).assign(y=y, row=range(SMALL_ROWS))
    kept = dd.from_pandas(frame, npartitions=3)
    kept = kept[kept.row >= SMALL_CHUNK]
    model = BayesianLinearRegressor(
        num_warmup=200, num_samples=200, random_state=0
    ).fit(kept[["a", "b"]], kept.y, sample_weight=2.0)
    expected = sufficient_statistics(
        X[SMALL_CHUNK:], y[SMALL_CHUNK:, None], np.full(SMALL_ROWS - SMALL_CHUNK, 2.0)
    )
    assert model._stats.n_rows == SMALL_ROWS - SMALL_CHUNK
    _assert_same_statistics(model._stats, expected, rtol=1e-10)

    # Lazy predictions check what Dask knows before building the graph.
    with pytest.raises(ValueError, match="X has 3 features, but BayesianLinearReg"):
        model.predict(_lazy(np.ones((SMALL_ROWS, 3))))
    with pytest.raises(ValueError, match="Complex data not supported: X has dtype"):
        model.predict_interval(_lazy(X + 1j))
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        model.predict_quantiles(_lazy(y), [0.5])
