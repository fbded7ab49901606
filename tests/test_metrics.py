import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skbayes import BayesianLinearRegressor
from skbayes._arviz import is_arviz_1
from skbayes.metrics import elpd_loo, log_predictive_density


def _elpd(loo):
    """The estimate and the effective number of parameters, on either ArviZ."""
    return (loo.elpd, loo.p) if is_arviz_1() else (loo.elpd_loo, loo.p_loo)


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(120, 3))
    y = 1.0 + X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.7, size=120)
    return X[:80], y[:80], X[80:], y[80:]


def test_log_predictive_density_is_the_mixture_density(split):
    X, y, X_test, y_test = split
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    s = model.posterior_samples_
    mu = s["intercept"][:, None] + s["coef"] @ X_test.T
    log_density = norm.logpdf(y_test, loc=mu, scale=s["sigma"][:, None])
    expected = np.mean(logsumexp(log_density, axis=0) - np.log(mu.shape[0]))
    assert log_predictive_density(model, X_test, y_test) == pytest.approx(expected)


def test_log_predictive_density_prefers_the_right_model(split):
    X, y, X_test, y_test = split
    good = BayesianLinearRegressor(random_state=0).fit(X, y)
    too_tight = BayesianLinearRegressor(prior_scale=0.001, random_state=0).fit(X, y)
    assert log_predictive_density(good, X_test, y_test) > log_predictive_density(
        too_tight, X_test, y_test
    )
    search = GridSearchCV(
        BayesianLinearRegressor(random_state=0),
        {"prior_scale": [0.001, 1.0]},
        scoring=log_predictive_density,
        cv=3,
    ).fit(X, y)
    assert search.best_params_ == {"prior_scale": 1.0}


def test_elpd_loo_is_close_to_held_out_density(split):
    X, y, X_test, y_test = split
    model = BayesianLinearRegressor(random_state=0).fit(X, y)
    loo = elpd_loo(model, X, y)
    assert np.all(loo.pareto_k < 0.7)
    estimate, p_loo = _elpd(loo)
    assert 3 < p_loo < 7  # 5 parameters
    # Per row, LOO estimates the density of new data: within a few of its
    # standard errors of the held-out mean.
    per_row = estimate / len(y)
    assert abs(per_row - log_predictive_density(model, X_test, y_test)) < 0.3


# Few draws: these tests compare scores computed two ways, not their precision.
FAST = {"num_warmup": 300, "num_samples": 300, "num_chains": 2, "random_state": 0}


def preprocessing():
    """Scale two columns of very different scales, pass the third through."""
    return ColumnTransformer(
        [("scale", StandardScaler(), [0, 1])], remainder="passthrough"
    )


@pytest.fixture(scope="module")
def unscaled():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(90, 3)) * [1.0, 10.0, 0.1]
    y = 1.0 + X @ [1.0, 0.2, 3.0] + rng.normal(scale=0.5, size=90)
    return X, y


@pytest.fixture(scope="module")
def fitted_pipeline(unscaled):
    X, y = unscaled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = Pipeline(
            [("prep", preprocessing()), ("reg", BayesianLinearRegressor(**FAST))]
        ).fit(X, y)
        # The same sampler on the same design: identical draws.
        bare = BayesianLinearRegressor(**FAST).fit(pipe[:-1].transform(X), y)
    return pipe, bare


def test_grid_search_over_a_pipeline_scores_every_fold(unscaled):
    X, y = unscaled
    pipe = Pipeline(
        [("prep", preprocessing()), ("reg", BayesianLinearRegressor(**FAST))]
    )
    search = GridSearchCV(
        pipe,
        {"reg__prior_scale": [0.001, 1.0]},
        scoring=log_predictive_density,
        cv=3,
        error_score="raise",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_ == {"reg__prior_scale": 1.0}


def test_pipeline_scores_as_the_bare_estimator_on_transformed_data(
    unscaled, fitted_pipeline
):
    X, y = unscaled
    pipe, bare = fitted_pipeline
    Xt = pipe[:-1].transform(X)
    score = log_predictive_density(pipe, X, y)
    assert score == log_predictive_density(pipe[-1], Xt, y)
    assert score == pytest.approx(log_predictive_density(bare, Xt, y), abs=1e-12)
    assert _elpd(elpd_loo(pipe, X, y))[0] == pytest.approx(
        _elpd(elpd_loo(bare, Xt, y))[0], abs=1e-12
    )


def test_nested_pipelines_score_as_the_bare_estimator(unscaled, fitted_pipeline):
    X, y = unscaled
    pipe, _ = fitted_pipeline
    expected = log_predictive_density(pipe, X, y)
    prep, reg = pipe[0], pipe[-1]
    # Assembled from the fitted steps: a pipeline is fitted when its last step is.
    nested = Pipeline(
        [
            ("outer", Pipeline([("prep", prep)])),
            ("last", Pipeline([("noop", "passthrough"), ("reg", reg)])),
        ]
    )
    assert log_predictive_density(nested, X, y) == expected
    only_step = Pipeline([("reg", reg)])
    Xt = pipe[:-1].transform(X)
    assert log_predictive_density(only_step, Xt, y) == expected


# Few draws make PSIS warn; only the equality of two computations is checked.
@pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto")
def test_pipeline_ending_in_a_pipeline_scores_its_own_fit(unscaled):
    X, y = unscaled
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = make_pipeline(
            preprocessing(),
            make_pipeline(StandardScaler(), BayesianLinearRegressor(**FAST)),
        ).fit(X, y)
    inner = pipe[-1]
    Xt = inner[:-1].transform(pipe[:-1].transform(X))
    expected = log_predictive_density(inner[-1], Xt, y)
    assert log_predictive_density(pipe, X, y) == expected
    assert _elpd(elpd_loo(pipe, X, y))[0] == _elpd(elpd_loo(inner[-1], Xt, y))[0]


def test_multi_target_pipeline_averages_rows_and_targets(unscaled):
    X, y = unscaled
    Y = np.column_stack([y, -2.0 * y + 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe = Pipeline(
            [("prep", preprocessing()), ("reg", BayesianLinearRegressor(**FAST))]
        ).fit(X, Y)
    Xt = pipe[:-1].transform(X)
    s = pipe[-1].posterior_samples_
    per_target = []
    for k in range(2):
        mu = s["intercept"][:, k, None] + s["coef"][:, k] @ Xt.T
        log_density = norm.logpdf(Y[:, k], loc=mu, scale=s["sigma"][:, k, None])
        per_target.append(logsumexp(log_density, axis=0) - np.log(mu.shape[0]))
    assert log_predictive_density(pipe, X, Y) == pytest.approx(np.mean(per_target))
    with pytest.raises(ValueError, match="2 target columns"):
        log_predictive_density(pipe, X, y)


@pytest.mark.parametrize("score", [log_predictive_density, elpd_loo])
def test_transformed_target_regressor_is_refused(unscaled, fitted_pipeline, score):
    X, y = unscaled
    pipe, bare = fitted_pipeline
    Xt = pipe[:-1].transform(X)
    wrapped = TransformedTargetRegressor(regressor=BayesianLinearRegressor(**FAST))
    wrapped.regressor_ = bare  # as fit would set it, without sampling again
    for model, data in [
        (wrapped, Xt),
        (Pipeline([("prep", pipe[0]), ("ttr", wrapped)]), X),
        (TransformedTargetRegressor(regressor=pipe), X),
    ]:
        with pytest.raises(TypeError, match="TransformedTargetRegressor.*Jacobian"):
            score(model, data, y)


@pytest.mark.parametrize("score", [log_predictive_density, elpd_loo])
def test_other_estimators_are_refused(unscaled, fitted_pipeline, score):
    X, y = unscaled
    pipe, _ = fitted_pipeline
    with pytest.raises(TypeError, match="got LinearRegression"):
        score(LinearRegression().fit(X, y), X, y)
    with pytest.raises(TypeError, match="final step is LinearRegression"):
        score(make_pipeline(pipe[0], LinearRegression()), X, y)
    with pytest.raises(NotFittedError):
        score(BayesianLinearRegressor(), X, y)
    with pytest.raises(NotFittedError):
        score(make_pipeline(preprocessing(), BayesianLinearRegressor()), X, y)


@pytest.mark.parametrize("score", [log_predictive_density, elpd_loo])
def test_x_and_y_are_validated(unscaled, fitted_pipeline, score):
    X, y = unscaled
    pipe, bare = fitted_pipeline
    Xt = pipe[:-1].transform(X)
    with pytest.raises(ValueError, match="2 features"):
        score(bare, Xt[:, :2], y)
    with pytest.raises(ValueError, match="2 features"):
        score(pipe, X[:, :2], y)
    with pytest.raises(ValueError, match="89 rows but X has 90"):
        score(bare, Xt, y[:-1])
    with pytest.raises(ValueError, match="89 rows but X has 90"):
        score(pipe, X, y[:-1])
    with pytest.raises(ValueError, match="y has shape"):
        score(bare, Xt, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="y contains NaN"):
        score(bare, Xt, np.where(np.arange(y.size) == 3, np.nan, y))


def test_column_names_are_checked_as_predict_does(unscaled):
    X, y = unscaled
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BayesianLinearRegressor(**FAST).fit(frame, y)
    assert np.isfinite(log_predictive_density(model, frame, y))
    renamed = frame.rename(columns={"c": "d"})
    for score in (log_predictive_density, elpd_loo):
        with pytest.raises(ValueError, match="feature names"):
            score(model, renamed, y)
