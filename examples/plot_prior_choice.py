"""
============================================
Choosing priors with prior predictive checks
============================================

A one-feature regression, start to finish: simulate data, compare two priors by
the regression lines they believe in before seeing data, fit, check the chains,
and predict new data with uncertainty bands. Uses
:class:`skbayes.BayesianLinearRegressor` and :mod:`skbayes.plotting`.
"""

# License: BSD 3 clause

import os

import arviz as az
import matplotlib.pyplot as plt
import numpy as np

from skbayes import BayesianLinearRegressor
from skbayes.plotting import plot_diagnostics, plot_prior_predictive, plot_regression

# Examples run on fewer draws when they run as tests.
num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))
ARVIZ_1 = int(az.__version__.split(".")[0]) >= 1

# %%
# Simulated data
# --------------
# A line with slope 2 and intercept 1, seen through Gaussian noise of sd 1.
rng = np.random.default_rng(0)
x = np.linspace(-2, 2, 100)
X = x[:, None]
y = 1.0 + 2.0 * x + rng.normal(scale=1.0, size=x.size)

# %%
# Two candidate priors
# --------------------
# Textbook models state priors in the units of the data (``autoscale=False``).
# Standard normal priors on slope and intercept, and an exponential prior of mean
# 1 on the noise, look harmless. Their prior regression lines say otherwise:
# they rarely reach slopes as steep as the data's. Priors of scale 5 cover them.
narrow = BayesianLinearRegressor(
    autoscale=False, prior_scale=1.0, intercept_prior_scale=1.0, random_state=0
)
wide = BayesianLinearRegressor(
    autoscale=False,
    prior_scale=5.0,
    intercept_prior_scale=5.0,
    num_samples=num_samples,
    random_state=0,
)
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
plot_prior_predictive(narrow, X, y, n_lines=50, random_state=1, ax=axes[0])
plot_prior_predictive(wide, X, y, n_lines=50, random_state=1, ax=axes[1])
axes[0].set_title("N(0, 1) priors")
axes[1].set_title("N(0, 5) priors")
axes[0].set_ylim(-15, 15)

# %%
# Fit and diagnose
# ----------------
# The summary reports posterior means, sds, 94% HDIs, Monte Carlo errors,
# effective sample sizes and r_hat; ``diagnostics_`` holds the worst of them.
wide.fit(X, y)
print(wide.summary())
print(wide.diagnostics_)

# %%
# Overlapping traces and flat rank histograms: the four chains mix.
plot_diagnostics(wide)

# %%
# ArviZ reads the fit's ``idata_`` directly.
if ARVIZ_1:
    az.add_lines(az.plot_dist(wide.idata_), {"intercept": 1.0})
else:
    az.plot_posterior(wide.idata_, ref_val={"intercept": [{"ref_val": 1.0}]})

# %%
# Predictions at new x
# --------------------
# Beyond the data, the band of the mean widens with the slope's uncertainty; the
# band of new observations adds the noise.
x_new = np.linspace(-4, 4, 9)[:, None]
mean, std = wide.predict(x_new, return_std=True)
print(np.column_stack([x_new[:, 0], mean, std, wide.predict_interval(x_new)]).round(2))
ax = plot_regression(wide, np.vstack([X, x_new]), n_lines=20)
ax.scatter(x, y, color="k", s=8)
