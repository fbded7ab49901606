"""skbayes against a plain NumPyro model of the same regression, in one run.

Both fit y ~ Normal(intercept + X @ coef, sigma) with intercept ~ N(0, 10),
coef_j ~ N(0, 2.5), sigma ~ Exponential(1), 4 chains x (1000 warmup + 1000
draws), p = 10 features. The plain model is what NumPyro users write:
``numpyro.sample("y", ..., obs=y)`` under ``MCMC(NUTS(model))``, with
``jit_model_args=True`` so that its refit reuses its compilation too.

Reported per size: first fit (compilation included; for skbayes in a fresh
process), warm refit with a new seed, minimum bulk ESS over all parameters,
ESS per second of the warm refit, and skbayes's speed-ups over the peer.

Usage::

    python benchmarks/bench_core.py [--sizes 100 10000 1000000]
"""

import argparse
import os
import subprocess
import sys
import time
import warnings

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402

from skbayes import BayesianLinearRegressor  # noqa: E402
from skbayes._arviz import az  # noqa: E402

N_FEATURES = 10
SETTINGS = dict(num_warmup=1000, num_samples=1000, num_chains=4)
PRIORS = dict(
    autoscale=False, prior_scale=2.5, intercept_prior_scale=10.0, noise_prior_scale=1.0
)


def make_data(n_samples, n_features=N_FEATURES, seed=0):
    """Standard normal features and a linear target with unit noise, in float32."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(np.float32)
    coef = np.linspace(-1.0, 1.0, n_features)
    y = 1.0 + X @ coef + rng.normal(size=n_samples)
    return X, y.astype(np.float32)


def plain_model(X, y=None):
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 10.0))
    coef = numpyro.sample(
        "coef", dist.Normal(0.0, 2.5).expand([X.shape[1]]).to_event(1)
    )
    sigma = numpyro.sample("sigma", dist.Exponential(1.0))
    numpyro.sample("y", dist.Normal(intercept + X @ coef, sigma), obs=y)


def min_bulk_ess(chains):
    """Smallest bulk ESS over every scalar in a dict of (chain, draw, ...) arrays."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ess = az.ess({name: np.asarray(value) for name, value in chains.items()})
    return float(min(np.min(ess[name].values) for name in ess.data_vars))


def timed(fit):
    start = time.perf_counter()
    result = fit()
    return time.perf_counter() - start, result


def skbayes_first_fit_in_fresh_process(
    n_samples, n_features=N_FEATURES, settings=SETTINGS
):
    """Seconds of the first fit in a new Python process, compilation included."""
    code = (
        "import time, warnings; warnings.simplefilter('ignore');"
        "from benchmarks.bench_core import make_data, PRIORS;"
        "from skbayes import BayesianLinearRegressor;"
        f"X, y = make_data({n_samples}, {n_features});"
        "t = time.perf_counter();"
        f"BayesianLinearRegressor(**{settings!r}, **PRIORS, random_state=0).fit(X, y);"
        "print(time.perf_counter() - t)"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    return float(out.stdout.strip().splitlines()[-1])


def bench_skbayes(X, y, settings=SETTINGS):
    """Seconds of a warm refit with a new seed, and its minimum bulk ESS."""
    model = BayesianLinearRegressor(**settings, **PRIORS, random_state=0)
    model.fit(X, y)  # warm the in-process cache
    refit, _ = timed(lambda: model.set_params(random_state=1).fit(X, y))
    posterior = model.idata_.posterior
    chains = {name: posterior[name].values for name in posterior.data_vars}
    return refit, min_bulk_ess(chains)


def bench_plain_numpyro(X, y):
    mcmc = MCMC(
        NUTS(plain_model),
        **SETTINGS,
        chain_method="vectorized",
        progress_bar=False,
        jit_model_args=True,
    )

    def run(seed):
        mcmc.run(jax.random.key(seed), X, y)
        jax.block_until_ready(mcmc.get_samples())

    first, _ = timed(lambda: run(0))
    refit, _ = timed(lambda: run(1))
    return first, refit, min_bulk_ess(mcmc.get_samples(group_by_chain=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100, 10_000, 1_000_000]
    )
    args = parser.parse_args()
    draws = SETTINGS["num_chains"] * SETTINGS["num_samples"]
    print(f"p = {N_FEATURES}, 4 chains x (1000 + 1000), {jax.devices()[0].platform}")
    header = (
        f"| {'n':>9} | {'library':<14} | {'first fit s':>11} | {'warm refit s':>12} "
        f"| {'min ESS':>7} | {'ESS/draws':>9} | {'ESS/s':>9} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    ratios = []
    for n_samples in args.sizes:
        X, y = make_data(n_samples)
        first_sk = skbayes_first_fit_in_fresh_process(n_samples)
        refit_sk, ess_sk = bench_skbayes(X, y)
        first_np, refit_np, ess_np = bench_plain_numpyro(X, y)
        for name, first, refit, ess in (
            ("skbayes", first_sk, refit_sk, ess_sk),
            ("plain numpyro", first_np, refit_np, ess_np),
        ):
            print(
                f"| {n_samples:>9} | {name:<14} | {first:11.2f} | {refit:12.3f} "
                f"| {ess:7.0f} | {ess / draws:9.2f} | {ess / refit:9.0f} |",
                flush=True,
            )
        ratios.append(
            (n_samples, refit_np / refit_sk, (ess_sk / refit_sk) / (ess_np / refit_np))
        )
    print("\nskbayes over plain numpyro, same run:")
    for n_samples, speed, ess_rate in ratios:
        print(
            f"  n = {n_samples:>9}: warm refit {speed:7.1f}x faster, "
            f"ESS/s {ess_rate:7.1f}x"
        )


if __name__ == "__main__":
    main()
