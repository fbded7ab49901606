"""``import skbayes`` imports what a fit needs, and no more."""

import subprocess
import sys

_CODE = """
import sys
import numpy, jax, sklearn.base
before = set(sys.modules)
import skbayes
print(" ".join(sorted(set(sys.modules) - before)))
"""


def test_import_does_not_load_arviz_plotting_or_frames():
    out = subprocess.run(
        [sys.executable, "-c", _CODE], capture_output=True, text=True, check=True
    )
    added = {name.split(".")[0] for name in out.stdout.split()}
    assert "skbayes" in added
    # pandas counts only if scikit-learn has not imported it already.
    assert not added & {"arviz", "matplotlib", "xarray", "pandas", "dask"}
