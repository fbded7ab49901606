"""One compiled sampler serves refits with other rows, priors and seeds."""

import numpy as np

from skbayes import BayesianLinearRegressor
from skbayes._kernels import trace_count


def test_refit_does_not_recompile(rng):
    X, y = rng.normal(size=(100, 5)), rng.normal(size=100)
    BayesianLinearRegressor(random_state=0).fit(X, y)
    traced = trace_count()
    assert traced >= 1

    X_big, y_big = rng.normal(size=(20_000, 5)), rng.normal(size=20_000)
    model = BayesianLinearRegressor(prior_scale=0.3, random_state=1).fit(X_big, y_big)
    model.set_params(
        noise_prior="half_cauchy",
        noise_prior_scale=3.0,
        prior_loc=np.arange(5.0),
        intercept_prior_scale=None,
        target_accept_prob=0.95,
        random_state=2,
    ).fit(X[:30], y[:30], sample_weight=np.arange(30.0))
    model.set_params(noise=0.5, autoscale=False, fit_intercept=False).fit(X, y)
    # A design of 6 or 7 features pads to the same kernel as 5.
    BayesianLinearRegressor(random_state=3).fit(rng.normal(size=(50, 7)), y[:50])
    assert trace_count() == traced


def test_draws_and_progress_bar_do_not_recompile(rng):
    """The number of draws and the progress bar are not part of the program."""
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    BayesianLinearRegressor(num_samples=1000, random_state=0).fit(X, y)
    before = trace_count()
    BayesianLinearRegressor(num_samples=1001, random_state=0).fit(X, y)
    BayesianLinearRegressor(num_samples=37, progress_bar=True).fit(X, y)
    assert trace_count() == before


def test_changing_the_warmup_compiles_a_program(rng):
    """The counter sees compilations: a new adaptation schedule needs one."""
    X, y = rng.normal(size=(40, 2)), rng.normal(size=40)
    BayesianLinearRegressor(num_warmup=1000, random_state=0).fit(X, y)
    before = trace_count()
    BayesianLinearRegressor(num_warmup=1001, random_state=0).fit(X, y)
    assert trace_count() == before + 1
