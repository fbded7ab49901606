"""
=================================================
Simulate from known parameters, then recover them
=================================================

The generative workflow: fix the parameters, simulate data from the model
itself with ``sample_prior_predictive(params=...)`` (like NumPyro's
``Predictive(params=...)``), fit, and check that the posterior recovers the
truth with ``plot_posterior`` reference values and a forest plot with effective
sample sizes. Then compare the prior and posterior predictive intervals.
"""

# License: BSD 3 clause

import os

import arviz as az
import matplotlib.pyplot as plt
import numpy as np

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))
ARVIZ_1 = int(az.__version__.split(".")[0]) >= 1

# %%
# Simulate from the model with fixed parameters
# ---------------------------------------------
# ``y = a x + b + noise`` with ``a, b ~ N(0, 2)`` and ``sigma ~ HalfNormal(1)``.
truth = {"coef": [1.5], "intercept": -0.5, "sigma": 0.4}
model = BayesianLinearRegressor(
    autoscale=False,
    prior_scale=2.0,
    intercept_prior_scale=2.0,
    noise_prior="half_normal",
    noise_prior_scale=1.0,
    num_samples=num_samples,
    random_state=0,
)
x = np.linspace(-2, 2, 50)
X = x[:, None]
y = model.sample_prior_predictive(X, n_samples=1, params=truth, random_state=2)[0]

# %%
# Fit, and compare with the truth
# -------------------------------
model.fit(X, y)
if ARVIZ_1:
    az.add_lines(
        az.plot_dist(model.idata_),
        {name: np.squeeze(truth[name]) for name in ("intercept", "coef", "sigma")},
    )
else:
    az.plot_posterior(
        model.idata_,
        ref_val={
            "coef": [{"ref_val": truth["coef"][0]}],
            "intercept": [{"ref_val": truth["intercept"]}],
            "sigma": [{"ref_val": truth["sigma"]}],
        },
    )

# %%
# The forest plot puts the 94% HDIs side by side, with the effective sample
# size of each parameter.
if ARVIZ_1:
    # ArviZ 1.x draws the ESS in a plot of its own.
    az.plot_forest(model.idata_, combined=True)
    az.plot_ess(model.idata_)
else:
    az.plot_forest(model.idata_, combined=True, ess=True)

# %%
# Prior and posterior predictive intervals
# ----------------------------------------
# Before the data, the model allows almost any line; after, the 94% interval of
# new observations hugs the data.
prior_draws = model.sample_prior_predictive(X, n_samples=2000, random_state=3)
prior_band = np.quantile(prior_draws, [0.03, 0.97], axis=0)
posterior_band = model.predict_interval(X)
fig, ax = plt.subplots()
ax.fill_between(x, *prior_band, alpha=0.2, label="prior predictive 94%")
ax.fill_between(
    x,
    posterior_band[:, 0],
    posterior_band[:, 1],
    alpha=0.5,
    label="posterior predictive 94% HDI",
)
ax.scatter(x, y, color="k", s=10, label="simulated data")
ax.set(xlabel="x", ylabel="y")
ax.legend()
