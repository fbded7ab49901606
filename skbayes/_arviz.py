"""ArviZ, imported once without its import-time notice about the 1.0 refactor.

skbayes targets the ArviZ 0.x API (``InferenceData``); the notice would reach
every user of skbayes without concerning them.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=FutureWarning, module="arviz")
    import arviz as az

__all__ = ["az"]
