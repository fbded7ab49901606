"""A 5-fold grid search over the prior scale: skbayes against plain NumPyro, in one run.

Both search ``prior_scale`` in {0.1, 0.3, 1, 3, 10} on scikit-learn's diabetes
data with 5-fold GridSearchCV (25 fits and a final refit), each fit 4 chains x
(1000 warmup + 2000 draws) of the same model: y ~ Normal(intercept + X @ coef,
sigma) with coef_j ~ N(0, prior_scale), intercept ~ N(0, 1000) and
sigma ~ Exponential(mean 100), on standardised features. The peer is the model as
a NumPyro user writes it, in two scikit-learn wrappers: the minimal one, which
builds its MCMC in ``fit`` (and so compiles at every fit), and a tuned one that
caches the MCMC per data shape with ``jit_model_args=True``, so that it compiles
once, as skbayes does.

Besides the search's wall time, every fit's chains are kept and their minimum
bulk ESS over all parameters computed after the clock stops, so that the table
also compares effective draws per second of search.

Usage::

    python benchmarks/bench_grid_search.py [--warmup 1000] [--draws 2000]
"""

import argparse
import functools
import os
import sys
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402

from benchmarks._common import (  # noqa: E402
    min_bulk_ess,
    new_numpyro_mcmc,
    plain_numpyro_model,
    print_table,
    timed_call,
)
from skbayes import BayesianLinearRegressor  # noqa: E402

GRID = {"prior_scale": [0.1, 0.3, 1.0, 3.0, 10.0]}
SETTINGS = dict(num_warmup=1000, num_samples=2000, num_chains=4)
INTERCEPT_SCALE, NOISE_MEAN = 1000.0, 100.0
# prior_scale stays an argument of the model, so that with jit_model_args a
# new scale does not compile the sampler again.
PLAIN_MODEL = functools.partial(
    plain_numpyro_model,
    intercept_prior_scale=INTERCEPT_SCALE,
    noise_prior_mean=NOISE_MEAN,
)

_MCMC_BY_SHAPE = {}
#: The chains of every fit of the search in progress, as (chain, draw, ...) arrays.
FIT_CHAINS = []


def _new_mcmc():
    return new_numpyro_mcmc(PLAIN_MODEL, **SETTINGS)


class PlainNumPyroRegressor(RegressorMixin, BaseEstimator):
    """A scikit-learn wrapper of the plain NumPyro model.

    ``cache_mcmc=False`` is the minimal wrapper: a new MCMC at every fit.
    ``cache_mcmc=True`` reuses one MCMC per data shape, so refits with other
    folds and prior scales do not recompile.
    """

    def __init__(self, prior_scale=1.0, random_state=0, cache_mcmc=False):
        self.prior_scale = prior_scale
        self.random_state = random_state
        self.cache_mcmc = cache_mcmc

    def fit(self, X, y):
        X, y = np.asarray(X, np.float32), np.asarray(y, np.float32)
        if self.cache_mcmc:
            mcmc = _MCMC_BY_SHAPE.setdefault(X.shape, _new_mcmc())
        else:
            mcmc = _new_mcmc()
        mcmc.run(jax.random.key(self.random_state), X, y, np.float32(self.prior_scale))
        FIT_CHAINS.append(mcmc.get_samples(group_by_chain=True))
        samples = mcmc.get_samples()
        self.coef_ = np.asarray(samples["coef"]).mean(axis=0)
        self.intercept_ = float(np.asarray(samples["intercept"]).mean())
        return self

    def predict(self, X):
        return np.asarray(X) @ self.coef_ + self.intercept_


class RecordingRegressor(BayesianLinearRegressor):
    """skbayes's estimator, keeping each fit's chains in ``FIT_CHAINS``."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        # The draws by chain, from posterior_samples_: reading idata_ would put
        # ArviZ's import and InferenceData's construction inside the timing.
        FIT_CHAINS.append(
            {
                name: draws.reshape((self.num_chains, -1) + draws.shape[1:])
                for name, draws in self.posterior_samples_.items()
            }
        )
        return self


def run_search(estimator, X, y):
    """Seconds of the search, the search, and the summed min bulk ESS of its fits."""
    search = GridSearchCV(estimator, GRID, cv=5)
    FIT_CHAINS.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, _ = timed_call(lambda: search.fit(X, y))
    return seconds, search, sum(min_bulk_ess(chains) for chains in FIT_CHAINS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=int, default=SETTINGS["num_warmup"])
    parser.add_argument("--draws", type=int, default=SETTINGS["num_samples"])
    args = parser.parse_args()
    SETTINGS.update(num_warmup=args.warmup, num_samples=args.draws)
    X, y = load_diabetes(return_X_y=True)
    X = scale(X)
    skbayes_estimator = RecordingRegressor(
        **SETTINGS,
        autoscale=False,
        intercept_prior_scale=INTERCEPT_SCALE,
        noise_prior_scale=NOISE_MEAN,
        random_state=0,
    )
    results = [
        ("skbayes", *run_search(skbayes_estimator, X, y)),
        ("numpyro, minimal wrapper", *run_search(PlainNumPyroRegressor(), X, y)),
        (
            "numpyro, cached MCMC",
            *run_search(PlainNumPyroRegressor(cache_mcmc=True), X, y),
        ),
    ]
    print(
        "5-fold GridSearchCV over 5 prior scales, 25 fits + refit, "
        f"4 chains x ({args.warmup} warmup + {args.draws} draws)"
    )
    _, skbayes_seconds, _, skbayes_ess = results[0]
    print_table(
        (
            "library",
            "search s",
            "faster by",
            "sum of min ESS",
            "ESS/s",
            "ESS/s ratio",
            "best prior_scale, R2",
        ),
        (
            (
                name,
                f"{seconds:.1f}",
                f"{seconds / skbayes_seconds:.1f}x",
                f"{ess:.0f}",
                f"{ess / seconds:.0f}",
                f"{(skbayes_ess / skbayes_seconds) / (ess / seconds):.1f}x",
                f"{search.best_params_['prior_scale']}, {search.best_score_:.3f}",
            )
            for name, seconds, search, ess in results
        ),
    )


if __name__ == "__main__":
    main()
