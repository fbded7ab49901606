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
import os
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

from skbayes import BayesianLinearRegressor  # noqa: E402


def best_warm_fit(X, y, progress_bar, repeats):
    model = BayesianLinearRegressor(progress_bar=progress_bar, random_state=0)
    times = []
    with contextlib.redirect_stderr(io.StringIO()):
        model.fit(X, y)  # compile
        for seed in range(repeats):
            start = time.perf_counter()
            model.set_params(random_state=seed + 1).fit(X, y)
            times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 10))
    y = X @ np.linspace(-1, 1, 10) + rng.normal(size=1000)
    off = best_warm_fit(X, y, False, args.repeats)
    on = best_warm_fit(X, y, True, args.repeats)
    print(f"warm fit, best of {args.repeats}: bar off {off:.3f} s, bar on {on:.3f} s")
    print(f"bar on / bar off: {on / off:.2f}")


if __name__ == "__main__":
    main()
