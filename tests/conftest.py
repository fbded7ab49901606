import atexit
import os
import shutil
import tempfile

# Tests run on the CPU whatever the machine has, and draw nothing on screen.
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
# Compiled samplers go to a cache of the test session (which subprocesses of
# the tests share), not to the user's cache directory.
os.environ["SKBAYES_CACHE_DIR"] = tempfile.mkdtemp(prefix="skbayes-test-cache-")
atexit.register(shutil.rmtree, os.environ["SKBAYES_CACHE_DIR"], ignore_errors=True)

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(20261121)


@pytest.fixture
def regression_data(rng):
    """Gaussian design and a linear response with Gaussian noise."""

    def make(n_samples=100, coef=(2.0, -1.0, 0.5), intercept=1.0, noise=0.5):
        coef = np.asarray(coef, dtype=float)
        X = rng.normal(size=(n_samples, coef.size))
        y = intercept + X @ coef + rng.normal(scale=noise, size=n_samples)
        return X, y

    return make
