"""Cost of the progress bar: warm fits with it off and on, in one run.

With ``progress_bar=False`` the compiled sampler contains no host callback at
all, so it should cost what a sampler without progress support costs. The bar
itself should add little: about 50 callbacks per fit.

Usage::

    python benchmarks/bench_progress.py [--repeats 7]
"""

import argparse
import contextlib
import io
import itertools
import os
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks._common import best_of, make_regression_data  # noqa: E402
from skbayes import BayesianLinearRegressor  # noqa: E402


def best_warm_fit(X, y, progress_bar, repeats):
    """Least seconds of a refit with a new seed, after a fit that compiles."""
    model = BayesianLinearRegressor(progress_bar=progress_bar, random_state=0)
    seeds = itertools.count()

    def fit():
        model.set_params(random_state=next(seeds)).fit(X, y)

    with contextlib.redirect_stderr(io.StringIO()):
        return best_of(fit, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    X, y = make_regression_data(1000, 10, intercept=0.0, dtype="float64")
    off = best_warm_fit(X, y, False, args.repeats)
    on = best_warm_fit(X, y, True, args.repeats)
    print(f"warm fit, best of {args.repeats}: bar off {off:.3f} s, bar on {on:.3f} s")
    print(f"bar on / bar off: {on / off:.2f}")


if __name__ == "__main__":
    main()
