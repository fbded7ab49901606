"""ArviZ, imported on first use, on either of its lines: 0.x and 1.x.

``import skbayes`` does not import ArviZ (nor xarray and matplotlib with it):
a fit and its predictions do not need it, only ``idata_``, ``summary`` and the
plots do.

ArviZ 0.x keeps a fit in an ``arviz.InferenceData``; ArviZ 1.x (Python 3.12+)
in an ``xarray.DataTree`` with the same groups, dims and coords. The few calls
whose spelling differs between the two go through this module, so that the
rest of skbayes builds and reads ``idata_`` the same way on both, and always
in the installed line's native container.
"""

import functools
import warnings
from importlib.metadata import version


def arviz():
    """The ``arviz`` module, imported on the first call."""
    with warnings.catch_warnings():
        # ArviZ 0.x's notice about 1.0 concerns the user of ArviZ, not of skbayes.
        warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
        import arviz as az
    return az


@functools.cache
def is_arviz_1():
    """Whether the installed ArviZ is 1.x (``DataTree``), read without importing it."""
    return int(version("arviz").split(".")[0]) >= 1


def inference_data(
    groups, *, coords, dims, pred_coords=None, pred_dims=None, attrs=None
):
    """Build the installed ArviZ's container from a dict of groups of arrays.

    Parameters
    ----------
    groups : dict of {str : dict of {str : ndarray}}
        Group name to variables. Arrays of sampled groups have leading
        (chain, draw) axes; those of ``*data`` groups have none.
    coords, dims : dict
        Coordinates of dims, and dims of each variable (after chain and draw).
    pred_coords, pred_dims : dict, optional
        The same, for the groups that ArviZ treats as predictions.
    attrs : dict, optional
        Attributes of every group.

    Returns
    -------
    idata : arviz.InferenceData (ArviZ 0.x) or xarray.DataTree (ArviZ 1.x)
    """
    options = {"coords": coords, "dims": dims}
    if pred_coords is not None:
        options.update(pred_coords=pred_coords, pred_dims=pred_dims)
    if is_arviz_1():
        if attrs is not None:
            options["attrs"] = {name: dict(attrs) for name in groups}
        return arviz().from_dict(groups, **options)
    return arviz().from_dict(**groups, **options, attrs=attrs)


def group_names(idata):
    """The names of the groups of ``idata``."""
    if is_arviz_1():
        return list(idata.children)
    return list(idata.groups())


def extend(idata, other):
    """Add the groups of ``other`` to ``idata`` in place, replacing same-named ones."""
    if is_arviz_1():
        for name in other.children:
            idata[name] = other[name]
    else:
        idata.extend(other, join="right")


def copy_variable(idata, name, source, target):
    """Copy variable ``name`` of group ``source`` into group ``target``, in place."""
    # Item access gives a Dataset (0.x) or a DataTree node (1.x); both assign
    # in place.
    idata[target][name] = idata[source][name]


def summary(idata, *, hdi_prob, **kwargs):
    """``arviz.summary`` with highest-density intervals of mass ``hdi_prob``.

    ArviZ 1.x defaults to equal-tailed intervals of 0.89; skbayes asks for its
    own interval on both lines, so that the default's change never shows.
    ``hdi_prob`` is the 0.x name; 1.x calls it ``ci_prob`` (with ``ci_kind``).
    """
    if is_arviz_1():
        kwargs.setdefault("ci_kind", "hdi")
        return arviz().summary(idata, ci_prob=hdi_prob, **kwargs)
    return arviz().summary(idata, hdi_prob=hdi_prob, **kwargs)


def loo(idata):
    """PSIS-LOO of ``idata``'s ``log_likelihood``, pointwise (arviz-stats on 1.x)."""
    return arviz().loo(idata, pointwise=True)


def __getattr__(name):
    # `from skbayes._arviz import az` imports ArviZ then, not at import.
    if name == "az":
        return arviz()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
