"""Group labels: the group column of X, per-group statistics, query rows.

A model with group-level effects reduces its rows to one set of
:class:`~skbayes._suffstats.SufficientStatistics` per group, which merge
exactly across chunks (``partial_fit``) whatever groups each chunk holds.
"""

from dataclasses import dataclass
from functools import reduce
from numbers import Integral

import numpy as np
import scipy.sparse
from sklearn.utils import check_array

from ._suffstats import sufficient_statistics


@dataclass(frozen=True)
class GroupStatistics:
    """Sufficient statistics of every group, with the groups' labels.

    Attributes
    ----------
    labels : ndarray of shape (n_groups,)
        The labels seen, sorted.
    groups : tuple of SufficientStatistics
        The statistics of each label's rows, in the order of ``labels``.
    """

    labels: np.ndarray
    groups: tuple

    @property
    def pooled(self):
        """Statistics of all rows."""
        return reduce(lambda a, b: a.merge(b), self.groups)

    @property
    def n_targets(self):
        return self.groups[0].n_targets

    @property
    def n_rows(self):
        return sum(group.n_rows for group in self.groups)

    @property
    def n_obs(self):
        return sum(group.n_obs for group in self.groups)

    def merge(self, other):
        """Statistics of the union of the rows; a group new to ``self`` is added."""
        labels = sorted_labels(np.concatenate([self.labels, other.labels]))
        mine = dict(zip(self.labels.tolist(), self.groups, strict=True))
        theirs = dict(zip(other.labels.tolist(), other.groups, strict=True))
        merged = []
        for label in labels.tolist():
            parts = [stats[label] for stats in (mine, theirs) if label in stats]
            merged.append(reduce(lambda a, b: a.merge(b), parts))
        return GroupStatistics(labels, tuple(merged))

    def matches(self, other):
        """Whether ``other`` reduces the same rows to the same groups."""
        return (
            self.labels.shape == other.labels.shape
            and bool(np.all(self.labels == other.labels))
            and all(
                a.matches(b) for a, b in zip(self.groups, other.groups, strict=True)
            )
        )


def sorted_labels(labels):
    """The distinct labels, sorted; an error for labels that cannot be ordered."""
    try:
        return np.unique(labels)
    except TypeError as error:
        raise ValueError(
            "The group labels must be of one kind (all strings or all numbers) to "
            f"be sorted: {error}"
        ) from None


def group_statistics(X, Y, labels, sample_weight=None):
    """Per-group statistics of the rows ``X``, ``Y`` with group ``labels``."""
    sorted_labels(labels)  # an error naming the problem for unorderable labels
    distinct, codes = np.unique(labels, return_inverse=True)
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(distinct.shape[0] + 1))
    groups = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        rows = order[start:stop]
        weights = None if sample_weight is None else sample_weight[rows]
        groups.append(sufficient_statistics(X[rows], Y[rows], weights))
    return GroupStatistics(distinct, tuple(groups))


def group_column_position(group_column, X, feature_names):
    """Position in ``X`` of the group column, named or given by position."""
    n_columns = X.shape[1]
    if isinstance(group_column, str):
        if feature_names is None or group_column not in list(feature_names):
            raise ValueError(
                f"group_column={group_column!r} is not a column of X"
                + (
                    ""
                    if feature_names is None
                    else f" (its columns are {list(feature_names)})"
                )
                + "; a name needs X to be a DataFrame with that column, a position "
                "an integer."
            )
        return list(feature_names).index(group_column)
    if isinstance(group_column, Integral) and not isinstance(group_column, bool):
        if not 0 <= group_column < n_columns:
            raise ValueError(
                f"group_column={group_column!r} is not a column position of X, "
                f"which has {n_columns} columns."
            )
        return int(group_column)
    raise ValueError(
        "group_column must be None, a column name or an integer position; got "
        f"{group_column!r}."
    )


def slope_features(group_slopes, position, feature_names, n_columns):
    """Positions among the population features of the varying-slope features."""
    if group_slopes is None:
        return np.zeros(0, dtype=np.intp)
    names = (
        [group_slopes] if isinstance(group_slopes, (str, Integral)) else group_slopes
    )
    columns = []
    for name in names:
        if isinstance(name, str):
            if feature_names is None or name not in list(feature_names):
                raise ValueError(
                    f"group_slopes names {name!r}, which is not a column of X."
                )
            column = list(feature_names).index(name)
        elif isinstance(name, Integral) and not isinstance(name, bool):
            if not 0 <= name < n_columns:
                raise ValueError(
                    f"group_slopes holds position {name!r}; X has {n_columns} columns."
                )
            column = int(name)
        else:
            raise ValueError(
                "group_slopes must be None or a list of column names or positions; "
                f"got {group_slopes!r}."
            )
        if column == position:
            raise ValueError(
                f"group_slopes names the group column ({name!r}): its labels have "
                "no slope."
            )
        columns.append(column)
    if len(set(columns)) != len(columns):
        raise ValueError(f"group_slopes names a column twice: {group_slopes!r}.")
    # Positions among the features once the group column is removed.
    return np.array([c - (c > position) for c in columns], dtype=np.intp)


def split_group_column(X, position):
    """``(features, labels)``: X without its group column, and that column.

    The features are validated as float64 (finite); the labels must not be
    missing.
    """
    if scipy.sparse.issparse(X):
        raise ValueError(
            "Group-level effects need X as a dense array or a DataFrame holding "
            "the group column; got a sparse matrix."
        )
    if hasattr(X, "iloc"):
        labels = np.asarray(X.iloc[:, position].astype(object))
        missing = X.iloc[:, position].isna().to_numpy()
        rest = X.drop(columns=X.columns[position])
    elif hasattr(X, "to_series") and hasattr(X, "drop"):
        column = X.to_series(position)
        labels = np.asarray(column.to_list(), dtype=object)
        missing = column.is_null().to_numpy()
        rest = X.drop(X.columns[position])
    else:
        X = np.asarray(X)
        labels = X[:, position]
        missing = _missing(labels)
        rest = np.delete(X, position, axis=1)
    if missing.any():
        raise ValueError(
            f"The group column holds {int(missing.sum())} missing label(s) (None or "
            "NaN); every row needs a group."
        )
    features = check_array(
        rest,
        dtype=np.float64,
        ensure_min_features=0,
        input_name="X",
    )
    return features, _plain_labels(labels)


def _missing(labels):
    if labels.dtype.kind == "f":
        return np.isnan(labels)
    if labels.dtype.kind == "O":
        return np.array(
            [
                label is None or (isinstance(label, float) and np.isnan(label))
                for label in labels
            ]
        )
    return np.zeros(labels.shape, dtype=bool)


def _plain_labels(labels):
    """Labels as a NumPy array of one kind: numbers stay numbers, text text."""
    values = labels.tolist()
    if all(
        isinstance(v, (Integral, np.integer)) and not isinstance(v, bool)
        for v in values
    ):
        return np.asarray(values, dtype=np.int64)
    if all(isinstance(v, (float, np.floating, Integral)) for v in values):
        return np.asarray(values, dtype=np.float64)
    return np.asarray(
        [str(v) if isinstance(v, str) else v for v in values], dtype=object
    )


@dataclass(frozen=True)
class GroupedRows:
    """Query rows of a model with group-level effects.

    Attributes
    ----------
    X : ndarray of shape (n_rows, n_features)
        The population-level features.
    labels : ndarray of shape (n_rows,)
        Each row's group.
    """

    X: np.ndarray
    labels: np.ndarray

    @property
    def shape(self):
        return self.X.shape


def refuse_unsupported_group_settings(estimator, X, y):
    """Raise for settings the model with group-level effects does not take.

    Its coefficients are integrated out exactly, which needs them jointly
    Gaussian given the scales: Normal (or flat) priors and likelihood.
    """
    from ._dask import is_dask_collection

    problems = []
    if estimator.likelihood != "normal":
        problems.append(f"likelihood={estimator.likelihood!r}")
    if estimator.coef_prior != "normal":
        problems.append(f"coef_prior={estimator.coef_prior!r}")
    if estimator.intercept_prior != "normal":
        problems.append(f"intercept_prior={estimator.intercept_prior!r}")
    if not estimator.fit_intercept:
        problems.append("fit_intercept=False (the intercept varies by group)")
    if problems:
        raise ValueError(
            "group_column is set, and group-level effects are fitted with "
            "likelihood='normal', coef_prior='normal', intercept_prior='normal' and "
            f"fit_intercept=True; got {', '.join(problems)}."
        )
    if is_dask_collection(X):
        raise ValueError(
            "group_column is set: group-level effects are fitted on in-memory "
            "data (a DataFrame or array); fit chunks of a Dask collection with "
            "partial_fit, whose per-group statistics merge exactly."
        )
    if np.ndim(y) == 2 and np.shape(y)[1] != 1 or np.ndim(y) > 2:
        raise ValueError(
            "group_column is set: group-level effects are fitted for one target; "
            f"got y of shape {np.shape(y)}. Fit one estimator per target."
        )


def validate_grouped_X(estimator, X, reset):
    """Check ``X`` and split it into population features and group labels.

    The feature count and names are those of the whole ``X``, group column
    included (``n_features_in_``, ``feature_names_in_``). On ``reset`` the
    group column and the varying slopes are located and kept as the
    estimator's ``_group_layout``.
    """
    from sklearn.utils.validation import validate_data

    if not hasattr(X, "shape") or not hasattr(X, "__getitem__"):
        X = np.asarray(X, dtype=object)
    if len(X.shape) != 2:
        raise ValueError(
            f"Expected a 2-D X with the group column; got shape {tuple(X.shape)}."
        )
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    if reset:
        names = getattr(estimator, "feature_names_in_", None)
        position = group_column_position(estimator.group_column, X, names)
        slopes = slope_features(estimator.group_slopes, position, names, X.shape[1])
        estimator._group_layout = (position, slopes)
    position, _ = estimator._group_layout
    features, labels = split_group_column(X, position)
    if features.shape[0] == 0:
        raise ValueError("X has no rows; at least one is needed.")
    if not reset and len(estimator.groups_):
        numeric = estimator.groups_.dtype.kind in "iuf"
        if (
            labels.dtype.kind in "iuf"
            and not numeric
            or (numeric and labels.dtype.kind == "O")
        ):
            raise ValueError(
                "The group labels of X are not of the kind the model was fitted "
                f"with ({'numbers' if numeric else 'text'}): check the group column."
            )
    return GroupedRows(features, labels)
