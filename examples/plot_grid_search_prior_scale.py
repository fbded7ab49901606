"""
========================================
Tuning the prior scale with GridSearchCV
========================================

The prior scale of the coefficients is a hyperparameter like any other: a
5-fold grid search picks it on scikit-learn's diabetes data. Every fit of the
search reuses one compiled sampler, since only the data and the prior change.
"""

# License: BSD 3 clause

import os
import time

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

# %%
# The search
# ----------
# With ``autoscale=True`` the scale is in units of ``sd(y) / sd(x_j)``: 0.01 is a
# strong pull towards zero, 10 hardly any.
X, y = load_diabetes(return_X_y=True, as_frame=True)
search = GridSearchCV(
    BayesianLinearRegressor(num_samples=num_samples, random_state=0),
    {"prior_scale": [0.01, 0.03, 0.1, 0.3, 1.0, 10.0]},
    cv=5,
)
start = time.perf_counter()
search.fit(X, y)
n_fits = len(search.cv_results_["params"]) * 5 + 1  # and the final refit
print(f"{n_fits} fits in {time.perf_counter() - start:.1f} s")
results = pd.DataFrame(search.cv_results_)[
    ["param_prior_scale", "mean_test_score", "std_test_score"]
]
print(results.round(3))
print("best:", search.best_params_)

# %%
# Held-out R² against the prior scale: too tight a prior underfits, and past a
# scale of about 0.1 the prior no longer matters.
fig, ax = plt.subplots()
ax.errorbar(
    results["param_prior_scale"].astype(float),
    results["mean_test_score"],
    yerr=results["std_test_score"],
    marker="o",
    capsize=3,
)
ax.set(xscale="log", xlabel="prior_scale", ylabel="5-fold R²")
