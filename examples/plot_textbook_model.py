"""
=====================================================
A textbook model: graph, summary, trace and HDI bands
=====================================================

The regression of NumPyro and PyMC tutorials, ``alpha ~ N(0, 20)``,
``beta ~ N(0, 20)``, ``sigma ~ HalfCauchy(10)``, stated exactly with
``autoscale=False``. We draw its graph, read the summary table, inspect the
trace, and plot the fitted line with HDI bands using ArviZ's ``plot_lm`` on the
estimator's ``idata_``.

ArviZ 1.x (Python 3.12+) renamed some plots; where the two lines differ, the
code shows both, and runs the one installed.
"""

# License: BSD 3 clause

import os
import warnings

import arviz as az
import numpy as np

from skbayes import BayesianLinearRegressor

num_samples = int(os.environ.get("SKBAYES_EXAMPLE_SAMPLES", 1000))
ARVIZ_1 = int(az.__version__.split(".")[0]) >= 1

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
print(model.summary().to_string())
if ARVIZ_1:
    az.plot_trace_dist(model.idata_, compact=True)
else:
    az.plot_trace(model.idata_, compact=True)

# %%
# Posterior predictive and the fitted line
# ----------------------------------------
# ``extend_inferencedata=True`` adds the posterior predictive draws of new
# observations (``y``) and of the regression function (``mu``) at the training
# rows, with ``X`` as constant data, to ``idata_``; ``mu`` is in the posterior
# too, as PyMC and NumPyro keep a deterministic, so the tutorials'
# ``y_model="mu"`` finds it.
model.sample_posterior_predictive(X, random_state=0, extend_inferencedata=True)
idata = model.idata_
x0 = idata.constant_data["X"].sel(feature="x0")
if ARVIZ_1:
    # ArviZ 1.x's plot_lm takes x by name, from constant_data: name the column.
    idata["constant_data"]["x0"] = x0.drop_vars("feature")
    az.plot_lm(idata, x="x0", y="mu", y_obs="y", ci_kind="hdi", ci_prob=model.hdi_prob)
else:
    with warnings.catch_warnings():
        # ArviZ 0.x's plot_lm hands stacked draws to its own hdi, which warns
        # about a future change of its 2-D convention; nothing here is 2-D.
        warnings.filterwarnings("ignore", "hdi currently interprets 2d data")
        az.plot_lm(
            y="y", idata=idata, x=x0, y_model="mu", kind_pp="hdi", kind_model="hdi"
        )

# %%
# A posterior predictive check: the observed density among replicated ones.
if ARVIZ_1:
    az.plot_ppc_dist(idata, num_samples=100)
else:
    az.plot_ppc(idata, num_pp_samples=100)
