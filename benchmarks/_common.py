"""What the benchmark scripts share: data, the plain NumPyro model, timers, fresh
processes, ESS and Markdown tables.

JAX, NumPyro, ArviZ and skbayes are imported by the functions that use them:
``bench_cold_start`` times fresh processes that import this module.
"""

import json
import os
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: ``BayesianLinearRegressor`` arguments for the priors of
#: :func:`plain_numpyro_model` with its defaults. skbayes's default exponential
#: noise prior takes ``noise_prior_scale`` as its mean.
SKBAYES_PRIORS_OF_PLAIN_MODEL = dict(
    autoscale=False, prior_scale=2.5, intercept_prior_scale=10.0, noise_prior_scale=1.0
)

_RESULT_MARK = "BENCHMARK-RESULT "


def true_coef(n_features):
    """Coefficients of the simulated regression, evenly spaced from -1 to 1."""
    return np.linspace(-1.0, 1.0, n_features)


def make_regression_data(
    n_samples, n_features=10, seed=0, *, intercept=1.0, dtype=np.float32
):
    """Standard normal features and a linear target with unit normal noise.

    Parameters
    ----------
    n_samples, n_features : int
    seed : int or numpy.random.Generator
        A generator is drawn from, not copied, so that successive calls with
        one generator give successive chunks of one data set.
    intercept : float, default 1.0
    dtype : dtype, default float32
        Of both arrays. The target is computed in float64 from the features
        already cast.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(dtype, copy=False)
    y = intercept + X @ true_coef(n_features) + rng.normal(size=n_samples)
    return X, y.astype(dtype, copy=False)


def plain_numpyro_model(
    X, y=None, prior_scale=2.5, intercept_prior_scale=10.0, noise_prior_mean=1.0
):
    """The regression as a NumPyro user writes it.

    ``y ~ Normal(intercept + X @ coef, sigma)`` with ``intercept ~ Normal(0,
    intercept_prior_scale)``, ``coef_j ~ Normal(0, prior_scale)`` and ``sigma ~
    Exponential(rate 1 / noise_prior_mean)``.
    """
    import numpyro
    import numpyro.distributions as dist

    intercept = numpyro.sample("intercept", dist.Normal(0.0, intercept_prior_scale))
    coef = numpyro.sample(
        "coef", dist.Normal(0.0, prior_scale).expand([X.shape[1]]).to_event(1)
    )
    sigma = numpyro.sample("sigma", dist.Exponential(1.0 / noise_prior_mean))
    numpyro.sample("y", dist.Normal(intercept + X @ coef, sigma), obs=y)


def new_numpyro_mcmc(
    model=plain_numpyro_model,
    *,
    num_warmup,
    num_samples,
    num_chains,
    jit_model_args=True,
):
    """NUTS on ``model``, its chains vectorised on one device, no progress bar.

    Parameters
    ----------
    model : callable, default :func:`plain_numpyro_model`
    num_warmup, num_samples, num_chains : int
    jit_model_args : bool, default True
        Whether the model's arguments are inputs of the compiled sampler, so
        that a run on other data of the same shapes does not compile again.

    Returns
    -------
    numpyro.infer.MCMC
    """
    from numpyro.infer import MCMC, NUTS

    return MCMC(
        NUTS(model),
        num_warmup=num_warmup,
        num_samples=num_samples,
        num_chains=num_chains,
        chain_method="vectorized",
        progress_bar=False,
        jit_model_args=jit_model_args,
    )


def min_bulk_ess(chains):
    """Smallest bulk ESS over every scalar in a dict of (chain, draw, ...) arrays."""
    from skbayes._arviz import az

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ess = az.ess({name: np.asarray(value) for name, value in chains.items()})
    return float(min(np.min(ess[name].values) for name in ess.data_vars))


def timed_call(function):
    """Wall seconds of ``function()``, and what it returned."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def best_of(function, repeats):
    """Least wall seconds of ``repeats`` calls of ``function()``.

    One untimed call comes first, so that compilation, caches and BLAS threads
    are warm.
    """
    function()
    return min(timed_call(function)[0] for _ in range(repeats))


class FreshProcessError(RuntimeError):
    """A fresh process failed, ran out of time or reported nothing.

    The message is the last line of the process's standard error (else of its
    output); the whole standard error is attached as a note.
    """


def report_to_parent(value):
    """Hand ``value``, JSON-serialisable, to :func:`run_in_fresh_process`."""
    print(_RESULT_MARK + json.dumps(value), flush=True)


def run_in_fresh_process(code, env=None, timeout=None):
    """Run Python ``code`` in a new interpreter and return what it reported.

    The interpreter starts in the repository root, which also heads its
    ``PYTHONPATH``, so that it imports ``benchmarks`` and the checkout's
    ``skbayes``. JAX runs there on the CPU unless ``JAX_PLATFORMS`` says
    otherwise, as in the scripts themselves.

    Parameters
    ----------
    code : str
        Source that calls :func:`report_to_parent`.
    env : dict, optional
        Environment variables set on top of this process's.
    timeout : float, optional
        Seconds after which the process is killed.

    Returns
    -------
    object
        The value last given to :func:`report_to_parent`, even if the process
        failed afterwards.

    Raises
    ------
    FreshProcessError
        If the process reported nothing.
    """
    # Imported here: cold-start timings include this module's import.
    import subprocess

    child_env = {"JAX_PLATFORMS": "cpu", **os.environ, **(env or {})}
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [ROOT, child_env.get("PYTHONPATH")])
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=child_env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise FreshProcessError(f"timed out after {timeout:.0f} s") from None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_RESULT_MARK):
            return json.loads(line.removeprefix(_RESULT_MARK))
    lines = (done.stderr or done.stdout).strip().splitlines()
    error = FreshProcessError(lines[-1] if lines else f"exit status {done.returncode}")
    if done.stderr:
        error.add_note(done.stderr)
    raise error


def skbayes_first_fit_seconds(n_samples, n_features, settings):
    """Seconds of skbayes's first fit in a fresh process, compilation included.

    The data are :func:`make_regression_data`'s, the priors
    :data:`SKBAYES_PRIORS_OF_PLAIN_MODEL`; ``settings`` are the sampler's
    arguments (``num_warmup``, ``num_samples``, ``num_chains``).
    """
    code = f"""
import time, warnings
warnings.simplefilter("ignore")
from benchmarks._common import (
    SKBAYES_PRIORS_OF_PLAIN_MODEL, make_regression_data, report_to_parent
)
from skbayes import BayesianLinearRegressor
X, y = make_regression_data({n_samples}, {n_features})
start = time.perf_counter()
BayesianLinearRegressor(
    **{settings!r}, **SKBAYES_PRIORS_OF_PLAIN_MODEL, random_state=0
).fit(X, y)
report_to_parent(time.perf_counter() - start)
"""
    return run_in_fresh_process(code)


def skbayes_warm_refit(X, y, settings):
    """Seconds of skbayes's refit with a new seed, and its minimum bulk ESS.

    The estimator is that of :func:`skbayes_first_fit_seconds`, fitted once
    before, so that the refit reuses its compiled sampler.
    """
    from skbayes import BayesianLinearRegressor

    model = BayesianLinearRegressor(
        **settings, **SKBAYES_PRIORS_OF_PLAIN_MODEL, random_state=0
    )
    model.fit(X, y)
    seconds, _ = timed_call(lambda: model.set_params(random_state=1).fit(X, y))
    posterior = model.idata_.posterior
    chains = {name: posterior[name].values for name in posterior.data_vars}
    return seconds, min_bulk_ess(chains)


class MarkdownTable:
    """A Markdown table printed a line at a time, each row once it is measured.

    Parameters
    ----------
    headers : sequence of str
    widths : sequence of int, optional
        Width each column is padded to; by default cells are not padded.
    align : str, optional
        ``"<"`` (left) or ``">"`` (right) per column; all right by default.
    """

    def __init__(self, headers, widths=None, align=None):
        self.headers = list(headers)
        self.widths = [0] * len(self.headers) if widths is None else list(widths)
        self.align = ">" * len(self.headers) if align is None else align

    def line(self, cells):
        """One line of the table, ``cells`` being strings."""
        padded = (
            cell.ljust(width) if side == "<" else cell.rjust(width)
            for cell, width, side in zip(cells, self.widths, self.align, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    def print_header(self):
        print(self.line(self.headers))
        # Markdown wants three hyphens at least under a header.
        rule = "|".join("-" * max(width + 2, 3) for width in self.widths)
        print(f"|{rule}|", flush=True)

    def print_row(self, cells):
        print(self.line(cells), flush=True)


def print_table(headers, rows, align=None, padded=False):
    """Print a Markdown table whose rows are all known.

    Parameters
    ----------
    headers : sequence of str
    rows : iterable of sequences of str
    align : str, optional
        As for :class:`MarkdownTable`.
    padded : bool, default False
        Whether to pad each column to its widest cell, so that the table lines
        up as plain text too.
    """
    rows = [list(row) for row in rows]
    widths = None
    if padded:
        widths = [max(map(len, column)) for column in zip(headers, *rows, strict=True)]
    table = MarkdownTable(headers, widths, align)
    table.print_header()
    for row in rows:
        table.print_row(row)
