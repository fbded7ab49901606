"""Bayesian scores of a fitted :class:`~skbayes.BayesianLinearRegressor`.

:func:`log_predictive_density` scores held-out data by the whole posterior
predictive distribution, not only by its mean as R² does: a model that is
right on average but over- or under-confident scores worse. Its signature
``(estimator, X, y)`` makes it a scorer, so it is usable as ``scoring=`` in
:class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_val_score`. :func:`elpd_loo` estimates
the same quantity for the training data, without refitting, by Pareto-smoothed
importance-sampling leave-one-out cross-validation (PSIS-LOO).

Both take the bare estimator or a :class:`~sklearn.pipeline.Pipeline` (nested
or not) that ends in one. They use only the estimator's public attributes and
methods and scikit-learn's public validation, so that they keep working as
scorers of whatever wraps the estimator.
"""

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.utils.validation import check_is_fitted

from ._arviz import loo
from ._dask import is_dask_collection
from ._estimator import BayesianLinearRegressor
from ._pipelines import final_step, to_final_step

__all__ = ["elpd_loo", "log_predictive_density"]


def _final_estimator(estimator, X, caller):
    """The BayesianLinearRegressor ending ``estimator``, and ``X`` transformed for it.

    ``estimator`` is the regressor itself or a Pipeline whose last step is one,
    at any depth of nesting; ``X`` goes through the public ``transform`` of
    each pipeline's leading steps.
    """
    final = final_step(estimator)
    if isinstance(final, TransformedTargetRegressor):
        # Scoring the original y would need the Jacobian of the target
        # transform, which a general transformer does not provide.
        raise TypeError(
            f"{caller} cannot score a TransformedTargetRegressor: the density "
            "of the original y needs the Jacobian of the target transform, "
            "which a general transformer does not provide. Score the "
            "transformed target with the fitted regressor_ (y transformed by "
            "transformer_), or use a bare BayesianLinearRegressor."
        )
    if not isinstance(final, BayesianLinearRegressor):
        what = type(estimator).__name__
        if final is not estimator:
            what += f" whose final step is {final!r}"
        raise TypeError(
            f"{caller} needs a BayesianLinearRegressor or a Pipeline ending in "
            f"one; got {what}."
        )
    # Checked before any transform so that an unfitted model fails as such.
    check_is_fitted(final)
    if is_dask_collection(X):
        # Scoring needs every row at once; a computed Dask DataFrame is a
        # pandas one, whose column names are then checked as for pandas.
        X = X.compute()
    # The final step's public methods validate X as predict does (feature
    # count and names, a group column); validating here as well would drop
    # the column names they check.
    return final, to_final_step(estimator, X)


def log_predictive_density(estimator, X, y):
    """Mean log pointwise predictive density of ``y`` at ``X``.

    ``mean_i log( mean_s Normal(y_i | intercept_s + X_i coef_s, sigma_s) )`` over
    the posterior draws ``s``, computed in chunks of rows. Higher is better.

    Parameters
    ----------
    estimator : BayesianLinearRegressor or Pipeline
        Fitted; a Pipeline (possibly nested) must end in a
        BayesianLinearRegressor, and ``X`` goes through its other steps.
        A :class:`~sklearn.compose.TransformedTargetRegressor` is refused.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Held-out data.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Held-out targets; for several targets the mean is over rows and targets.

    Returns
    -------
    score : float

    Raises
    ------
    TypeError
        If ``estimator`` does not end in a BayesianLinearRegressor, or is or
        contains a TransformedTargetRegressor.
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    ValueError
        If ``X`` does not have the features of the fit, or ``y`` has other
        rows than ``X``, other targets than the fit, or non-finite values.
    """
    final, X = _final_estimator(estimator, X, "log_predictive_density")
    return float(np.mean(final.log_pointwise_predictive_density(X, y)))


def elpd_loo(estimator, X, y, sample_weight=None):
    """PSIS-LOO estimate of the expected log predictive density of new data.

    Adds the pointwise log-likelihood of the training data to the final
    estimator's ``idata_`` (see ``compute_log_likelihood``) and calls
    :func:`arviz.loo`.

    Parameters
    ----------
    estimator : BayesianLinearRegressor or Pipeline
        Fitted on ``X`` and ``y``; a Pipeline (possibly nested) must end in a
        BayesianLinearRegressor, and ``X`` goes through its other steps.
        A :class:`~sklearn.compose.TransformedTargetRegressor` is refused.
    X, y, sample_weight
        The training data, as passed to ``fit``.

    Returns
    -------
    loo : arviz.ELPDData
        The estimate (sum over rows), its standard error ``se``, the effective
        number of parameters and the Pareto k diagnostics ``pareto_k``. ArviZ
        0.x names the estimate ``elpd_loo`` and the number of parameters
        ``p_loo``; ArviZ 1.x (arviz-stats) names them ``elpd`` and ``p``.

    Raises
    ------
    TypeError, sklearn.exceptions.NotFittedError, ValueError
        As :func:`log_predictive_density`; also a ValueError if ``y`` is not
        the training targets.
    """
    final, X = _final_estimator(estimator, X, "elpd_loo")
    idata = final.compute_log_likelihood(X, y, sample_weight=sample_weight)
    return loo(idata)
