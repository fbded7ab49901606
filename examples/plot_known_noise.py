"""
==================================================
Known noise: the posterior against its closed form
==================================================

When the noise level is known, a Gaussian prior on slope and intercept gives a
Gaussian posterior in closed form. Fitting with ``noise=`` samples exactly that
model: this example checks the sampled posterior against the formula and draws
the correlated uncertainty of slope and intercept as bands of lines.
"""

# License: BSD 3 clause

import os

import matplotlib.pyplot as plt
import numpy as np

from skbayes import BayesianLinearRegressor
from skbayes.plotting import plot_prior_predictive, plot_regression

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

# %%
# Data with noise of known sd 0.5
# -------------------------------
rng = np.random.default_rng(1)
noise = 0.5
x = rng.uniform(0, 4, size=30)
y = -1.0 + 1.5 * x + rng.normal(scale=noise, size=x.size)
X = x[:, None]

# %%
# Prior lines
# -----------
# Slope ~ N(0, 2) and intercept ~ N(0, 2), in the units of the data.
model = BayesianLinearRegressor(
    noise=noise,
    autoscale=False,
    prior_scale=2.0,
    intercept_prior_scale=2.0,
    num_samples=num_samples,
    random_state=0,
)
plot_prior_predictive(model, X, y, n_lines=40, random_state=0)

# %%
# The exact posterior
# -------------------
# With design matrix :math:`A = [1, x]`, prior precision :math:`P` and noise
# :math:`\sigma`, the posterior precision is :math:`A^\top A / \sigma^2 + P` and
# the mean solves the normal equations with the prior added.
A = np.column_stack([np.ones_like(x), x])
prior_precision = np.eye(2) / 2.0**2
cov = np.linalg.inv(A.T @ A / noise**2 + prior_precision)
mean = cov @ (A.T @ y / noise**2)

model.fit(X, y)
draws = np.column_stack(
    [model.posterior_samples_["intercept"], model.posterior_samples_["coef"][:, 0]]
)
print("exact mean      ", mean.round(4))
print("sampled mean    ", draws.mean(axis=0).round(4))
print("exact sd        ", np.sqrt(np.diag(cov)).round(4))
print("sampled sd      ", draws.std(axis=0).round(4))
print("exact corr      ", round(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]), 3))
print("sampled corr    ", round(np.corrcoef(draws.T)[0, 1], 3))

# %%
# Slope and intercept are correlated: the data pin the line down near the mean
# of x, not at x = 0. The draws fill the exact 94% ellipse.
fig, ax = plt.subplots()
ax.scatter(draws[:, 0], draws[:, 1], s=2, alpha=0.2, label="posterior draws")
angles = np.linspace(0, 2 * np.pi, 200)
radius = np.sqrt(-2 * np.log(1 - 0.94))  # 94% mass of a 2-D Gaussian
ellipse = mean[:, None] + radius * np.linalg.cholesky(cov) @ np.vstack(
    [np.cos(angles), np.sin(angles)]
)
ax.plot(*ellipse, color="k", label="exact 94% region")
ax.set(xlabel="intercept", ylabel="slope", title="Joint posterior")
ax.legend()

# %%
# The correlation is what makes the band of regression lines narrowest at the
# mean of x.
plot_regression(model, X, y, n_lines=30)
