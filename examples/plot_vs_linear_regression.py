"""
==================================
Side by side with LinearRegression
==================================

:class:`skbayes.BayesianLinearRegressor` takes the place of
:class:`~sklearn.linear_model.LinearRegression` in existing code. With flat
priors its posterior means are the least-squares coefficients; with its default
weakly informative priors they shrink a little where the data are weak, and
every coefficient comes with an interval.
"""

# License: BSD 3 clause

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

# %%
# Three fits of the same data
# ---------------------------
X, y = load_diabetes(return_X_y=True, as_frame=True)
ols = LinearRegression().fit(X, y)
flat = BayesianLinearRegressor(
    prior_scale=None,
    intercept_prior_scale=None,
    num_samples=num_samples,
    random_state=0,
).fit(X, y)
default = BayesianLinearRegressor(num_samples=num_samples, random_state=0).fit(X, y)
print(
    "largest |flat - OLS| coefficient:", np.abs(flat.coef_ - ols.coef_).max().round(3)
)

# %%
# Coefficients with 94% HDIs
# --------------------------
# The flat-prior posterior means sit on the OLS estimates; the default priors
# pull the weakly identified serum measurements s1 and s2, which are strongly
# correlated, a little towards zero.
positions = np.arange(X.shape[1])
fig, ax = plt.subplots(figsize=(8, 4))
ax.scatter(positions - 0.2, ols.coef_, marker="x", color="k", label="LinearRegression")
for offset, model, label in (
    (0.0, flat, "flat priors"),
    (0.2, default, "default priors"),
):
    hdi = model.coef_hdi_
    ax.errorbar(
        positions + offset,
        model.coef_,
        yerr=[model.coef_ - hdi[:, 0], hdi[:, 1] - model.coef_],
        fmt="o",
        capsize=2,
        label=label,
    )
ax.set_xticks(positions, X.columns)
ax.set(ylabel="coefficient", title="Diabetes: OLS and posterior means with 94% HDIs")
ax.legend()

# %%
# Same cross-validation code, same score
# --------------------------------------
for name, model in (("LinearRegression", LinearRegression()), ("skbayes", default)):
    scores = cross_val_score(model, X, y, cv=5)
    print(f"{name:>16}: R² {scores.mean():.3f} ± {scores.std():.3f}")
