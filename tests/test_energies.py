"""Each family's sampler energy against the NumPyro model's log density.

No sampling: at random kernel states, the kernel's potential energy must equal
the potential energy of the model written in NumPyro (``render_model``'s), at
the parameters the state maps to, plus the log Jacobian of that map, up to
one constant. This ties the four places a family is written (energy, map
back, NumPyro sites, descriptions) to one another.
"""

import jax
import numpy as np
import pytest
from numpyro.infer.util import potential_energy

from skbayes import BayesianLinearRegressor
from skbayes._coef_priors import COEF_PRIORS
from skbayes._design import decompose
from skbayes._numpyro_model import numpyro_model
from skbayes._priors import resolve_priors
from skbayes._suffstats import sufficient_statistics
from skbayes._whitening import whiten

N_FEATURES = 3  # with the intercept, 4 directions: no padding


def fitted_problem(
    coef_prior, intercept_prior, noise_prior, autoscale, rng, **likelihood
):
    X = rng.normal(size=(20, N_FEATURES)) + [0.0, 3.0, -1.0]
    y = 2.0 + X @ [1.0, 0.0, -0.5] + rng.normal(scale=0.7, size=20)
    params = BayesianLinearRegressor(
        coef_prior=coef_prior,
        intercept_prior=intercept_prior,
        noise_prior=noise_prior,
        autoscale=autoscale,
        prior_scale=1.5,
        intercept_prior_scale=3.0,
        noise_prior_scale=0.8,
        **likelihood,
    ).get_params()
    design = decompose(sufficient_statistics(X, y[:, None], None), True)
    prior = resolve_priors(params, N_FEATURES, design)[0]
    problem, rows = prior.likelihood_family.prepare(
        design, prior, 0, whiten(design, prior, 0), (X, y[:, None], None)
    )
    fit = prior.coef_family.prepare(design, prior, 0, problem)
    return X, y, prior, problem, fit, rows


def model_coordinates(fit, prior, problem, rows, x):
    """The NumPyro model's unconstrained sites at kernel states ``x``."""
    n_coef_states = x.shape[0] - prior.likelihood_family.extra_state_size
    intercept, coef, sigma, scales = fit.unwhiten(x[:n_coef_states])
    at_mean = intercept + coef @ problem.x_mean if prior.intercept_centred else None
    sites = {
        "intercept_at_mean" if prior.intercept_centred else "intercept": (
            at_mean if prior.intercept_centred else intercept
        ),
        "coef": coef,
        "sigma": np.log(sigma),
    }
    if scales:
        sites["local_scale"] = np.log(scales["local_scale"])
        sites["global_scale"] = np.log(scales["global_scale"])
        sites["slab_variance"] = 2.0 * np.log(scales["slab_scale"])
    if prior.likelihood == "student_t" and prior.likelihood_df is None:
        sites["df"] = rows.df_loc + rows.df_scale * x[-1]
    return sites


def free_states(sites, prior, x, d):
    """States that are standard normal dummies, outside the model."""
    free = []
    if "local_scale" in sites:
        # The local slot of the intercept row.
        free.append(x[d + 1])
    if prior.likelihood == "student_t" and prior.likelihood_df is not None:
        free.append(x[-1])
    return np.array(free)


def flatten(sites, prior, x, d):
    values = [np.atleast_1d(value) for value in sites.values()]
    return np.concatenate(values + [free_states(sites, prior, x, d)])


def log_jacobian(fit, prior, problem, rows, x, d):
    """log |det| of kernel state -> unconstrained sites, by central differences."""

    def mapped(state):
        sites = model_coordinates(fit, prior, problem, rows, state)
        return flatten(sites, prior, state, d)

    step = 1e-6
    columns = [
        (mapped(x + step * e) - mapped(x - step * e)) / (2 * step)
        for e in np.eye(x.shape[0])
    ]
    return np.linalg.slogdet(np.column_stack(columns))[1]


CASES = [
    (coef, intercept, noise, autoscale)
    for coef in COEF_PRIORS
    for intercept in ("normal", "student_t")
    for noise, autoscale in (("exponential", True), ("half_student_t", False))
] + [("normal", "normal", "flat", True), ("horseshoe", "normal", "flat", False)]
CASES = [(*case, "normal", None) for case in CASES] + [
    (coef, intercept, "exponential", autoscale, "student_t", df)
    for coef in ("normal", "student_t", "laplace")
    for intercept, autoscale in (("normal", True), ("student_t", False))
    for df in (None, 2.5)
]


@pytest.mark.parametrize(
    "coef_prior, intercept_prior, noise_prior, autoscale, likelihood, df", CASES
)
def test_energy_is_the_models_log_density(
    coef_prior, intercept_prior, noise_prior, autoscale, likelihood, df
):
    rng = np.random.default_rng(3)
    X, y, prior, problem, fit, rows = fitted_problem(
        coef_prior,
        intercept_prior,
        noise_prior,
        autoscale,
        rng,
        likelihood=likelihood,
        likelihood_df=df,
    )
    d = problem.dim
    family, likelihood = COEF_PRIORS[coef_prior], prior.likelihood_family
    inputs, extra = problem.kernel_inputs(d), fit.kernel_inputs(d)
    rows = likelihood.kernel_rows(rows, d)
    energy = jax.jit(
        lambda x: likelihood.energy(
            inputs,
            extra,
            rows,
            x,
            coef_prior=coef_prior,
            intercept_prior=intercept_prior,
        )
    )
    model = numpyro_model(prior, True, problem.x_mean)
    n_states = d + 1 + family.extra_state_size(d) + likelihood.extra_state_size
    gaps = []
    for _ in range(6):
        x = rng.uniform(-1.0, 1.0, n_states)
        sites = model_coordinates(fit, prior, problem, rows, x)
        reference = float(potential_energy(model, (X,), {"y": y}, sites))
        reference += 0.5 * np.sum(free_states(sites, prior, x, d) ** 2)
        kernel = float(energy(x.astype(np.float32)))
        log_jac = log_jacobian(fit, prior, problem, rows, x, d)
        gaps.append(kernel - (reference - log_jac))
    # float32 energies of a few tens, and a float64 finite-difference Jacobian.
    np.testing.assert_allclose(gaps, gaps[0], atol=2e-3)
