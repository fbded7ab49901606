"""Sufficient statistics of Dask collections, reduced where the data live.

Each block of rows (a chunk of a Dask array, a partition of a Dask DataFrame)
is reduced to its statistics by the worker that holds it, with the same float64
reduction as in-memory data, and the block statistics are merged pairwise in a
tree. Only the ``p x p`` statistics of each block travel, and the driver
receives a single :class:`~skbayes._suffstats.SufficientStatistics`. Dask is
imported only when a Dask collection is passed.
"""

import sys

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._suffstats import sufficient_statistics


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection, without importing Dask."""
    if "dask" not in sys.modules:
        return False
    import dask

    return dask.is_dask_collection(obj)


def _row_blocks(data, name, row_chunks=None):
    """Delayed row blocks of an array, a DataFrame or a Series, Dask or not.

    In-memory arrays (``y`` or ``sample_weight`` beside a Dask ``X``) are split
    along ``row_chunks``, the row chunks of ``X``.
    """
    import dask.array as da

    if not is_dask_collection(data):
        if row_chunks is None or any(np.isnan(row_chunks)):
            raise ValueError(
                f"{name} is not a Dask collection, and X has no known row chunks "
                f"to split it along: pass {name} as a Dask collection partitioned "
                "like X."
            )
        data = np.asarray(data)
        if data.shape[0] != sum(row_chunks):
            raise ValueError(
                f"{name} has {data.shape[0]} rows, but X has {int(sum(row_chunks))}."
            )
        data = da.from_array(data, chunks=(row_chunks,) + data.shape[1:])
    if isinstance(data, da.Array):
        if data.ndim not in (1, 2):
            raise ValueError(f"{name} must be 1-D or 2-D; got {data.ndim} dimensions.")
        if row_chunks is not None and not any(np.isnan(row_chunks)):
            data = data.rechunk({0: row_chunks})
        if data.ndim == 2:
            data = data.rechunk({1: -1})
        return list(data.to_delayed().ravel())
    return list(data.to_delayed())


def _as_float_block(block, name, index):
    try:
        values = np.asarray(block, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Block {index} of {name} could not be converted to float64: {error}"
        ) from error
    if not np.isfinite(values).all():
        raise ValueError(f"Input {name} contains NaN or infinity (in block {index}).")
    return values


def _block_statistics(X, y, sample_weight, n_features, index):
    """Validate one block of rows and reduce it; runs on a Dask worker."""
    X = _as_float_block(X, "X", index)
    y = _as_float_block(y, "y", index)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(
            f"Block {index} of X has shape {X.shape}; expected {n_features} columns."
        )
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"Block {index} of y has {y.shape[0]} rows, but the same block of X "
            f"has {X.shape[0]}: X and y must be partitioned alike."
        )
    if sample_weight is not None:
        sample_weight = _as_float_block(sample_weight, "sample_weight", index).ravel()
        if sample_weight.shape[0] != X.shape[0]:
            raise ValueError(
                f"Block {index} of sample_weight has {sample_weight.shape[0]} rows, "
                f"but the same block of X has {X.shape[0]}."
            )
        if (sample_weight < 0).any():
            raise ValueError("Negative values in data passed to sample_weight.")
    return sufficient_statistics(X, y.reshape(y.shape[0], -1), sample_weight)


def _merge(left, right):
    return left.merge(right)


def dask_statistics(X, y, sample_weight=None):
    """Reduce Dask data to sufficient statistics with a map and a tree reduction.

    Parameters
    ----------
    X : dask array or DataFrame of shape (n_samples, n_features)
        Design matrix, split into blocks of rows.
    y : dask collection or array-like of shape (n_samples,) or (n_samples, n_targets)
        Targets, split into the same blocks of rows as ``X``; an in-memory array
        is split along the row chunks of ``X``.
    sample_weight : dask collection or array-like of shape (n_samples,), default=None
        Non-negative frequency weights, split like ``y``.

    Returns
    -------
    stats : SufficientStatistics
        Computed by the active Dask scheduler (a distributed ``Client`` when
        one is set up).
    """
    import dask
    import dask.array as da

    if getattr(X, "ndim", None) != 2:
        raise ValueError(
            f"Expected a 2-D Dask array or a Dask DataFrame for X; got {type(X)} "
            f"with {getattr(X, 'ndim', None)} dimensions."
        )
    n_features = X.shape[1]
    row_chunks = None
    if isinstance(X, da.Array):
        X = X.rechunk({1: -1})
        row_chunks = X.chunks[0]
    x_blocks = _row_blocks(X, "X")
    y_blocks = _row_blocks(y, "y", row_chunks)
    if sample_weight is None:
        w_blocks = [None] * len(x_blocks)
    else:
        w_blocks = _row_blocks(sample_weight, "sample_weight", row_chunks)
    if not len(x_blocks) == len(y_blocks) == len(w_blocks):
        raise ValueError(
            f"X, y and sample_weight must be split into the same blocks of rows; "
            f"got {len(x_blocks)}, {len(y_blocks)} and {len(w_blocks)} blocks."
        )
    block_statistics = dask.delayed(_block_statistics, pure=True)
    parts = [
        block_statistics(x, y_block, w, n_features, index)
        for index, (x, y_block, w) in enumerate(
            zip(x_blocks, y_blocks, w_blocks, strict=True)
        )
    ]
    if not parts:
        raise ValueError(
            "Found array with 0 sample(s) while a minimum of 1 is required."
        )
    merge = dask.delayed(_merge, pure=True)
    while len(parts) > 1:
        pairs = [merge(a, b) for a, b in zip(parts[::2], parts[1::2], strict=False)]
        parts = pairs + parts[len(pairs) * 2 :]
    (stats,) = dask.compute(parts[0])
    if stats.n_rows == 0:
        raise ValueError(
            "Found array with 0 sample(s) while a minimum of 1 is required."
        )
    return stats


def _call_on_block(estimator, method, block, kwargs):
    return getattr(estimator, method)(block, **kwargs)


def by_block_lazily(estimator, X, method, extra_shapes, **kwargs):
    """``estimator.<method>(X)`` for a Dask ``X``, as Dask arrays, one task per block.

    For the methods whose rows depend only on the same rows of ``X`` and that
    give the same result at every call (``predict``, ``predict_interval``,
    ``predict_quantiles``), so that computing block by block changes nothing.

    Parameters
    ----------
    estimator : BayesianLinearRegressor
        Fitted; it is one node of the graph, so it travels once per worker.
    X : dask array or DataFrame of shape (n_samples, n_features)
        Query points; DataFrame partitions keep their column names, so the
        feature names are checked block by block.
    method : str
        Name of the method to call on each block.
    extra_shapes : list of tuple
        Shape of each output of ``method`` after its row and target axes; a
        method with one output returns an array, with several a tuple.
    **kwargs
        Passed to ``method``.

    Returns
    -------
    outputs : dask array or tuple of dask arrays
        Each of shape ``(n_samples,) + target_shape + extra_shape``, where
        ``target_shape`` is ``()`` for one target and ``(n_targets,)`` for more.

    Raises
    ------
    NotFittedError
        If ``estimator`` is not fitted.
    """
    import dask
    import dask.array as da

    check_is_fitted(estimator)

    if getattr(X, "ndim", None) != 2:
        raise ValueError("Expected a 2-D Dask array or a Dask DataFrame for X.")
    if isinstance(X, da.Array):
        X = X.rechunk({1: -1})
        blocks, lengths = list(X.to_delayed().ravel()), X.chunks[0]
    else:
        blocks = list(X.to_delayed())
        lengths = (np.nan,) * len(blocks)
    target_shape = estimator.coef_.shape[:-1]
    n_outputs = len(extra_shapes)
    model = dask.delayed(estimator, pure=True)
    call = dask.delayed(_call_on_block, pure=True, nout=n_outputs)
    results = [call(model, method, block, kwargs) for block in blocks]
    if n_outputs == 1:
        results = [(result,) for result in results]
    outputs = tuple(
        da.concatenate(
            [
                da.from_delayed(
                    result[k], shape=(rows,) + target_shape + shape, dtype=np.float64
                )
                for result, rows in zip(results, lengths, strict=True)
            ]
        )
        for k, shape in enumerate(extra_shapes)
    )
    return outputs if n_outputs > 1 else outputs[0]
