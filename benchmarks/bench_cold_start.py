"""Fresh processes: import, first fit, other settings, grid search workers.

Every figure is the wall time of a new Python process doing one thing, timed
inside it from before its first import, so that imports and compilation count
as a user meets them in a notebook kernel, a script or a joblib worker. The
peers run in the same invocation, alternating with skbayes.

* ``import``: ``import skbayes`` against ``import numpy, jax, sklearn.base``.
* ``first fit``: n=100, p=10, 4 chains x (1000 + 1000), skbayes with a warm
  cache of compiled samplers, with an empty one, and plain NumPyro
  (``MCMC(NUTS(model))``, same priors and draws).
* ``other settings``: num_warmup=500, num_samples=2000, num_chains=2, which
  the cache has seen once before, against the default settings.
* ``grid search``: 5-fold x 5 prior scales on the diabetes data, warm cache,
  ``n_jobs=1`` against ``n_jobs=2``; with the default 1000 draws per chain,
  and with 4000, where each fit costs more than a worker's start-up; and on
  joblib's threading backend, which starts no process.

Usage::

    python benchmarks/bench_cold_start.py [--repeats 3]
"""

import argparse
import functools
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks._common import print_table, run_in_fresh_process  # noqa: E402

_PRELUDE = """
import time
_start = time.perf_counter()
"""

_REPORT = """
_seconds = time.perf_counter() - _start
from benchmarks._common import report_to_parent
report_to_parent(_seconds)
"""

_DATA = """
from benchmarks._common import make_regression_data
X, y = make_regression_data(100, 10, dtype="float64")
"""

CODE = {
    "import baseline": "import numpy, jax, sklearn.base",
    "import skbayes": "import numpy, jax, sklearn.base, skbayes",
    "skbayes first fit": _DATA
    + """
from skbayes import BayesianLinearRegressor
BayesianLinearRegressor(autoscale=False, intercept_prior_scale=10.0,
                        random_state=0).fit(X, y)
""",
    "skbayes other settings": _DATA
    + """
from skbayes import BayesianLinearRegressor
BayesianLinearRegressor(autoscale=False, intercept_prior_scale=10.0,
                        num_warmup=500, num_samples=2000, num_chains=2,
                        random_state=0).fit(X, y)
""",
    # jit_model_args=False: NumPyro's default, as a user's first fit has it.
    "numpyro first fit": _DATA
    + """
import jax
from benchmarks._common import new_numpyro_mcmc
mcmc = new_numpyro_mcmc(num_warmup=1000, num_samples=1000, num_chains=4,
                        jit_model_args=False)
mcmc.run(jax.random.key(0), X, y)
mcmc.get_samples()["coef"].block_until_ready()
""",
}

_GRID = """
import joblib
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV
from skbayes import BayesianLinearRegressor
X, y = load_diabetes(return_X_y=True)
with joblib.parallel_config(backend="{backend}"):
    GridSearchCV(BayesianLinearRegressor(num_samples={num_samples}, random_state=0),
                 {{"prior_scale": [0.1, 0.3, 1.0, 3.0, 10.0]}}, cv=5,
                 n_jobs={n_jobs}).fit(X, y)
"""
for _draws in (1000, 4000):
    for _n_jobs in (1, 2):
        CODE[f"grid search {_draws} draws n_jobs={_n_jobs}"] = _GRID.format(
            n_jobs=_n_jobs, num_samples=_draws, backend="loky"
        )
CODE["grid search 1000 draws n_jobs=2 threads"] = _GRID.format(
    n_jobs=2, num_samples=1000, backend="threading"
)


def run_fresh(code, cache_dir):
    """Seconds a new interpreter takes to run ``code``, timed inside it."""
    return run_in_fresh_process(
        _PRELUDE + code + _REPORT, env={"SKBAYES_CACHE_DIR": cache_dir}
    )


@functools.cache
def best(name, cache_dir, repeats):
    return min(run_fresh(CODE[name], cache_dir) for _ in range(repeats))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warm = tempfile.mkdtemp(prefix="skbayes-bench-cache-")
    r = args.repeats
    # Fill the cache once for every program the warm figures use.
    for name in (
        "skbayes first fit",
        "skbayes other settings",
        "grid search 1000 draws n_jobs=1",
        "grid search 4000 draws n_jobs=1",
    ):
        run_fresh(CODE[name], warm)

    rows = []
    baseline = best("import baseline", warm, r)
    rows.append(
        (
            "import skbayes / import numpy, jax, sklearn.base",
            best("import skbayes", warm, r),
            baseline,
            1.25,
            "at most",
        )
    )
    empty = min(
        run_fresh(CODE["skbayes first fit"], tempfile.mkdtemp()) for _ in range(r)
    )
    warm_fit = best("skbayes first fit", warm, r)
    numpyro_fit = best("numpyro first fit", warm, r)
    rows.append(
        (
            "plain NumPyro first fit / skbayes first fit, warm cache",
            numpyro_fit,
            warm_fit,
            3.0,
            "at least",
        )
    )
    rows.append(
        (
            "plain NumPyro first fit / skbayes first fit, empty cache",
            numpyro_fit,
            empty,
            None,
            "",
        )
    )
    rows.append(
        (
            "other settings / default settings, warm cache",
            best("skbayes other settings", warm, r),
            warm_fit,
            1.3,
            "at most",
        )
    )
    for draws, floor in ((1000, 1.2), (4000, None)):
        rows.append(
            (
                f"grid search n_jobs=1 / n_jobs=2, {draws} draws, warm cache",
                best(f"grid search {draws} draws n_jobs=1", warm, r),
                best(f"grid search {draws} draws n_jobs=2", warm, r),
                floor,
                "at least" if floor else "",
            )
        )
    rows.append(
        (
            "grid search n_jobs=1 / n_jobs=2 on threads, 1000 draws, warm cache",
            best("grid search 1000 draws n_jobs=1", warm, r),
            best("grid search 1000 draws n_jobs=2 threads", warm, r),
            None,
            "",
        )
    )

    print(f"best of {r} fresh processes each; seconds\n")
    print_table(
        ("figure", "numerator s", "denominator s", "ratio", "floor"),
        (
            (
                label,
                f"{top:.2f}",
                f"{bottom:.2f}",
                f"{top / bottom:.2f}",
                f"{sense} {floor}" if floor else "-",
            )
            for label, top, bottom, floor, sense in rows
        ),
    )


if __name__ == "__main__":
    main()
