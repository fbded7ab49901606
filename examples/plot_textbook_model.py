"""
=====================================================
A textbook model: graph, summary, trace and HDI bands
=====================================================

The regression of NumPyro and PyMC tutorials, ``alpha ~ N(0, 20)``,
``beta ~ N(0, 20)``, ``sigma ~ HalfCauchy(10)``, stated exactly with
``autoscale=False``. We draw its graph, read the summary table, inspect the
trace, and plot the fitted line with HDI bands using ArviZ's ``plot_lm`` on the
estimator's ``InferenceData``.
"""

# License: BSD 3 clause

import os

import arviz as az
import numpy as np

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))

# %%
# Data
# ----
rng = np.random.default_rng(2)
x = rng.uniform(0, 10, size=50)
y = 3.0 + 1.2 * x + rng.normal(scale=2.0, size=x.size)
X = x[:, None]

# %%
# The model
# ---------
# ``render_model`` draws the graph as ``numpyro.render_model`` does (it needs the
# ``graphviz`` package; its ``source`` is the DOT text).
model = BayesianLinearRegressor(
    autoscale=False,
    prior_scale=20.0,
    intercept_prior_scale=20.0,
    noise_prior="half_cauchy",
    noise_prior_scale=10.0,
    num_samples=num_samples,
    random_state=0,
)
print(model.render_model(X=X).source)

# %%
# Summary and trace
# -----------------
model.fit(X, y)
print(model.summary())
az.plot_trace(model.idata_, compact=True)

# %%
# Posterior predictive and the fitted line
# ----------------------------------------
# ``extend_inferencedata=True`` adds the posterior predictive draws of new
# observations (``y``) and of the regression function (``mu``) at the training
# rows, with ``X`` as constant data, to ``idata_``.
model.sample_posterior_predictive(X, random_state=0, extend_inferencedata=True)
idata = model.idata_
az.plot_lm(
    y="y",
    idata=idata,
    x=idata.constant_data["X"].sel(feature="x0"),
    y_model=idata.posterior_predictive["mu"],
    kind_pp="hdi",
    kind_model="hdi",
)

# %%
# A posterior predictive check: the observed density among replicated ones.
az.plot_ppc(idata, num_pp_samples=100)
