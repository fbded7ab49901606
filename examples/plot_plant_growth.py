"""
=====================================================
Plant growth: named features, simulation, predictions
=====================================================

Three named features drive plant growth. We simulate trials from fixed
coefficients given by feature name (as PyMC's ``pm.do`` does), fit the model to
the simulated trials, and predict new trials into the same ``InferenceData``
(as PyMC's ``pm.set_data`` with ``predictions=True`` does).
"""

# License: BSD 3 clause

import os

import arviz as az
import numpy as np
import pandas as pd

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))
ARVIZ_1 = int(az.__version__.split(".")[0]) >= 1

# %%
# Trials with named features
# --------------------------
rng = np.random.default_rng(42)
features = ["sunlight hours", "water amount", "soil nitrogen"]
trials = pd.DataFrame(rng.normal(size=(100, 3)), columns=features)

# %%
# The generative model, and data from a known truth
# -------------------------------------------------
# Growth is ``trials @ betas`` plus noise, without intercept, with standard
# normal priors on ``betas`` and a half-normal prior on ``sigma``. Fixing every
# parameter simulates one set of observations from the truth.
model = BayesianLinearRegressor(
    fit_intercept=False,
    autoscale=False,
    prior_scale=1.0,
    noise_prior="half_normal",
    noise_prior_scale=1.0,
    num_samples=num_samples,
    random_state=0,
)
truth = {
    "coef": {"sunlight hours": 5.0, "water amount": 20.0, "soil nitrogen": 2.0},
    "sigma": 0.5,
}
growth = model.sample_prior_predictive(
    trials, n_samples=1, params=truth, random_state=1
)[0]

# %%
# Inference
# ---------
# The coefficients come out labelled by feature. The N(0, 1) prior is far from
# a coefficient of 20, but 100 trials with noise 0.5 outweigh it.
model.fit(trials, growth)
print(model.summary(var_names=["coef", "sigma"]).to_string())

# %%
# Predictions for new trials
# --------------------------
# The ``predictions`` group holds draws of growth for the new trials, with their
# own ``pred_id`` coordinate; the new trials are in
# ``predictions_constant_data``.
new_trials = pd.DataFrame(rng.normal(size=(3, 3)), columns=features)
model.sample_posterior_predictive(
    new_trials, extend_inferencedata=True, predictions=True, random_state=0
)
print(model.summary(group="predictions", var_names=["y"], kind="stats").to_string())
if ARVIZ_1:
    az.plot_forest(model.idata_, group="predictions", var_names=["y"], combined=True)
else:
    az.plot_forest(model.idata_.predictions, var_names=["y"], combined=True)
