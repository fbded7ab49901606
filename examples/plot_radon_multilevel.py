"""
=====================================================
Multilevel regression: radon in 85 Minnesota counties
=====================================================

The radon data (919 houses in 85 counties) are the classic case for partial
pooling, as PyMC's multilevel-modelling primer and Stan's case study tell it.
Radon is lower in houses measured on the first floor than in the basement, and
its level differs from county to county, but many counties have only a handful
of houses. Three ways to estimate each county's level:

* **complete pooling**: one line for the whole state, which ignores the
  counties;
* **no pooling**: a separate intercept for every county, which believes a
  county of two houses as much as one of a hundred;
* **partial pooling**: county intercepts drawn from a common Normal whose
  spread is learned, ``group_column="county_idx"``, so that small counties
  borrow strength from the others and large ones keep their own data.
"""

# License: BSD 3 clause

import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skbayes import BayesianLinearRegressor
from skbayes.datasets import load_radon

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

radon = load_radon()
X = radon[["floor_measure", "county_idx"]]
y = radon["log_radon"]
houses = radon["county_idx"].value_counts().sort_index()
print(f"{len(radon)} houses in {len(houses)} counties; {sum(houses <= 2)} have 1 or 2")

# %%
# Three fits
# ----------
# Complete pooling is a plain regression on the floor. No pooling gives each
# county its own intercept: one indicator column per county and no common
# intercept, with a wide prior so that each county's intercept is its own
# data's. Partial pooling names the county column.
pooled = BayesianLinearRegressor(num_samples=num_samples, random_state=0)
pooled.fit(X[["floor_measure"]], y)

indicators = pd.get_dummies(radon["county_idx"], prefix="county", dtype=float)
unpooled = BayesianLinearRegressor(
    fit_intercept=False,
    autoscale=False,
    prior_scale=10.0,
    num_samples=num_samples,
    random_state=0,
)
unpooled.fit(pd.concat([X[["floor_measure"]], indicators], axis=1), y)

partial = BayesianLinearRegressor(
    group_column="county_idx", num_samples=num_samples, random_state=0
)
partial.fit(X, y)

print(f"floor effect, pooled    {pooled.coef_[0]:6.3f}")
print(f"floor effect, unpooled  {unpooled.coef_[0]:6.3f}")
print(f"floor effect, partial   {partial.coef_[0]:6.3f}")
print(f"sd of the county intercepts (partial pooling): {partial.group_sd_[0]:.3f}")

# %%
# County levels against the number of houses
# ------------------------------------------
# The unpooled estimates of small counties scatter widely: two houses say
# little about a county. Partial pooling pulls them toward the state's mean in
# proportion to how little their data say, and leaves the large counties
# almost where their own data put them.
county_unpooled = unpooled.coef_[1:]
county_partial = partial.intercept_ + partial.group_effects_["intercept"].to_numpy()
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for ax, values, title in (
    (axes[0], county_unpooled, "No pooling"),
    (axes[1], county_partial, "Partial pooling"),
):
    ax.scatter(houses.to_numpy(), values, s=18)
    ax.axhline(pooled.intercept_, color="k", linestyle="--", label="complete pooling")
    ax.set_xscale("log")
    ax.set_xlabel("houses in the county")
    ax.set_title(title)
axes[0].set_ylabel("basement log radon of the county")
axes[0].legend()
fig.tight_layout()

# %%
# Eight counties, three models
# ----------------------------
# The primer's panel: for counties from one house to many, the fitted lines of
# each model over the county's houses. Where a county has few houses the
# partially pooled line lies between the unpooled and pooled ones.
counties = houses.sort_values().index[np.linspace(0, 84, 8).astype(int)]
fig, axes = plt.subplots(2, 4, figsize=(12, 6), sharex=True, sharey=True)
floors = np.array([0.0, 1.0])
for ax, county in zip(axes.ravel(), counties, strict=True):
    rows = radon["county_idx"] == county
    jitter = np.random.default_rng(county).uniform(-0.05, 0.05, rows.sum())
    ax.scatter(radon.loc[rows, "floor_measure"] + jitter, y[rows], s=12, alpha=0.6)
    ax.plot(floors, pooled.predict(floors[:, None]), "k--", label="pooled")
    unpooled_line = county_unpooled[county - 1] + unpooled.coef_[0] * floors
    ax.plot(floors, unpooled_line, "C1", label="unpooled")
    query = pd.DataFrame({"floor_measure": floors, "county_idx": county})
    ax.plot(floors, partial.predict(query), "C2", label="partial pooling")
    ax.set_title(f"county {county} ({houses[county]} houses)")
    ax.set_xticks([0, 1], ["basement", "floor"])
axes[0, 0].legend(fontsize=8)
fig.tight_layout()

# %%
# A county never seen
# -------------------
# A county without data gets the state's line, and its predictive interval
# adds the spread of the county levels to the noise: wider than the interval
# of a well-measured county.
largest = houses.idxmax()
query = pd.DataFrame({"floor_measure": [0.0, 0.0], "county_idx": [1000, largest]})
mean, std = partial.predict(query, return_std=True)
labels = ["unseen county", f"county {largest}"]
for label, m, s in zip(labels, mean, std, strict=True):
    print(f"{label:14s} basement log radon {m:5.2f} +/- {s:4.2f}")
plt.show()
