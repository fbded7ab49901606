"""Group-level effects: skbayes against plain NumPyro and PyMC models.

The same model everywhere, ``y ~ Normal(intercept + X @ coef + u[g] +
X[:, :s] @ v[g], sigma)`` with ``intercept ~ Normal(0, 10)``, ``coef_j ~
Normal(0, 2.5)``, ``sigma ~ Exponential(1)``, ``(u, v)[g] ~ Normal(0,
group_sd)``, ``group_sd ~ HalfNormal(1)``, the peers written non-centred (as
their documentation recommends for these data), and the same draws (4 chains
x (1000 warmup + 1000)). Figures, each measured in this run:

* warm refit: a second fit on the same data with another seed, compiled
  programs in memory;
* ESS/s: the smallest bulk ESS over every parameter (intercept, coefficients,
  sigma, the group-level sds and every group's effects), per second of warm
  refit;
* first fit: in a fresh process, the call to ``fit`` (``mcmc.run``,
  ``pm.sample``); for skbayes with its compiled-program cache written by an
  earlier process, as every fit after the first on a machine finds it.

Data: the Minnesota radon data (919 houses in 85 counties; varying intercepts,
and varying intercepts and floor slopes), and synthetic data of 100 groups
and two features with varying intercepts at growing numbers of rows.

Run ``python benchmarks/bench_groups.py [--sizes 10000 100000 1000000]
[--peer-max-size N]``; PyMC is measured when it is installed.
"""

import argparse
import os
import sys
import tempfile
import warnings
from functools import partial

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

from benchmarks._common import (  # noqa: E402
    SKBAYES_PRIORS_OF_PLAIN_MODEL,
    MarkdownTable,
    min_bulk_ess,
    new_numpyro_mcmc,
    run_in_fresh_process,
    timed_call,
)

SETTINGS = dict(num_warmup=1000, num_samples=1000, num_chains=4)
PARAMETERS = ("intercept", "coef", "sigma", "group_sd", "group_effects")


def grouped_data(case, n_samples=None, seed=0):
    """``(X, groups, y, n_slopes)``: features, group codes 0..G-1, targets."""
    if case.startswith("radon"):
        from skbayes.datasets import load_radon

        data = load_radon()
        X = data[["floor_measure"]].to_numpy(np.float64)
        groups = data["county_idx"].to_numpy(np.int64) - 1
        y = data["log_radon"].to_numpy()
        return X, groups, y, int(case == "radon slopes")
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 100, n_samples)
    X = rng.normal(size=(n_samples, 2))
    effects = rng.normal(0.0, 0.5, 100)
    y = 1.0 + X @ [1.0, -0.5] + effects[groups] + rng.normal(size=n_samples)
    return X, groups, y, 0


def numpyro_grouped_model(X, groups, y=None, *, n_groups, n_slopes):
    """The model as a NumPyro user writes it (non-centred)."""
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    intercept = numpyro.sample("intercept", dist.Normal(0.0, 10.0))
    coef = numpyro.sample("coef", dist.Normal(0.0, 2.5).expand([X.shape[1]]))
    sigma = numpyro.sample("sigma", dist.Exponential(1.0))
    m = 1 + n_slopes
    group_sd = numpyro.sample("group_sd", dist.HalfNormal(1.0).expand([m]))
    raw = numpyro.sample("raw", dist.Normal(0.0, 1.0).expand([n_groups, m]))
    effects = numpyro.deterministic("group_effects", raw * group_sd)
    varying = jnp.column_stack([jnp.ones(X.shape[0]), X[:, :n_slopes]])
    mu = intercept + X @ coef + jnp.sum(effects[groups] * varying, axis=1)
    with numpyro.plate("obs", X.shape[0]):
        numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


def pymc_grouped_model(X, groups, y, n_slopes):
    """The model as a PyMC user writes it (non-centred)."""
    import pymc as pm

    n_groups, m = int(groups.max()) + 1, 1 + n_slopes
    with pm.Model() as model:
        intercept = pm.Normal("intercept", 0.0, 10.0)
        coef = pm.Normal("coef", 0.0, 2.5, shape=X.shape[1])
        sigma = pm.Exponential("sigma", 1.0)
        group_sd = pm.HalfNormal("group_sd", 1.0, shape=m)
        raw = pm.Normal("raw", 0.0, 1.0, shape=(n_groups, m))
        effects = pm.Deterministic("group_effects", raw * group_sd)
        varying = np.column_stack([np.ones(X.shape[0]), X[:, :n_slopes]])
        mu = intercept + X @ coef + (effects[groups] * varying).sum(axis=1)
        pm.Normal("y", mu=mu, sigma=sigma, observed=y)
    return model


def skbayes_model(X, n_slopes, random_state=0):
    from skbayes import BayesianLinearRegressor

    return BayesianLinearRegressor(
        **SKBAYES_PRIORS_OF_PLAIN_MODEL,
        **SETTINGS,
        group_column=X.shape[1],
        group_slopes=list(range(n_slopes)) or None,
        group_prior_scale=1.0,
        random_state=random_state,
    )


def skbayes_warm(X, groups, y, n_slopes):
    data = np.column_stack([X, groups])
    model = skbayes_model(X, n_slopes).fit(data, y)
    seconds, _ = timed_call(lambda: model.set_params(random_state=1).fit(data, y))
    posterior = model.idata_.posterior
    return seconds, min_bulk_ess({name: posterior[name].values for name in PARAMETERS})


def numpyro_mcmc(groups, n_slopes):
    model = partial(
        numpyro_grouped_model, n_groups=int(groups.max()) + 1, n_slopes=n_slopes
    )
    return new_numpyro_mcmc(model, **SETTINGS)


def numpyro_warm(X, groups, y, n_slopes):
    import jax

    mcmc = numpyro_mcmc(groups, n_slopes)
    mcmc.run(jax.random.key(0), X, groups, y)

    def refit():
        mcmc.run(jax.random.key(1), X, groups, y)
        jax.block_until_ready(mcmc.get_samples())

    seconds, _ = timed_call(refit)
    samples = mcmc.get_samples(group_by_chain=True)
    return seconds, min_bulk_ess({name: samples[name] for name in PARAMETERS})


PYMC_OPTIONS = dict(
    draws=SETTINGS["num_samples"],
    tune=SETTINGS["num_warmup"],
    chains=SETTINGS["num_chains"],
    cores=1,
    progressbar=False,
    compute_convergence_checks=False,
)


def pymc_warm(X, groups, y, n_slopes):
    import pymc as pm

    with pymc_grouped_model(X, groups, y, n_slopes):
        pm.sample(random_seed=0, **PYMC_OPTIONS)
        seconds, idata = timed_call(lambda: pm.sample(random_seed=1, **PYMC_OPTIONS))
    posterior = idata.posterior
    return seconds, min_bulk_ess({name: posterior[name].values for name in PARAMETERS})


FIRST_FIT = {
    "skbayes": """
import numpy as np
from benchmarks.bench_groups import skbayes_model
data = np.column_stack([X, groups])
fit = lambda: skbayes_model(X, n_slopes).fit(data, y)
""",
    "numpyro": """
import jax
from benchmarks.bench_groups import numpyro_mcmc
mcmc = numpyro_mcmc(groups, n_slopes)
def fit():
    mcmc.run(jax.random.key(0), X, groups, y)
    jax.block_until_ready(mcmc.get_samples())
""",
    "pymc": """
import pymc as pm
from benchmarks.bench_groups import PYMC_OPTIONS, pymc_grouped_model
def fit():
    with pymc_grouped_model(X, groups, y, n_slopes):
        pm.sample(random_seed=0, **PYMC_OPTIONS)
""",
}


def first_fit_seconds(peer, case, n_samples, cache_dir):
    """Seconds of ``peer``'s first fit in a fresh process."""
    code = f"""
import time, warnings
warnings.simplefilter("ignore")
from benchmarks._common import report_to_parent
from benchmarks.bench_groups import grouped_data
X, groups, y, n_slopes = grouped_data({case!r}, {n_samples!r})
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
    "data",
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
WIDTHS = (17, 9, 7, 12, 11, 7, 6, 11, 11, 15)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[10000, 100000, 1000000]
    )
    parser.add_argument(
        "--cases",
        nargs="+",
        default=["radon intercepts", "radon slopes", "synthetic"],
    )
    parser.add_argument(
        "--peer-max-size",
        type=int,
        default=None,
        help="measure only skbayes above this many rows",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    peers = available_peers()
    cache_dir = tempfile.mkdtemp(prefix="skbayes-bench-groups-")
    print(
        "Group-level effects, 4 x (1000 + 1000) draws; ratios are the peer's "
        "figure over skbayes's (skbayes's advantage)."
    )
    table = MarkdownTable(HEADERS, WIDTHS, align="<<<>>>>>>>")
    table.print_header()
    runs = [
        (case, size)
        for case in args.cases
        for size in ([None] if case.startswith("radon") else args.sizes)
    ]
    for case, n_samples in runs:
        X, groups, y, n_slopes = grouped_data(case, n_samples)
        # An earlier process writes skbayes's cache, as on any machine after
        # its first fit.
        first_fit_seconds("skbayes", case, n_samples, cache_dir)
        figures = {}
        for peer in peers:
            if peer != "skbayes" and y.shape[0] > (args.peer_max_size or y.shape[0]):
                continue
            seconds, ess = WARM[peer](X, groups, y, n_slopes)
            first = first_fit_seconds(peer, case, n_samples, cache_dir)
            figures[peer] = (seconds, ess, first)
        ours = figures["skbayes"]
        for peer, (seconds, ess, first) in figures.items():
            table.print_row(
                [
                    case,
                    f"{y.shape[0]:,}",
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
