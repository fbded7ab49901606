"""Sufficient statistics of Dask collections, reduced where the data live.

Each block of rows (a chunk of a Dask array, a partition of a Dask DataFrame)
is reduced to its statistics by the worker that holds it, with the same float64
reduction as in-memory data, and the block statistics are merged pairwise in a
tree. Only the ``p x p`` statistics of each block travel, and the driver
receives a single :class:`~skbayes._suffstats.SufficientStatistics`. Dask is
imported only when a Dask collection is passed.

Bad input gets the errors scikit-learn gives in-memory data, where it has one.
What Dask knows without computing (the kind of collection, its dimensions,
dtypes and, for arrays, shape) is checked before any block is computed; what
only the values show (NaN, negative weights, complex values in object columns,
strings) is checked block by block, and those errors name the block.
"""

import copy
import sys

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._suffstats import sufficient_statistics

#: Added to an exception raised while the statistics are computed.
_COMPUTE_NOTE = (
    "Raised while Dask computed the blocks of X, y and sample_weight and reduced "
    "them to sufficient statistics."
)


def is_dask_collection(obj):
    """Whether ``obj`` is a Dask collection, without importing Dask."""
    if "dask" not in sys.modules:
        return False
    import dask

    return dask.is_dask_collection(obj)


def _ndim(data):
    """Dimensions of a Dask array, DataFrame or Series; None for other objects.

    DataFrames are told by duck typing, so that ``dask.dataframe`` need not be
    importable; a Delayed answers any attribute, so its ``ndim`` is not asked.
    """
    import dask.array as da
    from dask.utils import is_dataframe_like, is_series_like

    if isinstance(data, da.Array):
        return data.ndim
    if is_dataframe_like(data):
        return 2
    if is_series_like(data):
        return 1
    return None


def _known_rows(data):
    """Number of rows of a Dask array whose chunks are known, else None."""
    import dask.array as da

    if isinstance(data, da.Array) and not np.isnan(data.shape[0]):
        return int(data.shape[0])
    return None


def _shape_text(data):
    """`` (shape=...)`` for an error message, when Dask knows the shape."""
    import dask.array as da

    if isinstance(data, da.Array) and not np.isnan(data.shape).any():
        return f" (shape={tuple(int(size) for size in data.shape)})"
    return ""


def _check_not_complex(data, name, where=""):
    """Reject complex dtypes, of an array or of any column of a frame.

    Works alike on Dask collections (their declared dtypes) and on the pandas
    or numpy blocks they compute to: float64 would drop the imaginary part.
    """
    from dask.utils import is_dataframe_like

    if is_dataframe_like(data):
        columns = [
            column
            for column, dtype in data.dtypes.items()
            if getattr(dtype, "kind", None) == "c"
        ]
        if columns:
            raise ValueError(
                f"Complex data not supported: column(s) {columns} of {name}{where} "
                "are complex."
            )
    elif getattr(getattr(data, "dtype", None), "kind", None) == "c":
        raise ValueError(
            f"Complex data not supported: {name}{where} has dtype {data.dtype}."
        )


def _holds_complex(block):
    """Whether the object columns of a block hold complex numbers.

    Their dtype does not show them, and float64 would silently keep the real
    part of NumPy complex scalars.
    """
    from dask.utils import is_dataframe_like

    if is_dataframe_like(block):
        positions = [
            position
            for position, dtype in enumerate(block.dtypes)
            if isinstance(dtype, np.dtype) and dtype.kind == "O"
        ]
        if not positions:
            return False
        values = block.iloc[:, positions].to_numpy()
    else:
        values = np.asarray(block)
    if values.dtype.kind != "O":
        return False
    return any(isinstance(value, complex | np.complexfloating) for value in values.flat)


def check_dask_X(X):
    """Check what Dask knows of ``X`` before computing; return it chunked by rows.

    The messages follow scikit-learn's for in-memory ``X``.
    """
    import dask.array as da

    ndim = _ndim(X)
    if ndim is None:
        raise ValueError(
            "Expected a 2-D Dask array or a Dask DataFrame for X; got "
            f"{type(X).__name__}."
        )
    if ndim < 2:
        raise ValueError(
            f"Expected 2D array, got {'scalar' if ndim == 0 else '1D'} array instead: "
            "X must be a 2-D Dask array or a Dask DataFrame. Reshape a single "
            "feature with X.reshape(-1, 1), or X.to_frame() for a Dask Series."
        )
    if ndim > 2:
        raise ValueError(
            f"Found array with dim {ndim} for X, while dim 2 is required: X must be "
            "a 2-D Dask array or a Dask DataFrame."
        )
    _check_not_complex(X, "X")
    # A DataFrame's row count is unknown until computed: its blocks are counted.
    if _known_rows(X) == 0:
        raise ValueError(
            f"Found array with 0 sample(s){_shape_text(X)} while a minimum of 1 is "
            "required."
        )
    if X.shape[1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s){_shape_text(X)} while a minimum of 1 is "
            "required."
        )
    return X.rechunk({1: -1}) if isinstance(X, da.Array) else X


def _as_collection(data, name, row_chunks):
    """``data`` if a Dask array, DataFrame or Series, else as a numpy array.

    An in-memory array is split along ``row_chunks``, the row chunks of ``X``,
    by :func:`_row_blocks`, once its dimensions are checked.
    """
    if is_dask_collection(data):
        if _ndim(data) is None:
            raise ValueError(
                f"{name} must be a Dask array, DataFrame or Series, or an in-memory "
                f"array; got {type(data).__name__}."
            )
        return data
    if row_chunks is None or np.isnan(row_chunks).any():
        raise ValueError(
            f"{name} is not a Dask collection, and X has no known row chunks "
            f"to split it along: pass {name} as a Dask collection partitioned "
            "like X."
        )
    return np.asarray(data)


def _check_rows(data, name, row_chunks):
    """Compare the row counts of ``data`` and ``X`` where both are known."""
    n_rows = data.shape[0] if isinstance(data, np.ndarray) else _known_rows(data)
    if n_rows is None or row_chunks is None or np.isnan(row_chunks).any():
        return
    if n_rows != sum(row_chunks):
        raise ValueError(f"{name} has {n_rows} rows, but X has {int(sum(row_chunks))}.")


def _check_y(y, row_chunks):
    """Check what is known of ``y`` before computing; return it as for _row_blocks."""
    y = _as_collection(y, "y", row_chunks)
    if y.ndim not in (1, 2):
        raise ValueError(
            f"Found array with dim {y.ndim} for y, while dim 1 or 2 is required: y "
            "has shape (n_samples,) or (n_samples, n_targets)."
        )
    _check_not_complex(y, "y")
    if y.ndim == 2 and y.shape[1] == 0:
        raise ValueError(
            f"Found y with 0 target(s){_shape_text(y)} while a minimum of 1 is "
            "required: y has shape (n_samples,) or (n_samples, n_targets)."
        )
    _check_rows(y, "y", row_chunks)
    return y


def _check_weights(sample_weight, row_chunks):
    """Check what is known of ``sample_weight`` before computing.

    Returns
    -------
    sample_weight : float, ndarray or Dask collection
        A scalar weight, validated here and spread over every row of each
        block, as scikit-learn's ``_check_sample_weight`` does; else as for
        :func:`_row_blocks`.
    """
    if not is_dask_collection(sample_weight) and np.ndim(sample_weight) == 0:
        weight = np.asarray(sample_weight)
        _check_not_complex(weight, "sample_weight")
        try:
            weight = float(weight)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"sample_weight could not be converted to float64: {error}"
            ) from error
        if not np.isfinite(weight):
            raise ValueError("Input sample_weight contains NaN or infinity.")
        if weight < 0:
            raise ValueError("Negative values in data passed to sample_weight.")
        return weight
    sample_weight = _as_collection(sample_weight, "sample_weight", row_chunks)
    if sample_weight.ndim != 1:
        # A column of weights is rejected too, as scikit-learn rejects it.
        expected = (
            ""
            if row_chunks is None or np.isnan(row_chunks).any()
            else f" of length {int(sum(row_chunks))}"
        )
        raise ValueError(
            f"Sample weights must be 1D array or scalar, got {sample_weight.ndim}D "
            f"array. Expected either a scalar value or a 1D array{expected}."
        )
    _check_not_complex(sample_weight, "sample_weight")
    _check_rows(sample_weight, "sample_weight", row_chunks)
    return sample_weight


def _row_blocks(data, row_chunks=None):
    """Delayed row blocks of a checked array, DataFrame or Series, Dask or not.

    In-memory arrays (``y`` or ``sample_weight`` beside a Dask ``X``) are split
    along ``row_chunks``, the row chunks of ``X``, and so are Dask arrays whose
    row chunks are known.
    """
    import dask.array as da

    if isinstance(data, np.ndarray):
        data = da.from_array(data, chunks=(row_chunks,) + data.shape[1:])
    if not isinstance(data, da.Array):
        return list(data.to_delayed())
    if (
        row_chunks is not None
        and not np.isnan(row_chunks).any()
        and _known_rows(data) is not None
    ):
        data = data.rechunk({0: row_chunks})
    if data.ndim == 2:
        data = data.rechunk({1: -1})
    return list(data.to_delayed().ravel())


def _as_float_block(block, name, index):
    """One block of ``name`` as finite float64 values, or an error naming the block."""
    # Dask's declared dtypes can differ from what a block computes to.
    _check_not_complex(block, name, f" (in block {index})")
    if _holds_complex(block):
        raise ValueError(
            f"Complex data not supported: block {index} of {name} holds complex "
            "values in a column of dtype object."
        )
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
    if isinstance(sample_weight, float):
        sample_weight = np.full(X.shape[0], sample_weight)
    elif sample_weight is not None:
        sample_weight = _as_float_block(sample_weight, "sample_weight", index).ravel()
        if sample_weight.shape[0] != X.shape[0]:
            raise ValueError(
                f"Block {index} of sample_weight has {sample_weight.shape[0]} rows, "
                f"but the same block of X has {X.shape[0]}."
            )
        if (sample_weight < 0).any():
            raise ValueError(
                f"Negative values in data passed to sample_weight (in block {index})."
            )
    # Not reshape(n, -1): an empty block (a filtered-out partition) has no -1.
    Y = y[:, None] if y.ndim == 1 else y
    try:
        return sufficient_statistics(X, Y, sample_weight)
    except Exception as error:
        error.add_note(f"Raised while reducing block {index} of X and y.")
        raise


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
    sample_weight : dask collection, array-like of shape (n_samples,) or float, \
            default=None
        Non-negative frequency weights, split like ``y``; a number weighs
        every row alike.

    Returns
    -------
    stats : SufficientStatistics
        Computed by the active Dask scheduler (a distributed ``Client`` when
        one is set up).

    Raises
    ------
    ValueError
        For bad input, with scikit-learn's message where it has one: before
        computing for what Dask knows without computing (kinds of collection,
        dimensions, dtypes, array shapes), else as the block with the problem
        is reduced, naming the block. An exception raised while Dask computes
        a block of the input itself propagates unchanged, with a note.
    """
    import dask
    import dask.array as da

    X = check_dask_X(X)
    n_features = X.shape[1]
    row_chunks = X.chunks[0] if isinstance(X, da.Array) else None
    y = _check_y(y, row_chunks)
    if sample_weight is not None:
        sample_weight = _check_weights(sample_weight, row_chunks)
    x_blocks = _row_blocks(X)
    y_blocks = _row_blocks(y, row_chunks)
    if sample_weight is None or isinstance(sample_weight, float):
        w_blocks = [sample_weight] * len(x_blocks)
    else:
        w_blocks = _row_blocks(sample_weight, row_chunks)
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
    try:
        (stats,) = dask.compute(parts[0])
    except Exception as error:
        # The checks of each block name it; an error of the computation of
        # the input itself (a block's own function) cannot say which block.
        # Once only: a scheduler may raise the same object again on a retry.
        if _COMPUTE_NOTE not in getattr(error, "__notes__", ()):
            error.add_note(_COMPUTE_NOTE)
        raise
    # The rows of a DataFrame are counted only now.
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

    # What Dask knows is checked now; the values as each block is predicted.
    X = check_dask_X(X)
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(estimator).__name__} is "
            f"expecting {estimator.n_features_in_} features as input."
        )
    if isinstance(X, da.Array):
        blocks, lengths = list(X.to_delayed().ravel()), X.chunks[0]
    else:
        blocks = list(X.to_delayed())
        lengths = (np.nan,) * len(blocks)
    target_shape = estimator.coef_.shape[:-1]
    n_outputs = len(extra_shapes)
    # A shallow copy: refitting the estimator before the graph is computed
    # rebinds its attributes, not the copy's.
    model = dask.delayed(copy.copy(estimator), pure=True)
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
