"""skbayes beside its peers: one regression, the same priors and draws, one run.

Every sampler fits y ~ Normal(intercept + X @ coef, sigma) with intercept ~
N(0, 10), coef_j ~ N(0, 2.5) and sigma ~ Exponential(1), 4 chains x (1000
warmup + 1000 draws), on the data of ``_common.make_regression_data``: standard
normal features, float32. The libraries, by their ``--peers`` names:

``skbayes``
    ``BayesianLinearRegressor(autoscale=False, prior_scale=2.5,
    intercept_prior_scale=10.0, noise_prior_scale=1.0)``. Its default
    ``noise_prior="exponential"`` takes ``noise_prior_scale`` as the mean, so
    sigma ~ Exponential(rate 1): ``Exponential(1 / scale)`` in
    ``skbayes/_numpyro_model.py``, log density ``-sigma / scale`` in
    ``skbayes/_kernels.py``. Always run: it is what the others are compared with.
``numpyro``
    ``_common.plain_numpyro_model``, ``numpyro.sample("y", ..., obs=y)``
    under ``MCMC(NUTS(model), chain_method="vectorized", jit_model_args=True)``.
``pymc``
    ``pm.sample`` with its default NUTS sampler; it runs the chains in
    ``min(4, CPU count)`` worker processes.
``pymc-numpyro``
    ``pm.sample(nuts_sampler="numpyro")``, chains vectorised as for ``numpyro``
    (its default, parallel chains, would run them one after the other on one
    CPU device).
``pymc-nutpie``
    ``pm.sample(nuts_sampler="nutpie")``.
``bayesian-ridge``
    scikit-learn's ``BayesianRidge``, closed-form empirical Bayes with its own
    priors: fit time only, the floor set by closed-form methods.

The PyMC model reads ``X`` and ``y`` from ``pm.Data`` containers holding the same
values in float64, PyMC's default ``floatX``; the other libraries get the
float32 arrays. A PyMC peer that is not installed is skipped with a note.

Columns, per size and library:

- first fit: seconds of the first fit in a fresh Python process, compilation
  included. Caches on disk (PyTensor's compile directory, numba's cache) are
  left as they are, and this run's pilot (below) has filled them, as a user's
  earlier session would have.
- warm refit: a second fit in the same process on the same data with a new
  seed. skbayes and ``numpyro`` reuse their compiled sampler. For PyMC it is a
  second ``pm.sample`` on the same model: PyTensor compiles the model's
  functions again, from its cache, and the JAX and nutpie samplers compile
  their programs again.
- min ESS: the smallest bulk ESS over all parameters (ArviZ) of that refit;
  ESS/draw divides it by chains x draws; ESS/s by the refit's seconds.
- skbayes ratio: ``ESS/s Rx`` is skbayes's ESS/s over this library's; for
  BayesianRidge, ``time Rx`` is skbayes's warm refit time over its fit time
  (its "first fit" and "warm refit" are its first and second fits).

Budget. The MCMC peers take hours at the largest sizes, so each (peer, size)
gets ``--budget`` seconds (300 by default) under this rule:

1. Pilot, in a fresh process: a cold run of 4 x (P + P) iterations (P is
   ``--pilot``, 20 by default), then, each with a new sampler, 4 x (P + P) and
   4 x (2P + 2P). The slope of the last two gives ``s``, the seconds of an
   iteration of the 4 chains; their intercept ``f``, the overhead of each call
   (building and compiling the sampler, PyMC's worker processes); the cold
   run's excess over the first warm one ``c``, the extra overhead of the first
   call in a process. At a size after the first, if the cold run less the
   previous size's ``c + f`` took more than a quarter of the budget, the warm
   runs are skipped and ``c`` and ``f`` are the previous size's.
2. Full: the run goes as specified when its projected first fit
   ``c + f + s (W + D)`` fits the budget.
3. Reduced, marked (r): otherwise warmup and draws are cut by one factor so
   that the projection fits the budget, 4 chains kept, and at least 200
   warmup iterations and 200 draws (``--min-reduced``). One run, in a fresh
   process, its wall time shown as first fit; no warm refit. Its ESS/s divides
   its ESS by its wall time less ``c``, the rate of a warm refit; ESS/s is a
   rate, so it compares with the full rows. It is the rate of the shorter
   run, though: where early warmup costs more (or less) per iteration than
   the rest, or a shorter adaptation changes the ESS/draw, it differs from a
   full run's.
4. Projected, marked (p): if even the smallest reduced run does not fit,
   nothing more is run. Warm refit ``f + r s (W + D)``, first fit ``c`` more,
   and ESS = ESS/draw x draws. The pilot's iterations are all early warmup,
   whose cost differs from a whole run's, so ``r`` corrects them: the seconds
   the peer's run at the largest size measured (one with the same p first)
   spent beyond ``c + f``, over ``s`` times its iterations; only sizes where
   both are at least ``c + f`` count, and without one ``r`` is 1. The
   ESS/draw is the best the peer reached at a size measured in this run, which
   leans towards the peer; with no measured size it is 1.0, below what NUTS
   reaches on this model (1.1 to 2), which leans towards skbayes.

The notes under the table give each pilot's numbers and each projection's
assumptions. Pilots are not counted in the budget: a (peer, size) takes up
to 8P pilot iterations and three start-ups more than its budget.

Usage::

    python benchmarks/peers.py [--sizes 100 1e4 1e6 1e5x100 1e7] [--budget 300]
        [--peers numpyro pymc pymc-numpyro pymc-nutpie bayesian-ridge]
"""

import argparse
import importlib.metadata
import importlib.util
import json
import logging
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import jax  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import BayesianRidge  # noqa: E402

from benchmarks._common import (  # noqa: E402
    FreshProcessError,
    MarkdownTable,
    make_regression_data,
    min_bulk_ess,
    new_numpyro_mcmc,
    print_table,
    report_to_parent,
    run_in_fresh_process,
    skbayes_first_fit_seconds,
    skbayes_warm_refit,
    timed_call,
)

NUM_CHAINS = 4
DEFAULT_SIZES = ["100", "1e4", "1e6", "1e5x100", "1e7"]
MCMC_PEERS = {
    "numpyro": ("numpyro",),
    "pymc": ("pymc",),
    "pymc-numpyro": ("pymc", "numpyro"),
    "pymc-nutpie": ("pymc", "nutpie"),
}
PYMC_NUTS_SAMPLERS = {
    "pymc": "pymc",
    "pymc-numpyro": "numpyro",
    "pymc-nutpie": "nutpie",
}
PEERS = (*MCMC_PEERS, "bayesian-ridge")
VERSIONS = ("skbayes", "jax", "numpyro", "pymc", "pytensor", "nutpie", "scikit-learn")


def parse_size(text):
    """Read ``N`` or ``NxP`` (``1e6`` allowed) as (n_samples, n_features)."""
    n_samples, x, n_features = text.lower().partition("x")
    try:
        size = int(float(n_samples)), int(float(n_features if x else 10))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size N or NxP: {text!r}") from None
    if min(size) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return size


def missing_module(peer):
    """The first module ``peer`` needs that is not installed, or None."""
    for module in MCMC_PEERS.get(peer, ()):
        if importlib.util.find_spec(module) is None:
            return module
    return None


def note(message):
    print(message, file=sys.stderr, flush=True)


def numpyro_sampler(X, y):
    """A function (seed, num_warmup, num_samples, new) -> chains of the plain model.

    With ``new=False`` the MCMC of the previous call with the same lengths is
    reused, so that nothing is compiled again.
    """
    cache = {}

    def sample(seed, num_warmup, num_samples, new):
        if new or (num_warmup, num_samples) not in cache:
            cache[num_warmup, num_samples] = new_numpyro_mcmc(
                num_warmup=num_warmup, num_samples=num_samples, num_chains=NUM_CHAINS
            )
        mcmc = cache[num_warmup, num_samples]
        mcmc.run(jax.random.key(seed), X, y)
        return jax.device_get(mcmc.get_samples(group_by_chain=True))

    return sample


def pymc_sampler(X, y, nuts_sampler):
    """A function (seed, num_warmup, num_samples, new) -> chains of ``pm.sample``.

    Every call is a new ``pm.sample`` on one model, whatever ``new`` says.
    """
    import pymc as pm

    with pm.Model() as model:
        X_data = pm.Data("X", X.astype(np.float64))
        y_data = pm.Data("y_data", y.astype(np.float64))
        intercept = pm.Normal("intercept", mu=0.0, sigma=10.0)
        coef = pm.Normal("coef", mu=0.0, sigma=2.5, shape=X.shape[1])
        sigma = pm.Exponential("sigma", lam=1.0)
        pm.Normal("y", mu=intercept + X_data @ coef, sigma=sigma, observed=y_data)
    options = {}
    if nuts_sampler == "numpyro":
        options["nuts_sampler_kwargs"] = {"chain_method": "vectorized"}

    def sample(seed, num_warmup, num_samples, new):
        with model:
            idata = pm.sample(
                draws=num_samples,
                tune=num_warmup,
                chains=NUM_CHAINS,
                random_seed=seed,
                nuts_sampler=nuts_sampler,
                progressbar=False,
                **options,
            )
        posterior = idata.posterior
        return {name: posterior[name].values for name in ("intercept", "coef", "sigma")}

    return sample


def make_sampler(peer, X, y):
    if peer == "numpyro":
        return numpyro_sampler(X, y)
    return pymc_sampler(X, y, PYMC_NUTS_SAMPLERS[peer])


def worker(job):
    """Run ``job["runs"]`` of one peer in this process and report what they took.

    Parameters
    ----------
    job : dict
        ``peer``, ``n_samples``, ``n_features``; ``runs``, a list of
        ``[num_warmup, num_samples, new_sampler]``, run with seeds 0, 1, ...;
        ``stop_after``, seconds of the first run past which the others are
        skipped, or None.
    """
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    X, y = make_regression_data(job["n_samples"], job["n_features"])
    sample = make_sampler(job["peer"], X, y)
    result = {"seconds": [], "ess": []}
    for seed, (num_warmup, num_samples, new) in enumerate(job["runs"]):
        start = time.perf_counter()
        chains = sample(seed, num_warmup, num_samples, new)
        seconds = time.perf_counter() - start
        result["seconds"].append(seconds)
        result["ess"].append(min_bulk_ess(chains))
        if seed == 0 and job["stop_after"] is not None and seconds > job["stop_after"]:
            break
    report_to_parent(result)


def run_worker(peer, size, runs, timeout, stop_after=None):
    """Run a job in a fresh process: seconds and min ESS of each of its runs.

    Raises :class:`~benchmarks._common.FreshProcessError` if the process
    fails or outlasts ``timeout`` seconds.
    """
    job = dict(
        peer=peer,
        n_samples=size[0],
        n_features=size[1],
        runs=[list(run) for run in runs],
        stop_after=stop_after,
    )
    return run_in_fresh_process(
        "import json\n"
        "from benchmarks.peers import worker\n"
        f"worker(json.loads({json.dumps(job)!r}))\n",
        timeout=timeout,
    )


@dataclass
class Pilot:
    """Cost model of one peer at one size: ``c + f + s * iterations`` seconds.

    Attributes
    ----------
    per_iteration : float
        Seconds per iteration of 4 chains, ``s``.
    per_call : float
        Overhead of each call, ``f``.
    first_call : float
        Extra overhead of the first call in a process, ``c``.
    summary : str
        The pilot's runs and results, for the notes.
    """

    per_iteration: float
    per_call: float
    first_call: float
    summary: str

    def first_fit(self, iterations):
        return self.first_call + self.per_call + self.per_iteration * iterations

    def refit(self, iterations):
        return self.per_call + self.per_iteration * iterations


def run_pilot(peer, size, length, budget, previous=None):
    """Measure the cost model of ``peer`` at ``size`` with short runs.

    With ``previous``, the pilot of this peer at a smaller size, the pilot
    ends after its cold run when that run, less the overheads ``previous``
    measured, took more than a quarter of the budget; this size then borrows
    those overheads.
    """
    runs = [(length, length, True), (length, length, True)]
    runs.append((2 * length, 2 * length, True))
    overheads = previous.first_call + previous.per_call if previous else 0.0
    seconds = run_worker(
        peer,
        size,
        runs,
        timeout=4 * budget + 600,
        stop_after=budget / 4 + overheads if previous else None,
    )["seconds"]
    iterations = 2 * length
    if len(seconds) == 1:
        per_call, first_call = previous.per_call, previous.first_call
        per_iteration = max(seconds[0] - overheads, seconds[0] / 2) / iterations
        borrowed = " (overheads of the smaller size)"
    else:
        cold, short, long = seconds
        per_iteration = max((long - short) / iterations, 0.0)
        per_call = max(short - iterations * per_iteration, 0.0)
        first_call = max(cold - short, 0.0)
        borrowed = ""
    runs_text = ", ".join(
        f"{chains_text(w, d)} {t:.1f} s"
        for (w, d, _), t in zip(runs, seconds, strict=False)
    )
    summary = (
        f"pilot {runs_text}: {per_iteration:.4g} s per iteration, overhead "
        f"{per_call:.1f} s per call and {first_call:.1f} s more on the first" + borrowed
    )
    return Pilot(per_iteration, per_call, first_call, summary)


def plan_run(pilot, settings, budget, min_reduced):
    """Choose ``("full" | "reduced" | "projected", num_warmup, num_samples)``."""
    warmup, draws = settings["num_warmup"], settings["num_samples"]
    if pilot.per_iteration <= 0 or pilot.first_fit(warmup + draws) <= budget:
        return "full", warmup, draws
    smallest = min(min_reduced, warmup), min(min_reduced, draws)
    if pilot.first_fit(sum(smallest)) > budget:
        return "projected", warmup, draws
    factor = (budget - pilot.first_fit(0)) / (pilot.per_iteration * (warmup + draws))
    return (
        "reduced",
        max(smallest[0], math.floor(factor * warmup)),
        max(smallest[1], math.floor(factor * draws)),
    )


@dataclass
class Row:
    """One line of the table; ``mark`` is "", "r" (reduced) or "p" (projected)."""

    size: tuple
    library: str
    run: str
    first: float | None = None
    refit: float | None = None
    ess: float | None = None
    draws: int | None = None
    ess_per_s: float | None = None
    mark: str = ""
    note: str = ""

    @property
    def ess_per_draw(self):
        return None if self.ess is None else self.ess / self.draws


def chains_text(warmup, draws):
    return f"{NUM_CHAINS} x ({warmup} + {draws})"


def skbayes_row(size, X, y, settings):
    first = skbayes_first_fit_seconds(*size, settings)
    refit, ess = skbayes_warm_refit(X, y, settings)
    draws = NUM_CHAINS * settings["num_samples"]
    run = chains_text(settings["num_warmup"], settings["num_samples"])
    return Row(size, "skbayes", run, first, refit, ess, draws, ess / refit)


def bayesian_ridge_row(size, X, y):
    first, _ = timed_call(lambda: BayesianRidge().fit(X, y))
    refit, _ = timed_call(lambda: BayesianRidge().fit(X, y))
    return Row(size, "BayesianRidge", "closed form", first, refit)


@dataclass
class History:
    """What one peer showed at the sizes done so far.

    Attributes
    ----------
    pilot : Pilot or None
        Its last pilot.
    best_ess_per_draw : float or None
        The best ESS/draw of its full and reduced runs.
    iteration_ratios : dict
        Per size run, the seconds its run spent in iterations (first fit less
        the pilot's overheads) over the pilot's projection of them; only where
        both are at least the overheads.
    """

    pilot: Pilot | None = None
    best_ess_per_draw: float | None = None
    iteration_ratios: dict = field(default_factory=dict)

    def iteration_ratio(self, size):
        """The ratio of the largest size run, one with the same p first.

        Returns the ratio (1.0 if none) and that size (None if none).
        """
        if not self.iteration_ratios:
            return 1.0, None
        same_p = [run for run in self.iteration_ratios if run[1] == size[1]]
        chosen = max(same_p or self.iteration_ratios, key=lambda run: run[0] * run[1])
        return self.iteration_ratios[chosen], chosen

    def record(self, row, pilot, iterations):
        self.pilot = pilot
        if row.mark == "p":
            return
        best = max(self.best_ess_per_draw or 0.0, row.ess_per_draw)
        self.best_ess_per_draw = best
        projected = pilot.per_iteration * iterations
        spent = row.first - pilot.first_fit(0)
        if min(projected, spent) >= pilot.first_fit(0) > 0:
            self.iteration_ratios[row.size] = spent / projected


def projected_row(peer, size, pilot, warmup, draws, history):
    """The row of a run too long for the budget, projected from ``pilot``."""
    n_draws = NUM_CHAINS * draws
    iterations = warmup + draws
    ratio, measured = history.iteration_ratio(size)
    if measured is None:
        scaled = "iteration time as the pilot's"
    else:
        scaled = (
            f"iteration time scaled by {ratio:.2f}, measured over projected at "
            f"n = {measured[0]}, p = {measured[1]}"
        )
    if history.best_ess_per_draw is None:
        ess_per_draw, source = 1.0, "no size measured"
    else:
        ess_per_draw, source = history.best_ess_per_draw, "its best at a measured size"
    refit = pilot.per_call + ratio * pilot.per_iteration * iterations
    return Row(
        size,
        peer,
        f"projected {chains_text(warmup, draws)}",
        pilot.first_call + refit,
        refit,
        ess_per_draw * n_draws,
        n_draws,
        ess_per_draw * n_draws / refit,
        "p",
        f"{pilot.summary}; {scaled}; ESS/draw {ess_per_draw:.2f} assumed ({source})",
    )


def mcmc_peer_row(peer, size, args, settings, history):
    """Pilot, plan and run (or project) ``peer`` at ``size``; update ``history``."""
    pilot = run_pilot(peer, size, args.pilot, args.budget, history.pilot)
    kind, warmup, draws = plan_run(pilot, settings, args.budget, args.min_reduced)
    n_draws = NUM_CHAINS * draws
    note(f"  {peer}: {pilot.summary}; {kind} {chains_text(warmup, draws)}")
    timeout = 3 * pilot.first_fit(warmup + draws) + 600
    if kind == "projected":
        row = projected_row(peer, size, pilot, warmup, draws, history)
    elif kind == "reduced":
        result = run_worker(peer, size, [(warmup, draws, True)], timeout)
        seconds, ess = result["seconds"][0], result["ess"][0]
        row = Row(
            size,
            peer,
            f"reduced {chains_text(warmup, draws)}",
            seconds,
            None,
            ess,
            n_draws,
            ess / max(seconds - pilot.first_call, 1e-9),
            "r",
            pilot.summary,
        )
    else:
        runs = [(warmup, draws, True), (warmup, draws, False)]
        result = run_worker(peer, size, runs, 2 * timeout)
        (first, refit), ess = result["seconds"], result["ess"][-1]
        row = Row(size, peer, chains_text(warmup, draws), first, refit, ess, n_draws)
        row.ess_per_s = ess / refit
    history.record(row, pilot, warmup + draws)
    return row


TABLE = MarkdownTable(
    (
        "n",
        "p",
        "library",
        "run",
        "first fit s",
        "warm refit s",
        "min ESS",
        "ESS/draw",
        "ESS/s",
        "skbayes ratio",
    ),
    widths=(9, 4, 13, 27, 13, 13, 11, 10, 11, 18),
    align="<<<<>>>>>>",
)


def number(value, digits=None, mark=""):
    """``value`` with ``digits`` decimals (None: 3 significant digits)."""
    if value is None:
        return "-"
    if digits is None:
        digits = max(0, 2 - math.floor(math.log10(max(abs(value), 1e-5))))
    return f"{value:.{digits}f}" + (f" ({mark})" if mark else "")


def times(ratio):
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.1f}x"


def ratio_text(row, reference):
    if row.library == "skbayes":
        return "-"
    if row.library == "BayesianRidge":
        return "time " + times(reference.refit / row.refit)
    if row.ess_per_s is None:
        return "-"
    return "ESS/s " + times(reference.ess_per_s / row.ess_per_s)


def row_cells(row, reference):
    """The cells of ``row`` in :data:`TABLE`; ``reference`` is skbayes's row."""
    mark = row.mark
    return (
        str(row.size[0]),
        str(row.size[1]),
        row.library,
        row.run,
        number(row.first, mark=mark),
        number(row.refit, mark=mark if mark == "p" else ""),
        number(row.ess, 0, mark),
        number(row.ess_per_draw, 2, mark),
        number(row.ess_per_s, 0, mark),
        ratio_text(row, reference) + (f" ({mark})" if mark else ""),
    )


def print_header(args):
    versions = []
    for name in VERSIONS:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    print(
        f"{chains_text(args.warmup, args.draws)}, budget {args.budget:g} s per "
        f"(peer, size), {jax.devices()[0].platform}, {os.cpu_count()} CPU cores; "
        + ", ".join(versions)
        + "\n"
    )
    TABLE.print_header()


def print_ratio_table(tables):
    """skbayes's ratios over each peer, one line per size."""
    libraries = list(
        dict.fromkeys(row.library for _, rows in tables for row in rows[1:])
    )
    lines = []
    for reference, rows in tables:
        by_library = {row.library: row for row in rows}
        cells = [str(reference.size[0]), str(reference.size[1])]
        for library in libraries:
            row = by_library.get(library)
            text = "-" if row is None else ratio_text(row, reference)
            cells.append(text + (f" ({row.mark})" if row and row.mark else ""))
        lines.append(cells)
    print("\nskbayes ratio by size:\n")
    print_table(("n", "p", *libraries), lines, padded=True)


def print_notes(rows, skipped):
    print(
        "\nskbayes ratio: `ESS/s Rx` is skbayes's ESS/s over this library's, "
        "`time Rx` skbayes's warm refit time over BayesianRidge's fit time. "
        "(r) reduced: a shorter run within the budget, no warm refit; its ESS/s "
        "is its ESS over its time less the first-call overhead. (p) projected "
        "from a pilot, not run: see the notes."
    )
    for row in rows:
        if row.note:
            print(f"- n = {row.size[0]}, p = {row.size[1]}, {row.library}: {row.note}")
    for peer, reason in skipped:
        print(f"- {peer}: skipped, {reason}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=parse_size,
        nargs="+",
        default=[parse_size(size) for size in DEFAULT_SIZES],
        help="N or NxP (p = 10 by default), e.g. 1e6 or 1e5x100",
    )
    parser.add_argument(
        "--peers",
        nargs="+",
        choices=PEERS,
        default=list(PEERS),
        metavar="PEER",
        help=f"some of {', '.join(PEERS)} (all by default); skbayes always runs",
    )
    parser.add_argument(
        "--budget", type=float, default=300.0, help="seconds per (peer, size)"
    )
    parser.add_argument("--warmup", type=int, default=1000, help="per chain")
    parser.add_argument("--draws", type=int, default=1000, help="per chain")
    parser.add_argument(
        "--pilot", type=int, default=20, help="warmup (= draws) of the pilot run"
    )
    parser.add_argument(
        "--min-reduced",
        type=int,
        default=200,
        help="least warmup (and draws) of a reduced run",
    )
    return parser.parse_args(argv)


def bench_size(size, peers, args, settings, histories):
    """The rows of one size, skbayes's first; ``histories`` holds each peer's."""
    note(f"n = {size[0]}, p = {size[1]}")
    X, y = make_regression_data(*size)
    rows = [skbayes_row(size, X, y, settings)]
    if "bayesian-ridge" in peers:
        rows.append(bayesian_ridge_row(size, X, y))
    del X, y
    for peer in (peer for peer in peers if peer in MCMC_PEERS):
        history = histories.setdefault(peer, History())
        try:
            rows.append(mcmc_peer_row(peer, size, args, settings, history))
        except FreshProcessError as error:
            rows.append(Row(size, peer, "failed", note=str(error)))
            note(f"  {peer}: failed: {error}")
    return rows


def main():
    args = parse_args()
    warnings.simplefilter("ignore")
    settings = dict(
        num_warmup=args.warmup, num_samples=args.draws, num_chains=NUM_CHAINS
    )
    skipped = [
        (peer, f"{module} is not installed")
        for peer in args.peers
        if (module := missing_module(peer)) is not None
    ]
    peers = [peer for peer in args.peers if missing_module(peer) is None]
    print_header(args)
    tables, histories = [], {}
    for size in sorted(args.sizes, key=lambda size: size[0] * size[1]):
        rows = bench_size(size, peers, args, settings, histories)
        for row in rows:
            TABLE.print_row(row_cells(row, rows[0]))
        tables.append((rows[0], rows))
    print_ratio_table(tables)
    print_notes([row for _, rows in tables for row in rows], skipped)


if __name__ == "__main__":
    main()
