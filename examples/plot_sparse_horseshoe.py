"""
======================================================
Sparse regression with the regularised horseshoe prior
======================================================

Twenty features, three of which matter. A Normal prior shrinks every
coefficient alike; the regularised horseshoe (``coef_prior="horseshoe"``)
shrinks the noise coefficients hard towards zero and lets the three real
effects through.
"""

# License: BSD 3 clause

import os

import matplotlib.pyplot as plt
import numpy as np

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

# %%
# Data with a sparse truth
# ------------------------
rng = np.random.default_rng(0)
X = rng.normal(size=(100, 20))
truth = np.zeros(20)
truth[:3] = [3.0, -2.0, 1.5]
y = X @ truth + rng.normal(size=100)

# %%
# Two priors
# ----------
# The horseshoe's geometry needs small steps: ``target_accept_prob=0.99``.
normal = BayesianLinearRegressor(num_samples=num_samples, random_state=0).fit(X, y)
horseshoe = BayesianLinearRegressor(
    coef_prior="horseshoe",
    target_accept_prob=0.99,
    num_samples=num_samples,
    random_state=0,
).fit(X, y)
for name, model in (("normal", normal), ("horseshoe", horseshoe)):
    zeros = np.abs(model.coef_[3:]).mean()
    print(f"{name:>9}: mean |coef| of the 17 null features {zeros:.3f}")
print(horseshoe.diagnostics_)

# %%
# Posterior means and 94% HDIs
# ----------------------------
positions = np.arange(20)
fig, ax = plt.subplots(figsize=(9, 4))
ax.scatter(positions, truth, marker="x", color="k", zorder=3, label="truth")
for offset, model, label in (
    (-0.15, normal, "normal prior"),
    (0.15, horseshoe, "horseshoe"),
):
    hdi = model.coef_hdi_
    ax.errorbar(
        positions + offset,
        model.coef_,
        yerr=[model.coef_ - hdi[:, 0], hdi[:, 1] - model.coef_],
        fmt="o",
        markersize=3,
        capsize=2,
        label=label,
    )
ax.axhline(0, color="grey", linewidth=0.5)
ax.set(xlabel="feature", ylabel="coefficient", xticks=positions)
ax.legend()
