"""Group-level effects: partial pooling of intercepts and slopes.

The model is checked against exact answers where they exist (quadrature over
the group-level sd with the noise known, dense Gaussian algebra for the
marginal likelihood) and against long plain NumPyro runs of the same model on
the Minnesota radon data; the rest of the contract (predictions for unseen
groups, streaming, pipelines, bad input) follows.
"""

import jax
import numpy as np
import numpyro
import numpyro.distributions as dist
import pandas as pd
import pytest
from _monte_carlo import Z, assert_same_mean, mean_standard_error
from numpyro.infer import MCMC, NUTS
from scipy.special import logsumexp
from sklearn.exceptions import NotFittedError

from skbayes import BayesianLinearRegressor
from skbayes._precision import float64
from skbayes.datasets import load_radon


def radon():
    data = load_radon()
    return data[["floor_measure", "county_idx"]], data["log_radon"]


def grouped_model(X, county, n_groups, n_slopes, y=None):
    """The model with literal priors (autoscale=False), non-centred."""
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 2.5))
    coef = numpyro.sample("coef", dist.Normal(0.0, 2.5).expand([X.shape[1]]))
    sigma = numpyro.sample("sigma", dist.Exponential(1.0))
    m = 1 + n_slopes
    group_sd = numpyro.sample("group_sd", dist.HalfNormal(1.0).expand([m]))
    raw = numpyro.sample("raw", dist.Normal(0.0, 1.0).expand([n_groups, m]))
    effects = numpyro.deterministic("group_effects", raw * group_sd)
    varying = jax.numpy.column_stack([jax.numpy.ones(X.shape[0]), X[:, :n_slopes]])
    mu = intercept + X @ coef + jax.numpy.sum(effects[county] * varying, axis=1)
    with numpyro.plate("obs", X.shape[0]):
        numpyro.sample("y", dist.Normal(mu, sigma), obs=y)


def reference_run(X, county, y, n_slopes, num_samples=5000):
    mcmc = MCMC(
        NUTS(grouped_model, target_accept_prob=0.9),
        num_warmup=1000,
        num_samples=num_samples,
        num_chains=4,
        chain_method="vectorized",
        progress_bar=False,
    )
    n_groups = int(county.max()) + 1
    mcmc.run(jax.random.key(1), X, county, n_groups, n_slopes, y=y)
    return {k: np.asarray(v) for k, v in mcmc.get_samples().items()}


def fitted(X, y, sample_weight=None, **params):
    params = {"random_state": 0, **params}
    return BayesianLinearRegressor(**params).fit(X, y, sample_weight=sample_weight)


def assert_same_sd(draws, other, rel=0.1):
    np.testing.assert_allclose(np.std(draws, axis=0), np.std(other, axis=0), rtol=rel)


@pytest.fixture(scope="module")
def radon_references():
    X, y = radon()
    county = X["county_idx"].to_numpy() - 1
    floor = X[["floor_measure"]].to_numpy(float)
    return {
        slopes: reference_run(floor, county, y.to_numpy(), slopes) for slopes in (0, 1)
    }


@pytest.mark.parametrize("slopes", [None, ["floor_measure"]])
def test_radon_matches_a_long_plain_numpyro_run(radon_references, slopes):
    X, y = radon()
    model = fitted(
        X,
        y,
        group_column="county_idx",
        group_slopes=slopes,
        autoscale=False,
        num_samples=2000,
    )
    reference = radon_references[0 if slopes is None else 1]
    ours = model.posterior_samples_
    # County labels 1..85 are the reference's groups 0..84, in order.
    np.testing.assert_array_equal(model.groups_, np.arange(1, 86))
    for name in ("intercept", "coef", "sigma", "group_sd", "group_effects"):
        mine, theirs = ours[name], reference[name]
        mine = mine.reshape(mine.shape[0], -1)
        theirs = theirs.reshape(theirs.shape[0], -1)
        assert_same_mean(mine, theirs)
        assert_same_sd(mine, theirs)
    # Counties with one and two houses are among those compared.
    sizes = X["county_idx"].value_counts()
    assert {1, 2} <= set(sizes)
    assert model.diagnostics_["num_divergences"] == 0


def dense_log_evidence(y, design, groups, sigma, tau, prior_sd=2.5):
    """log N(y; 0, sigma^2 I + prior_sd^2 X X' + tau^2 Z Z'), by dense algebra."""
    onehot = (groups[:, None] == np.unique(groups)[None]).astype(float)
    cov = (
        sigma[..., None, None] ** 2 * np.eye(y.shape[0])
        + prior_sd**2 * design @ design.T
        + tau[..., None, None] ** 2 * (onehot @ onehot.T)
    )
    chol = np.linalg.cholesky(cov)
    white = np.linalg.solve(chol, np.broadcast_to(y, cov.shape[:-1])[..., None])[..., 0]
    log_det = 2 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)
    return -0.5 * (log_det + np.sum(white**2, axis=-1)), cov


def test_posterior_of_the_scales_matches_quadrature():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(6), [1, 2, 4, 8, 10, 15])
    x = rng.normal(size=groups.shape[0])
    y = 0.5 + 1.5 * x + rng.normal(0, 0.8, 6)[groups] + rng.normal(0, 0.5, x.shape)
    design = np.column_stack([np.ones_like(x), x])
    sigma, tau = np.meshgrid(
        np.linspace(0.2, 1.4, 121), np.linspace(0.01, 3.5, 140), indexing="ij"
    )
    log_evidence, _ = dense_log_evidence(y, design, groups, sigma, tau)
    # Exponential(1) on sigma, HalfNormal(1) on tau.
    log_post = log_evidence - sigma - 0.5 * tau**2
    weights = np.exp(log_post - logsumexp(log_post))
    exact = {
        name: (
            np.sum(weights * v),
            np.sqrt(np.sum(weights * v**2) - np.sum(weights * v) ** 2),
        )
        for name, v in (("sigma", sigma), ("group_sd", tau))
    }
    X = pd.DataFrame({"x": x, "g": groups})
    model = fitted(X, y, group_column="g", autoscale=False, num_samples=2000)
    draws = model.posterior_samples_
    for name, (mean, sd) in exact.items():
        values = draws[name].reshape(-1)
        assert abs(values.mean() - mean) < Z * mean_standard_error(values)
        np.testing.assert_allclose(values.std(), sd, rtol=0.1)


def test_conditional_means_match_dense_gaussian_algebra():
    """Given the scales, the group effects' mean is tau^2 Z' V^-1 y exactly."""
    from skbayes._design import decompose
    from skbayes._group_effects import normal
    from skbayes._groups import group_statistics
    from skbayes._priors import resolve_priors

    rng = np.random.default_rng(5)
    groups = np.repeat(np.arange(5), [1, 3, 5, 7, 9])
    x = rng.normal(size=groups.shape[0])
    y = 1.0 - x + rng.normal(0, 1.0, 5)[groups] + rng.normal(0, 0.3, x.shape)
    design = np.column_stack([np.ones_like(x), x])
    stats = group_statistics(x[:, None], y[:, None], groups)
    params = BayesianLinearRegressor(
        autoscale=False, intercept_prior_loc=0.0
    ).get_params()
    (prior,) = resolve_priors(params, 1, decompose(stats.pooled, True))
    fit = normal.prepare(stats, prior, np.zeros(0, np.intp), np.array([1.0]))
    sigma, tau = np.array([0.3, 0.7]), np.array([0.5, 2.0])
    states = np.column_stack(
        [
            (np.log(sigma) - fit.inputs.log_sigma_centre) / fit.inputs.log_sigma_scale,
            2.0 * np.log(tau / fit.inputs.tau_unit),
        ]
    )
    onehot = (groups[:, None] == np.arange(5)[None]).astype(float)
    for k in range(2):
        # One state: the Rao-Blackwellised means are its conditional means.
        _, means = fit.draws(states[k : k + 1], np.random.default_rng(0), fit.inputs)
        _, cov = dense_log_evidence(y, design, groups, sigma[k], tau[k])
        solved = np.linalg.solve(cov, y)
        gamma = 2.5**2 * design.T @ solved
        np.testing.assert_allclose(means["intercept"], gamma[0], rtol=1e-8)
        np.testing.assert_allclose(means["coef"], gamma[1:], rtol=1e-8)
        np.testing.assert_allclose(
            means["group_effects"][:, 0], tau[k] ** 2 * onehot.T @ solved, rtol=1e-8
        )
    with float64():
        energies = [float(normal.energy(fit.inputs, s)) for s in states]
    dense = [
        dense_log_evidence(y, design, groups, sigma[k], tau[k])[0]
        - sigma[k]
        - 0.5 * tau[k] ** 2
        + np.log(sigma[k])
        + np.log(tau[k])
        for k in range(2)
    ]
    np.testing.assert_allclose(
        energies[0] - energies[1], -(dense[0] - dense[1]), rtol=1e-9, atol=1e-9
    )


def synthetic(rng, sizes, tau=(0.8, 0.5), sigma=0.5, coef=(1.5, -0.5)):
    """Rows of groups of the given sizes with varying intercepts and x0 slopes."""
    groups = np.repeat(np.arange(len(sizes)), sizes)
    X = rng.normal(size=(groups.shape[0], 2))
    effects = rng.normal(size=(len(sizes), 2)) * np.asarray(tau)
    y = (
        0.5
        + X @ np.asarray(coef)
        + effects[groups, 0]
        + effects[groups, 1] * X[:, 0]
        + rng.normal(0, sigma, groups.shape[0])
    )
    frame = pd.DataFrame(
        {"x0": X[:, 0], "x1": X[:, 1], "g": [f"g{k:02d}" for k in groups]}
    )
    return frame, y, effects


def test_small_groups_are_shrunk_toward_the_population(rng):
    sizes = [1] * 10 + [50] * 10
    X, y, _ = synthetic(rng, sizes, tau=(0.8, 0.0))
    model = fitted(X, y, group_column="g")
    population = model.intercept_ + X[["x0", "x1"]].to_numpy() @ model.coef_
    raw = pd.Series(y - population).groupby(X["g"]).mean()
    shrinkage = model.group_effects_["intercept"] / raw
    small = shrinkage.to_numpy()[:10]
    large = shrinkage.to_numpy()[10:]
    # Each effect lies between zero and its group's raw mean residual, and a
    # group of one row is pulled much further toward zero than one of fifty.
    assert np.all((shrinkage > 0) & (shrinkage < 1))
    assert small.max() < large.min()
    assert np.median(large) > 0.9


def test_unseen_groups_get_the_population_prediction_and_its_spread(rng):
    X, y, _ = synthetic(rng, [30] * 12)
    model = fitted(X, y, group_column="g", group_slopes=["x0"])
    new = pd.DataFrame({"x0": [0.3, -1.0], "x1": [1.0, 0.5], "g": ["new", "other"]})
    mean, std = model.predict(new, return_std=True)
    features = new[["x0", "x1"]].to_numpy()
    np.testing.assert_allclose(mean, model.intercept_ + features @ model.coef_)
    draws = model.posterior_samples_
    line = draws["intercept"][:, None] + draws["coef"] @ features.T
    varying = np.column_stack([np.ones(2), features[:, 0]])
    # Parameter uncertainty, the new group's effects and the noise.
    expected = (
        line.var(axis=0)
        + (draws["group_sd"] ** 2).mean(axis=0) @ (varying**2).T
        + (draws["sigma"] ** 2).mean()
    )
    n = draws["sigma"].shape[0]
    tolerance = Z * np.sqrt(2.0 / n) * expected
    assert np.all(np.abs(std**2 - expected) < tolerance)
    seen = X.iloc[:2]
    _, seen_std = model.predict(seen, return_std=True)
    assert np.all(std > seen_std)
    # A seen group's prediction adds its effects' posterior means.
    effects = model.group_effects_.loc[seen["g"]].to_numpy()
    np.testing.assert_allclose(
        model.predict(seen),
        model.intercept_
        + seen[["x0", "x1"]].to_numpy() @ model.coef_
        + effects[:, 0]
        + effects[:, 1] * seen["x0"].to_numpy(),
    )
    # Intervals and quantiles of unseen groups are wider, and deterministic.
    interval = model.predict_interval(new)
    assert np.all(
        np.diff(interval, axis=1)[:, 0]
        > np.diff(model.predict_interval(seen), axis=1)[:, 0]
    )
    np.testing.assert_array_equal(interval, model.predict_interval(new))
    q = model.predict_quantiles(new, [0.05, 0.5, 0.95])
    assert np.all(np.diff(q, axis=1) > 0)


def test_partial_fit_adds_a_group_first_seen_in_the_last_chunk(rng):
    X, y, _ = synthetic(rng, [20] * 6)
    last = X["g"] == "g05"
    chunks = [(X[~last].iloc[:60], y[~last][:60]), (X[~last].iloc[60:], y[~last][60:])]
    chunks.append((X[last], y[last]))
    streamed = BayesianLinearRegressor(group_column="g", random_state=0)
    for chunk, target in chunks:
        streamed.partial_fit(chunk, target)
    whole = fitted(X, y, group_column="g")
    np.testing.assert_array_equal(streamed.groups_, whole.groups_)
    assert streamed._stats.matches(whole._stats)
    for name in ("intercept", "coef", "group_effects", "group_sd"):
        a = streamed.posterior_samples_[name]
        b = whole.posterior_samples_[name]
        assert_same_mean(a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1))


def test_a_million_rows_in_fifty_groups(rng):
    n, groups = 1_000_000, 50
    labels = rng.integers(0, groups, n)
    X = rng.normal(size=(n, 2))
    effects = rng.normal(0, 0.7, groups)
    y = 2.0 + X @ [1.0, -1.0] + effects[labels] + rng.normal(0, 1.0, n)
    model = fitted(np.column_stack([X, labels]), y, group_column=2)
    draws = model.posterior_samples_
    # Each group's line (intercept + effect) is known to about 0.007 from its
    # 20,000 rows; the truth lies within the posterior's spread.
    lines = draws["intercept"][:, None] + draws["group_effects"][:, :, 0]
    error = np.abs(lines.mean(axis=0) - (2.0 + effects))
    assert np.all(error < Z * lines.std(axis=0))
    tau = draws["group_sd"][:, 0]
    assert abs(tau.mean() - 0.7) < Z * tau.std()
    assert abs(model.sigma_ - 1.0) < Z * draws["sigma"].std()
    coef_sd = draws["coef"].std(axis=0)
    assert np.all(np.abs(model.coef_ - [1.0, -1.0]) < Z * coef_sd)
    assert model.n_features_in_ == 3 and model.coef_.shape == (2,)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"group_column": "county"}, "group_column='county' is not a column of X"),
        ({"group_column": 7}, "not a column position"),
        ({"group_column": "g", "group_slopes": ["g"]}, "names the group column"),
        ({"group_column": "g", "group_slopes": ["x9"]}, "'x9', which is not a column"),
        ({"group_column": "g", "group_prior_scale": 0.0}, "group_prior_scale"),
        ({"group_column": "g", "group_prior_scale": -1.0}, "group_prior_scale"),
        ({"group_column": "g", "likelihood": "student_t"}, "likelihood='student_t'"),
        ({"group_column": "g", "coef_prior": "laplace"}, "coef_prior='laplace'"),
        ({"group_column": "g", "fit_intercept": False}, "fit_intercept=False"),
    ],
)
def test_invalid_settings_name_the_parameter(rng, params, match):
    X, y, _ = synthetic(rng, [5] * 4)
    model = BayesianLinearRegressor(**params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "coef_")


def test_bad_input_gets_clear_errors(rng):
    X, y, _ = synthetic(rng, [5] * 4)
    model = BayesianLinearRegressor(group_column="g", random_state=0)
    missing = X.copy()
    missing.loc[3, "g"] = None
    with pytest.raises(ValueError, match="missing label"):
        model.fit(missing, y)
    bad = X.copy()
    bad.loc[2, "x0"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, y)
    with pytest.raises(ValueError, match="one target"):
        model.fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="sparse"):
        import scipy.sparse

        BayesianLinearRegressor(group_column=0).fit(
            scipy.sparse.csr_matrix(rng.integers(0, 3, (20, 3)).astype(float)),
            rng.normal(size=20),
        )
    with pytest.raises(NotFittedError):
        model.predict(X)
    model.fit(X, y)
    before = model.group_effects_.copy()
    # The group column absent at predict: the feature names say so.
    with pytest.raises(ValueError, match="g"):
        model.predict(X.drop(columns="g"))
    with pytest.raises(ValueError, match="kind"):
        model.predict(X.assign(g=np.arange(len(X))))
    # A failed refit leaves the fit as it was.
    with pytest.raises(ValueError):
        model.fit(missing, y)
    pd.testing.assert_frame_equal(model.group_effects_, before)


def test_labels_of_every_kind_and_positions(rng):
    X, y, _ = synthetic(rng, [8] * 5)
    by_name = fitted(X, y, group_column="g", num_samples=300)
    codes = X["g"].str[1:].astype(int).to_numpy()
    array = np.column_stack([codes, X[["x0", "x1"]].to_numpy()])
    by_position = fitted(array, y, group_column=0, group_slopes=[1], num_samples=300)
    assert list(by_position.groups_) == sorted(set(codes))
    # Unnamed columns are named by their position in X, group column included.
    assert by_position.group_effects_.columns.tolist() == ["intercept", "x1"]
    categorical = X.assign(g=X["g"].astype("category"))
    by_category = fitted(categorical, y, group_column="g", num_samples=300)
    assert list(by_category.groups_) == list(by_name.groups_)
    np.testing.assert_allclose(
        by_category.group_effects_.to_numpy(), by_name.group_effects_.to_numpy()
    )
    polars = pytest.importorskip("polars")
    by_polars = fitted(polars.from_pandas(X), y, group_column="g", num_samples=300)
    np.testing.assert_allclose(
        by_polars.group_effects_.to_numpy(), by_name.group_effects_.to_numpy()
    )
    assert list(by_name.feature_names_in_) == ["x0", "x1", "g"]
    assert by_name.idata_.posterior["group_effects"].dims == (
        "chain",
        "draw",
        "group",
        "effect",
    )
    assert list(by_name.idata_.posterior["coef"].coords["feature"].values) == [
        "x0",
        "x1",
    ]


def test_weights_pickling_and_no_recompilation(rng):
    import pickle

    from skbayes._kernels import trace_count

    X, y, _ = synthetic(rng, [6] * 5)
    weights = rng.integers(1, 4, len(y)).astype(float)
    weighted = fitted(X, y, sample_weight=weights, group_column="g")
    repeated = np.repeat(np.arange(len(y)), weights.astype(int))
    copies = fitted(X.iloc[repeated], y[repeated], group_column="g")
    # The same statistics (only the row counts differ).
    for a, b in zip(weighted._stats.groups, copies._stats.groups, strict=True):
        assert a.n_obs == b.n_obs
        np.testing.assert_allclose(a.mean, b.mean)
        np.testing.assert_allclose(a.r_factor.T @ a.r_factor, b.r_factor.T @ b.r_factor)
    for name in ("intercept", "group_effects", "group_sd"):
        a, b = weighted.posterior_samples_[name], copies.posterior_samples_[name]
        assert_same_mean(a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1))
    loaded = pickle.loads(pickle.dumps(weighted))
    np.testing.assert_array_equal(loaded.predict(X), weighted.predict(X))
    # Other seeds, other group counts in a bucket, other prior scales: no new
    # program.
    count = trace_count()
    for seed, keep in ((1, 5), (2, 4)):
        rows = X["g"].isin([f"g{k:02d}" for k in range(keep)])
        BayesianLinearRegressor(
            group_column="g", random_state=seed, group_prior_scale=0.5 + seed
        ).fit(X[rows], y[rows])
    assert trace_count() == count


def test_pipeline_cross_validation_and_grid_search(rng):
    from sklearn.compose import ColumnTransformer
    from sklearn.model_selection import (
        GridSearchCV,
        GroupKFold,
        KFold,
        cross_val_score,
    )
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, _ = synthetic(rng, [10] * 8)
    columns = ColumnTransformer(
        [("scale", StandardScaler(), ["x0", "x1"])],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = make_pipeline(
        columns,
        BayesianLinearRegressor(group_column="g", random_state=0),
    )
    pipe.fit(X, y)
    mean, std = pipe.predict(X.iloc[:3], return_std=True)
    assert mean.shape == std.shape == (3,)
    grouped = cross_val_score(pipe, X, y, groups=X["g"], cv=GroupKFold(4))
    mixed = cross_val_score(pipe, X, y, cv=KFold(4, shuffle=True, random_state=0))
    # Held-out groups are predicted from the population alone: worse than
    # held-out rows of seen groups.
    assert grouped.mean() < mixed.mean()
    search = GridSearchCV(
        BayesianLinearRegressor(group_column="g", random_state=0),
        {"group_prior_scale": [0.1, 1.0]},
        cv=KFold(3, shuffle=True, random_state=0),
    ).fit(X, y)
    assert search.best_params_["group_prior_scale"] in (0.1, 1.0)


def test_scores_and_log_likelihood_read_the_group_column(rng):
    from skbayes.metrics import elpd_loo, log_predictive_density

    X, y, _ = synthetic(rng, [15] * 6)
    model = fitted(X, y, group_column="g")
    pooled = fitted(X[["x0", "x1"]], y)
    # Partial pooling predicts held-in rows of these groups better than one line.
    features = X[["x0", "x1"]]
    assert log_predictive_density(model, X, y) > log_predictive_density(
        pooled, features, y
    )
    loo, pooled_loo = elpd_loo(model, X, y), elpd_loo(pooled, features, y)
    name = "elpd_loo" if hasattr(loo, "elpd_loo") else "elpd"
    assert loo[name] > pooled_loo[name]
    idata = model.compute_log_likelihood(X, y)
    assert idata.log_likelihood["y"].shape[-1] == len(y)
    draws = model.sample_posterior_predictive(X, n_samples=50, random_state=0)
    assert draws.shape == (50, len(y))


def test_methods_without_group_effects_yet_say_so(rng):
    X, y, _ = synthetic(rng, [6] * 4)
    model = fitted(X, y, group_column="g")
    for call in (
        lambda: model.sample_prior_predictive(X),
        lambda: model.render_model(),
    ):
        with pytest.raises(ValueError, match="group-level effects"):
            call()
    from skbayes.plotting import plot_regression

    with pytest.raises(ValueError, match="group-level effects"):
        plot_regression(model, X, y)


def test_exact_fits_and_stale_attributes(rng):
    X, y, _ = synthetic(rng, [6] * 4)
    exact = 1.0 + 2.0 * X["x0"].to_numpy()
    with pytest.raises(ValueError, match="exact"):
        fitted(X, exact, group_column="g")
    mixed = X.assign(g=[1, "a"] * (len(X) // 2))
    with pytest.raises(ValueError, match="one kind"):
        fitted(mixed, y, group_column="g")
    # A refit without groups leaves no attribute of the grouped fit behind.
    model = fitted(X, y, group_column="g")
    model.set_params(group_column=None).fit(X[["x0", "x1"]], y)
    assert not hasattr(model, "groups_") and not hasattr(model, "group_sd_")
    assert model.coef_.shape == (2,)
