"""The estimator at the end of a (possibly nested) Pipeline, and rows on the way to it.

:mod:`skbayes.metrics` and :mod:`skbayes.plotting` take a fitted
BayesianLinearRegressor or a Pipeline ending in one; both unwrap it here, with
the Pipeline's public ``transform`` only.
"""

from sklearn.base import clone
from sklearn.pipeline import Pipeline


def pipeline_chain(model):
    """The Pipelines around the final step, outermost first, and that step."""
    pipelines = []
    while isinstance(model, Pipeline):
        pipelines.append(model)
        model = model.steps[-1][1]
    return pipelines, model


def final_step(model):
    """The last step of ``model`` at any depth of nesting (``model`` itself if bare)."""
    return pipeline_chain(model)[1]


def to_final_step(model, X):
    """``X``, an input of ``model``, through every step before the final one."""
    for pipeline in pipeline_chain(model)[0]:
        if len(pipeline.steps) > 1:
            X = pipeline[:-1].transform(X)
    return X


def fitted_preprocessing(model, X):
    """``to_final_step`` of ``model`` with its leading steps fitted on ``X``, on copies.

    For an unfitted Pipeline whose final step does not need fitting to be
    used (a prior predictive check); ``model`` is left as it is.
    """
    steps = []
    for pipeline in pipeline_chain(model)[0]:
        if len(pipeline.steps) > 1:
            head = clone(pipeline[:-1]).fit(X)
            X = head.transform(X)
            steps.append(head)

    def transform(rows):
        for head in steps:
            rows = head.transform(rows)
        return rows

    return transform
