"""
=====================================================
Robust regression: a Student-t likelihood on outliers
=====================================================

Three outliers are enough to tilt a least-squares line. PyMC's robust-regression
tutorial shows it on a hundred points around ``y = 1 + 2 x`` with three points
far above the line at small ``x``; a Student-t likelihood, whose heavy tails
expect the odd far-away observation, keeps the line where the bulk of the data
puts it. Here the same comparison: the Normal likelihood, the Student-t
likelihood with its degrees of freedom learned (a Gamma(2, 0.1) prior, as in
brms and bambi), and scikit-learn's :class:`~sklearn.linear_model.HuberRegressor`.
"""

# License: BSD 3 clause

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import HuberRegressor

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

# %%
# A hundred points and three outliers
# -----------------------------------
rng = np.random.default_rng(0)
x = np.linspace(0, 1, 100)
y = 1.0 + 2.0 * x + rng.normal(scale=0.5, size=x.size)
x = np.append(x, [0.1, 0.15, 0.2])
y = np.append(y, [8.0, 6.0, 9.0])
X = x[:, None]

# %%
# Three fits
# ----------
normal = BayesianLinearRegressor(num_samples=num_samples, random_state=0).fit(X, y)
robust = BayesianLinearRegressor(
    likelihood="student_t", num_samples=num_samples, random_state=0
).fit(X, y)
huber = HuberRegressor().fit(X, y)

for name, intercept, slope in (
    ("Normal likelihood", normal.intercept_, normal.coef_[0]),
    ("Student-t likelihood", robust.intercept_, robust.coef_[0]),
    ("HuberRegressor", huber.intercept_, huber.coef_[0]),
):
    print(f"{name:22s} intercept {intercept:5.2f}  slope {slope:5.2f}")
print("truth                  intercept  1.00  slope  2.00")

# %%
# The Normal likelihood bends its line toward the outliers and widens its
# noise to cover them; the Student-t likelihood treats them as the tails of
# the noise, like Huber's loss, and gives the uncertainty too: the band holds
# 94% of the posterior of the regression line.
grid = np.linspace(0, 1, 50)[:, None]
fig, ax = plt.subplots(figsize=(7, 5))
ax.plot(x, y, "x", color="0.4", label="data")
ax.plot(grid, 1.0 + 2.0 * grid, "k--", label="truth")
for model, colour, label in ((normal, "C3", "Normal"), (robust, "C0", "Student-t")):
    lines = model.sample_y(grid, n_samples=500, random_state=0)
    low, high = np.percentile(lines, [3, 97], axis=1)
    ax.fill_between(grid[:, 0], low, high, color=colour, alpha=0.25)
    ax.plot(grid, model.predict(grid), color=colour, label=f"{label} likelihood")
ax.plot(grid, huber.predict(grid), color="C2", ls=":", label="HuberRegressor")
ax.set(xlabel="x", ylabel="y", title="Posterior mean lines and 94% bands")
ax.legend()

# %%
# The sd of the Normal model's noise absorbs the outliers; the t scale stays
# near the 0.5 of the bulk.
print(f"Normal sigma {normal.sigma_:.2f}, Student-t sigma {robust.sigma_:.2f}")

# %%
# How heavy are the tails?
# ------------------------
# The posterior of the degrees of freedom: far below the prior's mean of 20,
# since three of 103 points sit more than ten scales from the line.
df = robust.posterior_samples_["df"]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.hist(df, bins=60, density=True, color="C0", alpha=0.7)
ax.axvline(robust.df_, color="k", label=f"posterior mean {robust.df_:.1f}")
ax.set(xlabel="df", ylabel="density", title="Posterior of the degrees of freedom")
ax.legend()
print(robust.summary(var_names=["intercept", "coef", "sigma", "df"]))
