"""
=============================================
A Bayesian linear regression, start to finish
=============================================

Fit :class:`skbayes.BayesianLinearRegressor` to simulated data, check the prior,
read the posterior summary and the convergence diagnostics, and predict new data
with uncertainty.
"""

# License: BSD 3 clause

import os

import matplotlib.pyplot as plt
import numpy as np

from skbayes import BayesianLinearRegressor

# Draws are reduced when the example runs as a test.
num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

# %%
# Simulated data
# --------------
# A line with slope 2 and intercept 1, seen through Gaussian noise of sd 1.
rng = np.random.default_rng(0)
x = np.linspace(-2, 2, 100)
y = 1.0 + 2.0 * x + rng.normal(scale=1.0, size=x.size)
X = x[:, None]

# %%
# Prior predictive check
# ----------------------
# Textbook priors in the units of the data (``autoscale=False``): what lines do
# they believe in before seeing any data?
model = BayesianLinearRegressor(
    autoscale=False,
    prior_scale=2.0,
    intercept_prior_scale=2.0,
    noise_prior_scale=1.0,
    num_samples=num_samples,
    random_state=0,
)
_, prior = model.sample_prior_predictive(
    X, n_samples=50, random_state=0, return_params=True
)
fig, ax = plt.subplots()
for intercept, slope in zip(prior["intercept"], prior["coef"][:, 0], strict=True):
    ax.plot(x, intercept + slope * x, color="C0", alpha=0.2)
ax.scatter(x, y, color="k", s=8, label="data")
ax.set(xlabel="x", ylabel="y", title="Prior regression lines")
ax.legend()

# %%
# Fit and diagnose
# ----------------
model.fit(X, y)
print(model.summary())
print(model.diagnostics_)

# %%
# Predict with uncertainty
# ------------------------
# The posterior mean line and the 94% highest-density interval of new
# observations.
x_new = np.linspace(-3, 3, 50)
mean = model.predict(x_new[:, None])
interval = model.predict_interval(x_new[:, None])
fig, ax = plt.subplots()
ax.fill_between(x_new, interval[:, 0], interval[:, 1], alpha=0.3, label="94% HDI")
ax.plot(x_new, mean, label="posterior mean")
ax.scatter(x, y, color="k", s=8, label="data")
ax.set(xlabel="x", ylabel="y", title="Posterior predictive")
ax.legend()
