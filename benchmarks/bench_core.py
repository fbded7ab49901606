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
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import jax  # noqa: E402

from benchmarks._common import (  # noqa: E402
    MarkdownTable,
    make_regression_data,
    min_bulk_ess,
    new_numpyro_mcmc,
    skbayes_first_fit_seconds,
    skbayes_warm_refit,
    timed_call,
)

N_FEATURES = 10
SETTINGS = dict(num_warmup=1000, num_samples=1000, num_chains=4)


def bench_plain_numpyro(X, y):
    """Seconds of the first fit and of a refit with a new seed, and its min ESS."""
    mcmc = new_numpyro_mcmc(**SETTINGS)

    def run(seed):
        mcmc.run(jax.random.key(seed), X, y)
        jax.block_until_ready(mcmc.get_samples())

    first, _ = timed_call(lambda: run(0))
    refit, _ = timed_call(lambda: run(1))
    return first, refit, min_bulk_ess(mcmc.get_samples(group_by_chain=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100, 10_000, 1_000_000]
    )
    args = parser.parse_args()
    draws = SETTINGS["num_chains"] * SETTINGS["num_samples"]
    print(f"p = {N_FEATURES}, 4 chains x (1000 + 1000), {jax.devices()[0].platform}")
    table = MarkdownTable(
        (
            "n",
            "library",
            "first fit s",
            "warm refit s",
            "min ESS",
            "ESS/draws",
            "ESS/s",
        ),
        widths=(9, 14, 11, 12, 7, 9, 9),
        align="><>>>>>",
    )
    table.print_header()
    ratios = []
    for n_samples in args.sizes:
        X, y = make_regression_data(n_samples, N_FEATURES)
        first_sk = skbayes_first_fit_seconds(n_samples, N_FEATURES, SETTINGS)
        refit_sk, ess_sk = skbayes_warm_refit(X, y, SETTINGS)
        first_np, refit_np, ess_np = bench_plain_numpyro(X, y)
        for name, first, refit, ess in (
            ("skbayes", first_sk, refit_sk, ess_sk),
            ("plain numpyro", first_np, refit_np, ess_np),
        ):
            table.print_row(
                (
                    str(n_samples),
                    name,
                    f"{first:.2f}",
                    f"{refit:.3f}",
                    f"{ess:.0f}",
                    f"{ess / draws:.2f}",
                    f"{ess / refit:.0f}",
                )
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
