"""Robust regression: skbayes's Student-t likelihood against NumPyro and PyMC.

The same model everywhere, ``y ~ StudentT(df, intercept + X @ coef, sigma)``
with ``intercept ~ Normal(0, 10)``, ``coef_j ~ Normal(0, 2.5)``, ``sigma ~
Exponential(1)`` and ``df ~ Gamma(2, 0.1)``, on p = 10 features with t(4)
noise and 5% gross outliers, and the same draws (4 chains x (1000 warmup +
1000)). Figures, each measured in this run:

* warm refit: a second fit on the same data with another seed, compiled
  programs in memory;
* ESS/s: the smallest bulk ESS over intercept, coefficients, sigma and df, per
  second of warm refit;
* first fit: in a fresh process, the call to ``fit`` (``mcmc.run``,
  ``pm.sample``); for skbayes with its compiled-program cache already written
  by an earlier process, as every fit after the first on a machine finds it.

Two designs: ``iid`` (standard normal features, as the other benchmarks) and
``offset`` (features correlated at 0.9 with means of 5, as measured data
often are), where a sampler that does not whiten pays for the geometry.

Run ``python benchmarks/bench_robust.py [--sizes 1000 10000 100000]
[--designs iid offset]``; PyMC is measured when it is installed.
"""

import argparse
import os
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from benchmarks._common import (  # noqa: E402
    SKBAYES_PRIORS_OF_PLAIN_MODEL,
    MarkdownTable,
    min_bulk_ess,
    new_numpyro_mcmc,
    run_in_fresh_process,
    timed_call,
    true_coef,
)

N_FEATURES = 10
SETTINGS = dict(num_warmup=1000, num_samples=1000, num_chains=4)
ROBUST = dict(likelihood="student_t", **SKBAYES_PRIORS_OF_PLAIN_MODEL)
PARAMETERS = ("intercept", "coef", "sigma", "df")


def robust_data(n_samples, design, seed=0):
    """Features of ``design``, t(4) noise of scale 0.5 and 5% outliers (+10)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, N_FEATURES))
    if design == "offset":
        # AR(1) correlation 0.9 between neighbouring columns, means 5.
        for j in range(1, N_FEATURES):
            X[:, j] = 0.9 * X[:, j - 1] + np.sqrt(1 - 0.9**2) * X[:, j]
        X += 5.0
    y = 1.0 + X @ true_coef(N_FEATURES) + 0.5 * rng.standard_t(4, size=n_samples)
    outliers = rng.choice(n_samples, n_samples // 20, replace=False)
    y[outliers] += 10.0
    return X.astype(np.float32), y.astype(np.float32)


def numpyro_student_t_model(X, y=None):
    """The model as a NumPyro user writes it."""
    import numpyro
    import numpyro.distributions as dist

    intercept = numpyro.sample("intercept", dist.Normal(0.0, 10.0))
    coef = numpyro.sample(
        "coef", dist.Normal(0.0, 2.5).expand([X.shape[1]]).to_event(1)
    )
    sigma = numpyro.sample("sigma", dist.Exponential(1.0))
    df = numpyro.sample("df", dist.Gamma(2.0, 0.1))
    with numpyro.plate("obs", X.shape[0]):
        numpyro.sample("y", dist.StudentT(df, intercept + X @ coef, sigma), obs=y)


def pymc_student_t_model(X, y):
    """The model as a PyMC user writes it."""
    import pymc as pm

    with pm.Model() as model:
        intercept = pm.Normal("intercept", 0.0, 10.0)
        coef = pm.Normal("coef", 0.0, 2.5, shape=X.shape[1])
        sigma = pm.Exponential("sigma", 1.0)
        df = pm.Gamma("df", alpha=2.0, beta=0.1)
        pm.StudentT("y", nu=df, mu=intercept + X @ coef, sigma=sigma, observed=y)
    return model


def skbayes_warm(X, y):
    from skbayes import BayesianLinearRegressor

    model = BayesianLinearRegressor(**ROBUST, **SETTINGS, random_state=0).fit(X, y)
    seconds, _ = timed_call(lambda: model.set_params(random_state=1).fit(X, y))
    posterior = model.idata_.posterior
    return seconds, min_bulk_ess({name: posterior[name].values for name in PARAMETERS})


def numpyro_warm(X, y):
    import jax

    mcmc = new_numpyro_mcmc(numpyro_student_t_model, **SETTINGS)
    mcmc.run(jax.random.key(0), X, y)

    def refit():
        mcmc.run(jax.random.key(1), X, y)
        jax.block_until_ready(mcmc.get_samples())

    seconds, _ = timed_call(refit)
    samples = mcmc.get_samples(group_by_chain=True)
    return seconds, min_bulk_ess({name: samples[name] for name in PARAMETERS})


def pymc_warm(X, y):
    import pymc as pm

    model = pymc_student_t_model(X, y)
    options = dict(
        draws=SETTINGS["num_samples"],
        tune=SETTINGS["num_warmup"],
        chains=SETTINGS["num_chains"],
        cores=1,
        progressbar=False,
        compute_convergence_checks=False,
    )
    with model:
        pm.sample(random_seed=0, **options)
        seconds, idata = timed_call(lambda: pm.sample(random_seed=1, **options))
    posterior = idata.posterior
    return seconds, min_bulk_ess({name: posterior[name].values for name in PARAMETERS})


FIRST_FIT = {
    "skbayes": """
from skbayes import BayesianLinearRegressor
from benchmarks.bench_robust import ROBUST, SETTINGS
fit = lambda: BayesianLinearRegressor(**ROBUST, **SETTINGS, random_state=0).fit(X, y)
""",
    "numpyro": """
import jax
from benchmarks._common import new_numpyro_mcmc
from benchmarks.bench_robust import SETTINGS, numpyro_student_t_model
mcmc = new_numpyro_mcmc(numpyro_student_t_model, **SETTINGS)
def fit():
    mcmc.run(jax.random.key(0), X, y)
    jax.block_until_ready(mcmc.get_samples())
""",
    "pymc": """
import pymc as pm
from benchmarks.bench_robust import SETTINGS, pymc_student_t_model
def fit():
    with pymc_student_t_model(X, y):
        pm.sample(draws=SETTINGS["num_samples"], tune=SETTINGS["num_warmup"],
                  chains=SETTINGS["num_chains"], cores=1, progressbar=False,
                  compute_convergence_checks=False, random_seed=0)
""",
}


def first_fit_seconds(peer, n_samples, design, cache_dir):
    """Seconds of ``peer``'s first fit in a fresh process."""
    code = f"""
import time, warnings
warnings.simplefilter("ignore")
from benchmarks._common import report_to_parent
from benchmarks.bench_robust import robust_data
X, y = robust_data({n_samples}, {design!r})
{FIRST_FIT[peer]}
start = time.perf_counter()
fit()
report_to_parent(time.perf_counter() - start)
"""
    return run_in_fresh_process(code, env={"SKBAYES_CACHE_DIR": cache_dir})


def available_peers():
    peers = ["skbayes", "numpyro"]
    try:
        import pymc  # noqa: F401

        peers.append("pymc")
    except ImportError:
        print("pymc is not installed: its rows are left out.", file=sys.stderr)
    return peers


WARM = {"skbayes": skbayes_warm, "numpyro": numpyro_warm, "pymc": pymc_warm}
HEADERS = (
    "design",
    "n",
    "peer",
    "warm refit s",
    "refit ratio",
    "min ESS",
    "ESS/s",
    "ESS/s ratio",
    "first fit s",
    "first-fit ratio",
)
WIDTHS = (6, 7, 7, 12, 11, 7, 5, 11, 11, 15)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--designs", nargs="+", default=["iid", "offset"])
    parser.add_argument(
        "--pymc-max-size",
        type=int,
        default=None,
        help="leave PyMC out above this many rows",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    peers = available_peers()
    cache_dir = tempfile.mkdtemp(prefix="skbayes-bench-robust-")
    print(
        f"Student-t regression, p = {N_FEATURES}, 4 x (1000 + 1000) draws; "
        "ratios are the peer's figure over skbayes's (skbayes's advantage)."
    )
    table = MarkdownTable(HEADERS, WIDTHS, align="<<<>>>>>>>")
    table.print_header()
    for design in args.designs:
        for n_samples in args.sizes:
            X, y = robust_data(n_samples, design)
            # An earlier process writes skbayes's cache, as on any machine
            # after its first fit.
            first_fit_seconds("skbayes", n_samples, design, cache_dir)
            figures = {}
            for peer in peers:
                if peer == "pymc" and n_samples > (args.pymc_max_size or n_samples):
                    continue
                seconds, ess = WARM[peer](X, y)
                first = first_fit_seconds(peer, n_samples, design, cache_dir)
                figures[peer] = (seconds, ess, first)
            ours = figures["skbayes"]
            for peer, (seconds, ess, first) in figures.items():
                table.print_row(
                    [
                        design,
                        f"{n_samples:,}",
                        peer,
                        f"{seconds:.2f}",
                        f"{seconds / ours[0]:.1f}x",
                        f"{ess:.0f}",
                        f"{ess / seconds:.0f}",
                        f"{(ours[1] / ours[0]) / (ess / seconds):.1f}x",
                        f"{first:.2f}",
                        f"{first / ours[2]:.1f}x",
                    ]
                )


if __name__ == "__main__":
    main()
