"""The Student-t likelihood: exact answers, a long NumPyro run, its contract."""

import pickle
import warnings

import jax
import numpy as np
import numpyro
import numpyro.distributions as dist
import pandas as pd
import pytest
import scipy.integrate
import scipy.sparse
import scipy.stats
from _monte_carlo import Z, assert_mean_is, assert_same_mean, mean_standard_error
from numpyro.infer import MCMC, NUTS
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, KFold

from skbayes import BayesianLinearRegressor
from skbayes._kernels import trace_count
from skbayes._likelihoods.student_t import padded_rows

ROBUST = dict(likelihood="student_t", random_state=0)


def contaminated(rng, n=200, fraction=0.1, shift=25.0):
    """Linear data with t(4) noise and a fraction of gross outliers."""
    X = rng.normal(size=(n, 2))
    y = 1.0 + X @ [2.0, -1.0] + 0.5 * rng.standard_t(4, size=n)
    outliers = rng.choice(n, int(fraction * n), replace=False)
    y[outliers] += shift
    return X, y


def test_large_df_recovers_the_normal_model(rng):
    X = rng.normal(size=(60, 2))
    y = 0.5 + X @ [1.0, -2.0] + rng.normal(size=60)
    normal = BayesianLinearRegressor(random_state=0, num_samples=2000).fit(X, y)
    robust = BayesianLinearRegressor(**ROBUST, likelihood_df=1e6, num_samples=2000).fit(
        X, y
    )
    assert robust.df_ == 1e6
    for name in ("intercept", "coef", "sigma"):
        ours, theirs = robust.posterior_samples_[name], normal.posterior_samples_[name]
        assert_same_mean(ours, theirs)
        np.testing.assert_allclose(ours.std(axis=0), theirs.std(axis=0), rtol=0.1)


def test_one_feature_model_matches_quadrature():
    """Few rows and fixed df: the posterior of (intercept, slope, sigma) on a grid."""
    rng = np.random.default_rng(11)
    n, df = 8, 3.0
    x = rng.normal(size=n)
    y = 1.0 + 0.5 * x + 0.7 * rng.standard_t(df, size=n)
    y[0] += 6.0
    model = BayesianLinearRegressor(
        **ROBUST,
        likelihood_df=df,
        autoscale=False,
        prior_scale=2.0,
        intercept_prior_scale=3.0,
        noise_prior="half_normal",
        noise_prior_scale=2.0,
        num_samples=2000,
    ).fit(x[:, None], y)
    a = np.linspace(-4.0, 6.0, 161)[:, None, None]
    b = np.linspace(-4.0, 5.0, 145)[None, :, None]
    sigma = np.geomspace(0.03, 8.0, 160)[None, None, :]
    log_post = (
        scipy.stats.norm.logpdf(a, 0.0, 3.0)
        + scipy.stats.norm.logpdf(b, 0.0, 2.0)
        + scipy.stats.halfnorm.logpdf(sigma, scale=2.0)
    )
    for xi, yi in zip(x, y, strict=True):
        log_post = log_post + scipy.stats.t.logpdf(yi, df, a + b * xi, sigma)
    density = np.exp(log_post - log_post.max())
    grids = (a.ravel(), b.ravel(), sigma.ravel())

    def expectation(values):
        inner = np.broadcast_to(values * density, density.shape)
        for axis in (2, 1, 0):
            inner = scipy.integrate.trapezoid(inner, grids[axis], axis=axis)
        return float(inner)

    total = expectation(1.0)
    samples = model.posterior_samples_
    for name, grid in (
        ("intercept", a),
        ("sigma", sigma),
    ):
        assert_mean_is(samples[name], expectation(grid) / total)
        assert_mean_is(samples[name] ** 2, expectation(grid**2) / total)
    assert_mean_is(samples["coef"][:, 0], expectation(b) / total)


def reference_model(X, y=None):
    """The same model, written out in NumPyro (autoscale=False, defaults)."""
    coef = numpyro.sample(
        "coef", dist.Normal(0.0, 2.5).expand([X.shape[1]]).to_event(1)
    )
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 2.5))
    sigma = numpyro.sample("sigma", dist.Exponential(1.0))
    df = numpyro.sample("df", dist.Gamma(2.0, 0.1))
    with numpyro.plate("obs", X.shape[0]):
        numpyro.sample("y", dist.StudentT(df, intercept + X @ coef, sigma), obs=y)


@pytest.mark.slow
def test_matches_a_long_plain_numpyro_run():
    rng = np.random.default_rng(5)
    X, y = contaminated(rng, n=60, shift=8.0)
    ours = BayesianLinearRegressor(**ROBUST, autoscale=False, num_samples=3000).fit(
        X, y
    )
    mcmc = MCMC(
        NUTS(reference_model),
        num_warmup=2000,
        num_samples=8000,
        num_chains=4,
        chain_method="vectorized",
        progress_bar=False,
    )
    mcmc.run(jax.random.key(1), X, y)
    theirs = {name: np.asarray(v, np.float64) for name, v in mcmc.get_samples().items()}
    for name in ("intercept", "coef", "sigma", "df"):
        mine = ours.posterior_samples_[name]
        assert_same_mean(mine, theirs[name])
        np.testing.assert_allclose(
            mine.std(axis=0), theirs[name].std(axis=0), rtol=0.1, err_msg=name
        )


@pytest.mark.slow
def test_simulation_based_calibration_with_learned_df():
    """Ranks of true parameters among posterior draws are uniform (Talts et al.)."""
    n_replications, n_bins = 150, 10
    rng = np.random.default_rng(8)
    model = BayesianLinearRegressor(
        likelihood="student_t",
        prior_scale=1.0,
        intercept_prior_scale=1.0,
        autoscale=False,
        num_warmup=300,
        num_samples=99,
        num_chains=1,
    )
    X = rng.normal(size=(15, 2))
    ranks = []
    for replication in range(n_replications):
        y, truth = model.sample_prior_predictive(
            X, n_samples=1, random_state=replication, return_params=True
        )
        with warnings.catch_warnings():
            # 99 draws per fit are below the ESS the convergence warning asks for.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.set_params(random_state=replication).fit(X, y[0])
        samples = model.posterior_samples_
        ranks.append(
            [
                np.sum(samples["intercept"] < truth["intercept"][0]),
                np.sum(samples["coef"][:, 0] < truth["coef"][0, 0]),
                np.sum(samples["sigma"] < truth["sigma"][0]),
                np.sum(samples["df"] < truth["df"][0]),
            ]
        )
    for column in np.array(ranks).T:
        counts = np.bincount(column * n_bins // 100, minlength=n_bins)
        assert scipy.stats.chisquare(counts).pvalue > 1e-3, counts


def test_recovers_the_truth_under_gross_outliers(rng):
    X, y = contaminated(rng)
    ols = LinearRegression().fit(X, y)
    robust = BayesianLinearRegressor(**ROBUST).fit(X, y)
    truth = np.array([2.0, -1.0])
    se = mean_standard_error(robust.posterior_samples_["coef"])
    posterior_sd = robust.posterior_samples_["coef"].std(axis=0)
    # The truth is within the posterior's bulk; least squares is far off.
    assert np.all(np.abs(robust.coef_ - truth) < 3 * posterior_sd + Z * se)
    assert abs(robust.intercept_ - 1.0) < 0.3
    assert abs(ols.intercept_ - 1.0) > 1.5
    assert abs(robust.intercept_ - 1.0) < abs(ols.intercept_ - 1.0) / 5
    # The outliers make the tails heavy: df is learned small.
    assert robust.df_ < 5


def test_predictive_intervals_cover_t_noise():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    coef = np.array([1.0, -0.5])
    y = X @ coef + 0.5 * rng.standard_t(3, size=400)
    model = BayesianLinearRegressor(**ROBUST).fit(X, y)
    X_new = rng.normal(size=(4000, 2))
    y_new = X_new @ coef + 0.5 * rng.standard_t(3, size=4000)
    for prob in (0.5, 0.9):
        low, high = model.predict_interval(X_new, prob=prob).T
        covered = np.mean((y_new >= low) & (y_new <= high))
        # Binomial sd at 4000 rows, plus the posterior's own width error.
        assert abs(covered - prob) < Z * np.sqrt(prob * (1 - prob) / 4000) + 0.01
    quantiles = model.predict_quantiles(X_new, [0.05, 0.95])
    assert abs(np.mean(y_new < quantiles[:, 0]) - 0.05) < 0.015
    assert abs(np.mean(y_new > quantiles[:, 1]) - 0.05) < 0.015


def test_integer_weights_are_repeated_rows(rng):
    X, y = contaminated(rng, n=40)
    weights = rng.integers(1, 4, size=40)
    repeated = BayesianLinearRegressor(**ROBUST, num_samples=2000).fit(
        np.repeat(X, weights, axis=0), np.repeat(y, weights)
    )
    weighted = BayesianLinearRegressor(**ROBUST, num_samples=2000).fit(
        X, y, sample_weight=weights
    )
    for name in ("intercept", "coef", "sigma", "df"):
        assert_same_mean(
            weighted.posterior_samples_[name], repeated.posterior_samples_[name]
        )


def test_refits_do_not_recompile(rng):
    X, y = contaminated(rng, n=112)
    assert padded_rows(97) == padded_rows(112) == 112
    BayesianLinearRegressor(**ROBUST, num_samples=200).fit(X, y)
    before = trace_count()
    # Other folds and row counts in the bucket, prior settings, seeds, and a
    # fixed or learned df: one program.
    for rows, settings in (
        (slice(0, 100), {}),
        (slice(12, 112), {"prior_scale": 0.5, "random_state": 3}),
        (slice(0, 105), {"likelihood_df": 4.0}),
        (slice(5, 103), {"noise_prior": "half_cauchy", "likelihood_df": None}),
    ):
        BayesianLinearRegressor(**{**ROBUST, "num_samples": 200, **settings}).fit(
            X[rows], y[rows]
        )
    assert trace_count() == before


def test_return_std_is_infinite_when_some_df_is_at_most_two(rng):
    X, y = contaminated(rng, n=100)
    fixed = BayesianLinearRegressor(**ROBUST, likelihood_df=1.5).fit(X, y)
    mean, std = fixed.predict(X[:5], return_std=True)
    assert np.all(np.isinf(std)) and np.all(np.isfinite(mean))
    assert np.all(np.isfinite(fixed.predict_interval(X[:5])))
    # With df > 2 in every draw the sd is finite and matches predictive draws.
    light = BayesianLinearRegressor(**ROBUST, likelihood_df=8.0).fit(X, y)
    _, std = light.predict(X[:3], return_std=True)
    draws = light.sample_posterior_predictive(X[:3], n_samples=200_000, random_state=0)
    np.testing.assert_allclose(std, draws.std(axis=0), rtol=0.03)


def test_log_likelihood_is_the_student_t_density(rng):
    X, y = contaminated(rng, n=50)
    model = BayesianLinearRegressor(**ROBUST, num_samples=100).fit(X, y)
    idata = model.compute_log_likelihood(X, y)
    log_lik = np.asarray(idata["log_likelihood"]["y"]).reshape(-1, 50)
    samples = model.posterior_samples_
    mu = samples["intercept"][:, None] + samples["coef"] @ X.T
    expected = scipy.stats.t.logpdf(
        y, samples["df"][:, None], mu, samples["sigma"][:, None]
    )
    np.testing.assert_allclose(log_lik, expected, rtol=1e-10)
    lppd = model.log_pointwise_predictive_density(X, y)
    np.testing.assert_allclose(
        lppd, scipy.special.logsumexp(expected, axis=0) - np.log(expected.shape[0])
    )
    assert "df" in idata.posterior


def test_prior_predictive_draws_df_from_its_gamma_prior():
    X = np.zeros((1, 2))
    model = BayesianLinearRegressor(likelihood="student_t", autoscale=False)
    _, params = model.sample_prior_predictive(
        X, n_samples=4000, random_state=0, return_params=True
    )
    gamma = scipy.stats.gamma(2.0, scale=10.0)
    assert scipy.stats.kstest(params["df"], gamma.cdf).pvalue > 1e-4
    fixed = model.set_params(likelihood_df=3.0).sample_prior_predictive(
        X, n_samples=10, random_state=0, return_params=True
    )[1]
    np.testing.assert_array_equal(fixed["df"], 3.0)


def test_summary_graph_and_inference_data_show_df(rng):
    X, y = contaminated(rng, n=50)
    model = BayesianLinearRegressor(**ROBUST, num_samples=200).fit(X, y)
    assert "df" in model.idata_.posterior
    assert any("df" in str(label) for label in model.summary().index)
    pytest.importorskip("graphviz")
    source = model.render_model().source
    assert "StudentT(df, intercept + X @ coef, sigma)" in source
    assert "Gamma(2, rate=0.1)" in source


def test_multi_output_sparse_frames_and_pickling(rng):
    X, y = contaminated(rng, n=80)
    Y = np.column_stack([y, -2.0 * y])
    model = BayesianLinearRegressor(**ROBUST, num_samples=300).fit(X, Y)
    assert model.coef_.shape == (2, 2) and model.df_.shape == (2,)
    assert model.posterior_samples_["df"].shape == (1200, 2)
    assert model.predict_interval(X[:4]).shape == (4, 2, 2)
    single = BayesianLinearRegressor(**ROBUST, num_samples=300).fit(X, y)
    assert_same_mean(
        model.posterior_samples_["coef"][:, 0], single.posterior_samples_["coef"]
    )
    sparse = BayesianLinearRegressor(**ROBUST, num_samples=300).fit(
        scipy.sparse.csr_matrix(X), y
    )
    np.testing.assert_allclose(sparse.coef_, single.coef_, rtol=1e-5)
    frame = pd.DataFrame(X, columns=["a", "b"])
    named = BayesianLinearRegressor(**ROBUST, num_samples=300).fit(frame, y)
    assert list(named.feature_names_in_) == ["a", "b"]
    loaded = pickle.loads(pickle.dumps(named))
    np.testing.assert_array_equal(loaded.predict(frame), named.predict(frame))
    np.testing.assert_array_equal(
        loaded.predict_interval(frame), named.predict_interval(frame)
    )


def test_grid_search_over_df_and_prior_scale(rng):
    X, y = contaminated(rng, n=60)
    search = GridSearchCV(
        BayesianLinearRegressor(**ROBUST, num_warmup=200, num_samples=200),
        {"likelihood_df": [None, 1.0, 30.0], "prior_scale": [0.5, 2.5]},
        cv=KFold(3),
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_streaming_and_dask_are_refused_by_name(rng):
    X, y = contaminated(rng, n=40)
    # No partial_fit at all, as scikit-learn hides methods a setting rules out;
    # the error it raises says why.
    robust = BayesianLinearRegressor(likelihood="student_t")
    assert not hasattr(robust, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit") as error:
        robust.partial_fit(X, y)
    assert "likelihood='student_t' needs every row" in str(error.value.__cause__)
    da = pytest.importorskip("dask.array")
    with pytest.raises(ValueError, match="likelihood='student_t'.*Dask"):
        BayesianLinearRegressor(likelihood="student_t").fit(
            da.from_array(X, chunks=20), da.from_array(y, chunks=20)
        )


@pytest.mark.parametrize(
    "params, match",
    [
        ({"likelihood": "t"}, "likelihood"),
        ({"likelihood": "student_t", "likelihood_df": 0.0}, "likelihood_df"),
        ({"likelihood": "student_t", "likelihood_df": -2.0}, "likelihood_df"),
        ({"likelihood": "student_t", "likelihood_df": np.nan}, "likelihood_df"),
        (
            {"likelihood": "student_t", "coef_prior": "horseshoe"},
            "coef_prior='horseshoe' does not",
        ),
    ],
)
def test_invalid_settings_name_the_parameter(params, match):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor(**params).fit(X, y)
