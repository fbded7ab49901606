"""Bayesian scores of a fitted :class:`~skbayes.BayesianLinearRegressor`.

:func:`log_predictive_density` scores held-out data by the whole posterior
predictive distribution, not only by its mean as R² does: a model that is
right on average but over- or under-confident scores worse. Its signature
``(estimator, X, y)`` makes it a scorer, so it is usable as ``scoring=`` in
:class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_val_score`. :func:`elpd_loo` estimates
the same quantity for the training data, without refitting, by Pareto-smoothed
importance-sampling leave-one-out cross-validation (PSIS-LOO).
"""

import numpy as np
from scipy.special import logsumexp
from sklearn.utils.validation import check_array, check_is_fitted

from ._arviz import az
from ._predictive import linear_predictor, row_chunks

__all__ = ["elpd_loo", "log_predictive_density"]


def log_predictive_density(estimator, X, y):
    """Mean log pointwise predictive density of ``y`` at ``X``.

    ``mean_i log( mean_s Normal(y_i | intercept_s + X_i coef_s, sigma_s) )`` over
    the posterior draws ``s``, computed in chunks of rows. Higher is better.

    Parameters
    ----------
    estimator : BayesianLinearRegressor
        Fitted.
    X : array-like of shape (n_samples, n_features)
        Held-out data.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Held-out targets; for several targets the mean is over rows and targets.

    Returns
    -------
    score : float
    """
    check_is_fitted(estimator)
    X = estimator._validate_X(X).astype(np.float64, copy=False)
    y = check_array(y, ensure_2d=False, dtype=np.float64)
    Y = y.reshape(y.shape[0], -1)

    def lpd(k, intercept, coef, sigma):
        out = np.empty(X.shape[0])
        log_norm = -0.5 * np.log(2 * np.pi) - np.log(sigma)[:, None]
        for rows in row_chunks(X.shape[0], sigma.shape[0]):
            z = (Y[rows, k] - linear_predictor(X[rows], intercept, coef)) / sigma[
                :, None
            ]
            out[rows] = logsumexp(log_norm - 0.5 * z**2, axis=0) - np.log(sigma.size)
        return out

    per_target = [
        lpd(k, *draws)
        for k, draws in enumerate(estimator._posterior_by_target(lambda *d: d))
    ]
    return float(np.mean(per_target))


def elpd_loo(estimator, X, y, sample_weight=None):
    """PSIS-LOO estimate of the expected log predictive density of new data.

    Adds the pointwise log-likelihood of the training data to the estimator's
    ``idata_`` (see ``compute_log_likelihood``) and calls :func:`arviz.loo`.

    Parameters
    ----------
    estimator : BayesianLinearRegressor
        Fitted on ``X`` and ``y``.
    X, y, sample_weight
        The training data, as passed to ``fit``.

    Returns
    -------
    loo : arviz.ELPDData
        ``elpd_loo`` (sum over rows), its standard error ``se``, the effective
        number of parameters ``p_loo`` and the Pareto k diagnostics.
    """
    idata = estimator.compute_log_likelihood(X, y, sample_weight=sample_weight)
    return az.loo(idata, pointwise=True)
