"""Bayesian linear regression for scikit-learn, sampled with NumPyro's NUTS."""

from ._compiled import clear_cache as clear_compiled_cache
from ._estimator import BayesianLinearRegressor

__version__ = "0.1.0"

__all__ = ["BayesianLinearRegressor", "clear_compiled_cache", "__version__"]
