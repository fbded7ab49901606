"""Exact answers on hard data: ill-conditioned, offset, tiny noise, extreme scales.

Each test compares against an answer computed a different way (NumPy's
least squares, an augmented least-squares solve, the same data rescaled),
so a reduction that loses digits fails here.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse

from skbayes import BayesianLinearRegressor

FAST = dict(num_warmup=300, num_samples=300, random_state=0)


def _relative(a, b):
    return np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b)


def _polynomial(rng, n=150, degree=9):
    """Powers of x on [0, 1]: full rank, but far from orthogonal."""
    x = rng.uniform(0.0, 1.0, n)
    X = np.column_stack([x**k for k in range(1, degree + 1)])
    y = np.cos(4 * x) + rng.normal(scale=0.1, size=n)
    return X, y


def _standardised_condition(X):
    return np.linalg.cond((X - X.mean(0)) / X.std(0))


def test_flat_prior_on_ill_conditioned_design_is_least_squares(rng):
    X, y = _polynomial(rng)
    assert 1e5 < _standardised_condition(X) < 1e10
    model = BayesianLinearRegressor(prior_scale=None, **FAST).fit(X, y)
    Xc = X - X.mean(0)
    ols = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    assert _relative(model.coef_, ols) < 1e-6
    assert model.intercept_ == pytest.approx(y.mean() - X.mean(0) @ ols, rel=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_known_noise_gives_the_exact_posterior_mean(rng, fit_intercept):
    """Posterior mean = the augmented least-squares solve [X/s; I/t] b = [y/s; m/t]."""
    X, y = _polynomial(rng, degree=8)
    noise, scale, loc = 0.1, 3.0, 0.2
    model = BayesianLinearRegressor(
        fit_intercept=fit_intercept,
        prior_loc=loc,
        prior_scale=scale,
        intercept_prior_scale=None,
        noise=noise,
        autoscale=False,
        **FAST,
    ).fit(X, y)
    p = X.shape[1]
    design = np.column_stack([np.ones(len(y)), X]) if fit_intercept else X
    prior_rows = np.eye(p) / scale
    if fit_intercept:
        prior_rows = np.column_stack([np.zeros(p), prior_rows])
    augmented = np.vstack([design / noise, prior_rows])
    target = np.concatenate([y / noise, np.full(p, loc / scale)])
    exact = np.linalg.lstsq(augmented, target, rcond=None)[0]
    coef = exact[1:] if fit_intercept else exact
    assert _relative(model.coef_, coef) < 1e-6
    if fit_intercept:
        assert model.intercept_ == pytest.approx(exact[0], rel=1e-6)


@pytest.mark.parametrize("offset", [0.0, 1e8, 1.6e12])
def test_sparse_equals_dense_for_any_column_offset(rng, offset):
    """Epoch-millisecond timestamps over ten minutes, as a sparse column."""
    n = 120
    X = np.column_stack(
        [offset + rng.uniform(0, 6e5, n), rng.normal(size=n), np.zeros(n)]
    )
    X[rng.choice(n, 30), 2] = 1.0
    y = 2e-6 * (X[:, 0] - X[:, 0].mean()) + X[:, 1] + rng.normal(size=n)
    dense = BayesianLinearRegressor(**FAST).fit(X, y)
    sparse = BayesianLinearRegressor(**FAST).fit(scipy.sparse.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-9)
    assert sparse.intercept_ == pytest.approx(dense.intercept_, rel=1e-9)
    assert sparse.sigma_ == pytest.approx(dense.sigma_, rel=1e-9)
    # And both are the exact answer: the flat-prior fit is least squares.
    flat = BayesianLinearRegressor(prior_scale=None, **FAST)
    flat.fit(scipy.sparse.csr_matrix(X), y)
    Xc = X - X.mean(0)
    assert (
        _relative(flat.coef_, np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]) < 1e-6
    )


@pytest.mark.parametrize("ratio", [1e-4, 1e-7, 1e-10])
def test_sigma_tracks_tiny_noise(rng, ratio):
    n = 200
    X = rng.normal(size=(n, 3))
    signal = 5.0 + X @ [1.0, -2.0, 3.0]
    y = signal + ratio * signal.std() * rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="y is an exact linear function")
        model = BayesianLinearRegressor(**FAST).fit(X, y)
    design = np.column_stack([np.ones(n), X])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    residual_sd = np.sqrt(residual @ residual / (n - 4))
    assert model.sigma_ == pytest.approx(residual_sd, rel=0.02)


def test_constant_column_far_from_zero_without_intercept(rng):
    """fit_intercept=False with a column of 1e7s: the noise is not lost."""
    n = 200
    X = np.column_stack([np.full(n, 1e7), rng.normal(size=n)])
    y = 3.0 + X[:, 1] + rng.normal(size=n)
    model = BayesianLinearRegressor(fit_intercept=False, **FAST).fit(X, y)
    residual = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    assert model.sigma_ == pytest.approx(
        np.sqrt(residual @ residual / (n - 2)), rel=0.02
    )
    assert model.coef_[0] * 1e7 == pytest.approx(3.0, abs=0.3)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_exactly_linear_y_still_warns(rng, fit_intercept):
    X = rng.normal(size=(50, 3)) + [0.0, 1e4, -3.0]
    y = X @ [1.0, 2.0, -0.5] + (4.0 if fit_intercept else 0.0)
    with pytest.warns(UserWarning, match="exact linear function"):
        model = BayesianLinearRegressor(fit_intercept=fit_intercept, **FAST).fit(X, y)
    np.testing.assert_allclose(model.coef_, [1.0, 2.0, -0.5], rtol=1e-8)


@pytest.mark.parametrize("scale", [1e-200, 1e-120, 1e150, 1e250])
def test_extreme_magnitudes_give_the_scaled_answer(rng, scale):
    X = rng.normal(size=(80, 2))
    y = 1.0 + X @ [2.0, -1.0] + rng.normal(scale=0.3, size=80)
    reference = BayesianLinearRegressor(**FAST).fit(X, y)
    small_x = BayesianLinearRegressor(**FAST).fit(X * scale, y)
    np.testing.assert_allclose(small_x.coef_ * scale, reference.coef_, rtol=1e-9)
    assert small_x.sigma_ == pytest.approx(reference.sigma_, rel=1e-9)
    small_y = BayesianLinearRegressor(**FAST).fit(X, y * scale)
    np.testing.assert_allclose(small_y.coef_ / scale, reference.coef_, rtol=1e-9)
    assert small_y.sigma_ / scale == pytest.approx(reference.sigma_, rel=1e-9)


def test_magnitudes_beyond_float64_are_named():
    X = np.array([[1.7e308, 0.0], [1.7e308, 1.0], [-1.0, 2.0]])
    with pytest.raises(ValueError, match="sums of X overflow float64"):
        BayesianLinearRegressor(**FAST).fit(X, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"coef_prior": "student_t", "coef_prior_df": 1e39}, "coef_prior_df"),
        ({"coef_prior": "laplace", "prior_scale": 1e-40}, "prior_scale"),
        ({"noise_prior_scale": 1e-40}, "noise_prior_scale"),
        ({"intercept_prior_loc": 1e300, "autoscale": False}, "intercept_prior_loc"),
        ({"noise": 1e-300}, "noise=1e-300"),
        ({"horseshoe_global_scale": 1e-30, "coef_prior": "horseshoe"}, "global_scale"),
    ],
)
def test_settings_beyond_the_float32_kernel_are_rejected(params, match):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=60)
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor(**params, **FAST).fit(X, y)


def test_huge_weights_are_rejected_with_their_name(rng):
    X = rng.normal(size=(60, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=60)
    with pytest.raises(ValueError, match="sample_weight sums to"):
        BayesianLinearRegressor(**FAST).fit(X, y, sample_weight=np.full(60, 1e37))


@pytest.mark.parametrize(
    "params",
    [
        {"prior_scale": 1e-20},
        {"coef_prior": "laplace", "prior_scale": 1e-20},
        {"noise": 1e300},
        {"noise_prior_scale": 1e40},
    ],
)
def test_extreme_but_representable_settings_sample_the_limit(rng, params):
    """A prior this tight pins the coefficients at its location; a huge known
    noise leaves the prior: no divergences, and the limit of the posterior."""
    X = rng.normal(size=(60, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=60)
    model = BayesianLinearRegressor(**params, **FAST).fit(X, y)
    assert model.diagnostics_["num_divergences"] == 0
    if "prior_scale" in params or "noise" in params:
        assert np.all(np.abs(model.coef_) < 1e-6 * np.abs(y).max())
    else:
        assert model.coef_ == pytest.approx([1.0, 2.0], abs=0.5)


def _slopes_from_differences(X, y):
    """Least squares with an intercept on X - X[0]: exact differences, no mean."""
    design = np.column_stack([np.ones(len(X)), X - X[0]])
    return np.linalg.lstsq(design, y, rcond=None)[0][1:]


def test_merged_chunks_keep_the_digits_of_columns_far_from_zero(rng):
    """partial_fit and Dask merge means of columns at 1e13 without rounding them."""
    da = pytest.importorskip("dask.array")
    Z = rng.normal(size=(240, 2))
    X = Z + [1e13, -3e12]
    y = Z @ [1.0, 2.0] + rng.normal(size=240)
    exact = _slopes_from_differences(X, y)
    settings = dict(FAST, prior_scale=None)
    chunked = BayesianLinearRegressor(**settings)
    for rows in np.array_split(np.arange(240), 3):
        chunked.partial_fit(X[rows], y[rows])
    blocks = BayesianLinearRegressor(**settings).fit(
        da.from_array(X, chunks=(50, 2)), da.from_array(y, chunks=50)
    )
    for model in (chunked, blocks):
        assert _relative(model.coef_, exact) < 1e-9


def test_noise_resolved_above_the_rounding_of_offset_columns(rng):
    """y computed from centred data: its noise is far above X's rounding at 1e6."""
    n = 300
    Z = rng.normal(size=(n, 2))
    X = Z + 1e6
    y = Z @ [1.0, -1.0] + 1e-8 * rng.normal(size=n)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="y is an exact linear function")
        model = BayesianLinearRegressor(**FAST).fit(X, y)
    design = np.column_stack([np.ones(n), X - X[0]])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    assert model.sigma_ == pytest.approx(
        np.sqrt(residual @ residual / (n - 3)), rel=0.02
    )


def test_coefficients_beyond_float64_are_refused(rng):
    X = rng.normal(size=(40, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=40)
    with pytest.raises(ValueError, match="beyond float64"):
        BayesianLinearRegressor(**FAST).fit(X * 1e-250, y * 1e100)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"prior_scale": 1e-300}, "prior_scale is too small"),
        ({"intercept_prior_scale": 1e-300}, "intercept_prior_scale is too small"),
        ({"noise": 1e-300}, "noise=1e-300"),
    ],
)
def test_precisions_beyond_float64_name_their_setting(rng, params, match):
    X = rng.normal(size=(40, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=40)
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor(**params, **FAST).fit(X, y)


@pytest.mark.parametrize("coef_prior", ["normal", "student_t"])
def test_known_noise_far_below_the_data_does_not_freeze_the_chains(rng, coef_prior):
    X = rng.normal(size=(60, 2))
    y = X @ [1.0, 2.0] + rng.normal(size=60)
    model = BayesianLinearRegressor(noise=1e-25, coef_prior=coef_prior, **FAST)
    model.fit(X, y)
    assert model.diagnostics_["num_divergences"] == 0
    Xc = X - X.mean(0)
    ols = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(model.coef_, ols, rtol=1e-6)


@pytest.mark.parametrize(
    "transform",
    ["y * 1e200", "y * 1e-220", "X * 1e-200", "X * 1e250", "offset 1e9", "offset 1e12"],
)
def test_predictive_std_survives_scales_and_offsets(rng, transform):
    """return_std against the sd of predictive draws, whatever the magnitudes."""
    X = rng.normal(size=(80, 2))
    y = 1.0 + X @ [1.0, 2.0] + rng.normal(size=80)
    kind, factor = transform.split(" * ") if "*" in transform else ("offset", 0)
    if kind == "y":
        y = y * float(factor)
    elif kind == "X":
        X = X * float(factor)
    else:
        X = X + [float(transform.split()[1]), 0.0]
    model = BayesianLinearRegressor(num_samples=1000, random_state=0).fit(X, y)
    _, std = model.predict(X[:6], return_std=True)
    draws = model.sample_posterior_predictive(X[:6], random_state=1)
    unit = np.abs(draws).max()  # the sd of the draws computed without overflow
    # 4000 draws: the sd of a Gaussian sample is known to about 1.1% (1 / sqrt(2n)).
    np.testing.assert_allclose(std / unit, (draws / unit).std(axis=0), rtol=0.06)


def _exact_solve(rows, targets):
    """Least squares in exact rational arithmetic: the normal equations solved
    by Gaussian elimination on Fractions of the float64 inputs."""
    from fractions import Fraction

    A = [[Fraction(v) for v in row] for row in rows]
    b = [Fraction(v) for v in targets]
    k = len(A[0])
    gram = [[sum(r[i] * r[j] for r in A) for j in range(k)] for i in range(k)]
    rhs = [sum(r[i] * t for r, t in zip(A, b, strict=True)) for i in range(k)]
    for col in range(k):
        pivot = next(r for r in range(col, k) if gram[r][col] != 0)
        gram[col], gram[pivot] = gram[pivot], gram[col]
        rhs[col], rhs[pivot] = rhs[pivot], rhs[col]
        for r in range(k):
            if r != col and gram[r][col] != 0:
                factor = gram[r][col] / gram[col][col]
                gram[r] = [
                    a - factor * c for a, c in zip(gram[r], gram[col], strict=True)
                ]
                rhs[r] -= factor * rhs[col]
    return np.array([float(rhs[i] / gram[i][i]) for i in range(k)])


@pytest.mark.parametrize("offset, intercept_scale", [(1e9, 2.5), (1e6, 0.01)])
def test_intercept_prior_at_zero_with_columns_far_from_zero(
    rng, offset, intercept_scale
):
    """The textbook prior on the intercept at X = 0, for columns far from zero:
    its precision spans many orders of magnitude, yet the mean stays exact."""
    n, noise, scale = 60, 0.3, 2.5
    Z = rng.normal(size=(n, 2))
    X = Z + [offset, -offset]
    y = 4.0 + Z @ [1.0, -2.0] + noise * rng.normal(size=n)
    model = BayesianLinearRegressor(
        autoscale=False,
        noise=noise,
        prior_scale=scale,
        intercept_prior_scale=intercept_scale,
        intercept_prior_loc=0.0,
        **FAST,
    ).fit(X, y)
    rows = [[1.0 / noise, *(x / noise)] for x in X]
    rows += [[1.0 / intercept_scale, 0.0, 0.0], [0.0, 1.0 / scale, 0.0]]
    rows += [[0.0, 0.0, 1.0 / scale]]
    exact = _exact_solve(rows, [*(y / noise), 0.0, 0.0, 0.0])
    assert _relative(model.coef_, exact[1:]) < 1e-6


@pytest.mark.parametrize(
    "params, match",
    [
        ({"prior_scale": 1e12}, "prior_scale is too extreme"),
        ({"noise": 1e-30}, "horseshoe' cannot represent"),
        ({"intercept_prior_scale": 1e-30}, "horseshoe' cannot represent"),
    ],
)
def test_horseshoe_refuses_settings_its_float32_energy_cannot_hold(params, match):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, 0.0, 2.0] + rng.normal(size=60)
    with pytest.raises(ValueError, match=match):
        BayesianLinearRegressor(coef_prior="horseshoe", **params, **FAST).fit(X, y)
