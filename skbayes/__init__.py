"""Bayesian linear regression for scikit-learn, sampled with NumPyro's NUTS."""

from ._estimator import BayesianLinearRegressor

__version__ = "0.1.0"

__all__ = ["BayesianLinearRegressor", "__version__"]
