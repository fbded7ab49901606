"""ArviZ, imported on first use, without its import-time notice about 1.0.

``import skbayes`` does not import ArviZ (nor xarray and matplotlib with it):
a fit and its predictions do not need it, only ``idata_``, ``summary`` and the
plots do. skbayes targets the ArviZ 0.x API (``InferenceData``); the notice
would reach every user of skbayes without concerning them.
"""

import warnings


def arviz():
    """The ``arviz`` module, imported on the first call."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
        import arviz as az
    return az


def __getattr__(name):
    # `from skbayes._arviz import az` imports ArviZ then, not at import.
    if name == "az":
        return arviz()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
