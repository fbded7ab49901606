"""BayesianLinearRegressor: the scikit-learn façade over the NUTS engine."""

import sys
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import replace
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_consistent_length,
    check_is_fitted,
    check_X_y,
    column_or_1d,
    validate_data,
)

from ._arviz import copy_variable, extend, group_names, summary
from ._coef_priors import COEF_PRIORS
from ._dask import (
    by_block_lazily,
    check_dask_X,
    dask_statistics,
    is_dask_collection,
)
from ._design import decompose
from ._diagnostics import convergence_diagnostics, fit_report, warn_if_not_converged
from ._engine import sample_group_posterior, sample_posterior
from ._groups import (
    GroupedRows,
    group_statistics,
    refuse_unsupported_group_settings,
    validate_grouped_X,
)
from ._inference_data import (
    log_likelihood_inference_data,
    posterior_groups,
    predictive_inference_data,
    prior_inference_data,
)
from ._intercept_priors import INTERCEPT_PRIORS
from ._likelihoods import LIKELIHOODS
from ._noise_priors import NOISE_PRIORS
from ._numpyro_model import numpyro_model, site_descriptions
from ._posterior import GroupedPosterior, Posterior
from ._predictive import dense_rows, hdi, linear_predictor
from ._priors import resolve_priors
from ._simulate import sample_prior_parameters
from ._suffstats import distinct_weighted_rows, sufficient_statistics
from ._threads import single_threaded_blas
from ._warnings import warn_at_caller


def _annotated_graph(body, plate_sizes, descriptions):
    """Lines of a ``render_model`` graph with plate sizes and prior settings.

    NumPyro labels a plate by its name and a site by its distribution's
    family; a reader of the graph wants the sizes (``feature (3)``) and the
    settings (``coef ~ Normal(0, 2.5)``) too.
    """
    lines = []
    for line in body:
        for plate, size in plate_sizes.items():
            line = line.replace(f"label={plate} ", f'label="{plate} ({size})" ')
        if "distribution_description_node" in line and descriptions:
            head, _, tail = line.partition('label="')
            entries, _, rest = tail.partition('" ')
            described = []
            for entry in entries.split("\\l"):
                site, _, family = entry.partition(" ~ ")
                if site in descriptions and family != "Deterministic":
                    entry = f"{site} ~ {descriptions[site]}"
                described.append(entry)
            line = head + 'label="' + "\\l".join(described) + '" ' + rest
        lines.append(line)
    return lines


def _require_weight(stats):
    """Return ``stats``, or raise if every row of the batch has zero weight.

    scikit-learn checks this since 1.7 for in-memory weights; this check also
    covers Dask collections and older releases.
    """
    if stats.n_obs == 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return stats


#: The groups of idata_ that a fit makes.
_FIT_GROUPS = {"posterior", "sample_stats", "observed_data"}


@contextmanager
def _unchanged_on_failure(estimator):
    """Restore every attribute of ``estimator`` if the block raises.

    Validation sets ``n_features_in_`` and ``feature_names_in_`` before a fit
    can fail; this puts back the estimator as it was, fitted or not, whatever
    the failure (an error, a warning turned into one, KeyboardInterrupt).
    """
    saved = dict(vars(estimator))
    # A RandomState passed as random_state is advanced by the seed a fit draws.
    rng = getattr(estimator, "random_state", None)
    rng_state = rng.get_state() if isinstance(rng, np.random.RandomState) else None
    try:
        yield
    except BaseException:
        vars(estimator).clear()
        vars(estimator).update(saved)
        if rng_state is not None:
            rng.set_state(rng_state)
        raise


def _check_n_samples(n_samples):
    """Raise unless ``n_samples`` is a positive integer (``True`` is not one)."""
    if isinstance(n_samples, bool) or not (
        isinstance(n_samples, Integral) and n_samples >= 1
    ):
        raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")


def _coef_by_position(params, feature_names):
    """Turn ``params["coef"]`` given as {feature name: value} into an array."""
    if params is None:
        return params
    if not isinstance(params, Mapping):
        raise TypeError(
            "params must be a dict of fixed parameter values, such as "
            f"{{'sigma': 1.0}}; got {type(params).__name__} {params!r}."
        )
    if not isinstance(params.get("coef"), Mapping):
        return params
    named = params["coef"]
    if feature_names is None:
        raise ValueError(
            "params['coef'] is keyed by feature name, but the features have no "
            "names: pass X as a DataFrame, or coef as an array."
        )
    names = [str(name) for name in feature_names]
    if set(named) != set(names):
        raise ValueError(
            f"params['coef'] must name every feature exactly once: {names}; "
            f"got {list(named)}."
        )
    return {**params, "coef": np.array([named[name] for name in names], dtype=float)}


class BayesianLinearRegressor(RegressorMixin, BaseEstimator):
    """Bayesian linear regression sampled with NUTS.

    The model is ``y ~ Normal(intercept + X @ coef, sigma)`` with Normal priors
    on the coefficients and the intercept and a half-distribution prior on the
    noise scale ``sigma``. The posterior is sampled with NumPyro's No-U-Turn
    sampler on a compiled JAX kernel that sees only the sufficient statistics of
    the data, so fitting costs one pass over the rows plus a sampling time that
    does not depend on their number.

    ``score`` is the coefficient of determination R^2 of ``predict``, as for
    every scikit-learn regressor.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to fit an intercept. If False the data are not centred and the
        model has no intercept.

    prior_loc : float or array-like of shape (n_features,), default=0.0
        Means of the Normal priors of the coefficients, in the units of the
        coefficients.

    prior_scale : float, array-like of shape (n_features,) or None, default=2.5
        Standard deviations of the Normal priors of the coefficients. With
        ``autoscale=True`` they are multiplied by ``sd(y) / sd(x_j)``. ``None``
        puts a flat prior on the coefficients: the posterior mean is then the
        ordinary least-squares estimate.

    intercept_prior_loc : float or None, default=None
        Location (the mean) of the prior of the intercept. ``None`` means
        ``mean(y)`` when ``autoscale=True`` and 0 otherwise.

    intercept_prior_scale : float or None, default=2.5
        Scale of the intercept prior (the Normal's standard deviation),
        multiplied by ``sd(y)`` when ``autoscale=True``. ``None`` puts a flat
        prior on the intercept.

    intercept_prior : {"normal", "student_t"}, default="normal"
        Family of the intercept prior. ``"student_t"`` with
        ``intercept_prior_df=3`` is brms's default intercept prior; its
        heavier tails let the data move the intercept far from
        ``intercept_prior_loc``.

        .. versionadded:: 0.2

    intercept_prior_df : float in (0, 1e6], default=3.0
        Degrees of freedom of the Student-t intercept prior; unused by the
        Normal.

        .. versionadded:: 0.2

    noise_prior : {"exponential", "half_normal", "half_cauchy", "half_student_t", \
            "flat"}, default="exponential"
        Family of the prior of the noise scale ``sigma``. ``"half_student_t"``
        with ``noise_prior_df=3`` and ``noise_prior_scale=2.5`` is brms's
        default prior on ``sigma``. ``"flat"`` is uniform on ``(0, inf)``,
        Stan's prior when none is stated: it is improper, and the posterior is
        proper only if the total weight of the rows exceeds the number of
        parameters with flat priors plus one; fitting raises otherwise, and
        the prior predictive cannot sample it.

    noise_prior_scale : float, default=1.0
        Scale of the noise prior (the mean of the exponential), multiplied by
        ``sd(y)`` when ``autoscale=True``; unused by the flat prior.

    noise_prior_df : float in (0, 1e6], default=3.0
        Degrees of freedom of the half-Student-t noise prior; unused by the
        other families.

        .. versionadded:: 0.2

    noise : float or None, default=None
        If set, the noise scale is known and fixed to this value (in the units
        of ``y``) and ``noise_prior`` is unused.

    autoscale : bool, default=True
        Put the priors on the scale of the data, as rstanarm does: coefficient
        scales ``prior_scale * sd(y) / sd(x_j)``, intercept prior centred on
        ``mean(y)`` at the mean of ``X`` with scale ``intercept_prior_scale *
        sd(y)``, noise scale ``noise_prior_scale * sd(y)``. This makes the
        default priors weakly informative for data in any units. With
        ``autoscale=False`` every number is taken literally and the intercept
        prior is on the value at ``X = 0``, as in textbook models.

    num_warmup : int, default=1000
        Warmup (adaptation) iterations per chain, discarded.

    num_samples : int, default=1000
        Draws kept per chain.

    num_chains : int, default=4
        Number of chains, run vectorised on one device.

    target_accept_prob : float, default=0.8
        Target acceptance probability of NUTS step-size adaptation; raise it
        towards 1 if the sampler reports divergences.

    hdi_prob : float, default=0.94
        Probability mass of the highest-density intervals (``coef_hdi_``,
        ``predict_interval``, ``summary``), ArviZ's default.

    random_state : int, RandomState instance or None, default=None
        Seeds the sampler; an int makes fits exactly reproducible.

    progress_bar : bool, default=False
        Show a progress bar while sampling (phase, iterations, divergences so
        far) and a one-line report after the fit. The bar is a separate
        compiled variant of the sampler; without it the kernel has no
        callbacks at all.

    coef_prior : {"normal", "student_t", "laplace", "horseshoe"}, default="normal"
        Family of the coefficient priors, centred on ``prior_loc`` with scale
        ``prior_scale`` (autoscaled like the Normal's): Student-t with
        ``coef_prior_df`` degrees of freedom, Laplace with that scale, or the
        regularised horseshoe of Piironen and Vehtari (2017) for sparse
        problems, where ``prior_scale`` is the slab scale (the size allowed
        to large coefficients).

        .. versionadded:: 0.1

    coef_prior_df : float in (0, 1e6], default=4.0
        Degrees of freedom of the Student-t prior, or of the horseshoe's slab.
        With more than 1e6 the Student-t is the Normal to the sampler's float32
        precision: use ``coef_prior="normal"``.

    horseshoe_global_scale : float in [1e-12, 100], default=0.01
        Scale of the horseshoe's half-Cauchy global shrinkage, relative to the
        slab scale. Piironen and Vehtari suggest ``p0 / (p - p0) * sigma /
        (sqrt(n) * slab scale)`` for ``p0`` expected non-zero coefficients;
        above 1 it no longer shrinks.

    likelihood : {"normal", "student_t"}, default="normal"
        Family of the observation noise. ``"student_t"`` is robust
        regression: ``y_i ~ StudentT(df, intercept + x_i @ coef, sigma)``, with
        ``sigma`` the t scale and the same priors as the Normal model, as
        bambi's ``family="t"`` and brms's ``student()``. Its posterior does
        not reduce to sufficient statistics, so the sampler reads every row
        (held densely, in a compiled program per power-of-two bucket of rows),
        and ``partial_fit`` and Dask input raise an error. It takes
        ``coef_prior`` "normal", "student_t" or "laplace".

        .. versionadded:: 0.2

    likelihood_df : float in (0, 1e6] or None, default=None
        Degrees of freedom ``df`` of the Student-t likelihood. ``None`` learns
        them under a Gamma(2, 0.1) prior (shape 2, rate 0.1; mean 20), as brms
        and bambi do; a number fixes them. Unused by the Normal likelihood.

        .. versionadded:: 0.2

    group_column : str, int or None, default=None
        The column of ``X`` that holds group labels (strings, integers or
        categoricals): its name when ``X`` is a DataFrame, else its position.
        The intercept then varies by group, partially pooled: ``u[g] ~
        Normal(0, tau_0)``. The column is not a feature (``coef_`` leaves it
        out). Needs the Normal likelihood, Normal (or flat) coefficient and
        intercept priors, ``fit_intercept=True`` and one target.

        .. versionadded:: 0.2

    group_slopes : list of str or int, default=None
        Features (names or positions in ``X``) whose slopes also vary by group:
        ``v[g, j] ~ Normal(0, tau_j)``, on the feature as given.

        .. versionadded:: 0.2

    group_prior_scale : float > 0, default=1.0
        Scale of the half-normal prior of each group-level sd ``tau``; times
        ``sd(y)`` for the intercept and ``sd(y) / sd(x_j)`` for a slope when
        ``autoscale=True``, literal otherwise.

        .. versionadded:: 0.2

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Posterior means of the coefficients. Under Normal priors they are
        Rao-Blackwellised: the average over the draws of ``sigma`` of the exact
        conditional mean given ``sigma``, which agrees with the mean of
        ``posterior_samples_["coef"]`` within its Monte Carlo error, has a
        smaller one, and is exact when ``noise`` is set. Under other
        ``coef_prior`` families they are the means of the draws.

    intercept_ : float or ndarray of shape (n_targets,)
        Posterior mean of the intercept, Rao-Blackwellised likewise; 0.0 if
        ``fit_intercept=False``.

    sigma_ : float or ndarray of shape (n_targets,)
        Posterior mean of the noise scale. Unlike in
        :class:`~sklearn.linear_model.BayesianRidge`, where ``sigma_`` is the
        covariance of the coefficients, here it is the standard deviation of
        the observation noise.

    posterior_samples_ : dict of ndarray
        Posterior draws of ``"intercept"``, ``"coef"`` and ``"sigma"`` (and the
        horseshoe's ``"local_scale"``, ``"global_scale"``, ``"slab_scale"``;
        the Student-t likelihood's ``"df"``), chains concatenated, draws on
        axis 0.

    coef_hdi_ : ndarray of shape (n_features, 2) or (n_targets, n_features, 2)
        Highest-density intervals of the coefficients at ``hdi_prob``.

    df_ : float or ndarray of shape (n_targets,)
        With ``likelihood="student_t"`` only: the posterior mean of the
        likelihood's degrees of freedom, or their fixed value.

    idata_ : arviz.InferenceData or xarray.DataTree
        The installed ArviZ's container of a fit: ``InferenceData`` on ArviZ
        0.x, ``xarray.DataTree`` on ArviZ 1.x, with the same groups, dims and
        coords. Groups ``posterior`` (dims ``chain``, ``draw``, ``feature``),
        ``sample_stats`` and ``observed_data``. Built from the draws on first
        use, so that fitting and predicting never import ArviZ.

    diagnostics_ : dict
        ``max_r_hat``, ``min_ess_bulk``, ``num_divergences``,
        ``num_chains`` and ``num_draws``: rank-normalised split r_hat and bulk
        ESS as :func:`arviz.rhat` and :func:`arviz.ess` define them, over the
        parameters that vary.

    groups_ : ndarray of shape (n_groups,)
        With ``group_column`` only: the group labels seen in training, sorted.

    group_effects_ : pandas.DataFrame of shape (n_groups, 1 + len(group_slopes))
        With ``group_column`` only: posterior means of each group's deviations,
        indexed by ``groups_``, with columns ``"intercept"`` and then the
        varying-slope features. Their draws are
        ``posterior_samples_["group_effects"]`` (draws, groups, effects) and
        ``idata_.posterior["group_effects"]`` (dims ``group``, ``effect``).

    group_sd_ : ndarray of shape (1 + len(group_slopes),)
        With ``group_column`` only: posterior means of the group-level sds, in
        the order of ``group_effects_``'s columns; draws in
        ``posterior_samples_["group_sd"]``.

    n_features_in_ : int
        Number of features seen during ``fit`` (with the group column).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.linear_model.BayesianRidge : Closed-form empirical-Bayes ridge.
    sklearn.linear_model.LinearRegression : Ordinary least squares.

    Notes
    -----
    With weights ``w_i`` the log-likelihood depends on the data only through
    ``n = sum(w)``, the weighted means of ``X`` and ``y``, and the centred
    cross-products ``S = X_c' W X_c``, ``X_c' W y_c`` and ``y_c' W y_c``:
    ``RSS(coef) = RSS_min + n (alpha - mean(y))**2 + (coef - coef_ols)' S
    (coef - coef_ols)``, where ``alpha`` is the intercept at the feature means.
    The sampler works in a basis where, given ``sigma``, the coefficients are
    independent standard normals; see the user guide.

    Chains run vectorised in one compiled program: on a CPU four chains cost
    about 1.6 times one, on a GPU they run in parallel. To use several CPU
    cores, run several fits at once (for instance ``GridSearchCV(n_jobs=2)``).

    References
    ----------
    Hoffman, M. D. and Gelman, A. (2014). The No-U-Turn Sampler. JMLR 15.

    Gabry, J. and Goodrich, B. (2020). Prior distributions for rstanarm models.

    Examples
    --------
    >>> import numpy as np
    >>> from skbayes import BayesianLinearRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 2))
    >>> y = 1.0 + X @ [2.0, -1.0] + rng.normal(scale=0.5, size=1000)
    >>> reg = BayesianLinearRegressor(random_state=0).fit(X, y)
    >>> reg.coef_.round(1)
    array([ 2., -1.])
    >>> reg.predict_interval(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "prior_loc": [Real, "array-like"],
        "prior_scale": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "intercept_prior_loc": [Real, None],
        "intercept_prior_scale": [Interval(Real, 0, None, closed="neither"), None],
        "intercept_prior": [StrOptions(set(INTERCEPT_PRIORS))],
        "intercept_prior_df": [Interval(Real, 0, 1e6, closed="right")],
        "noise_prior": [StrOptions(set(NOISE_PRIORS))],
        "noise_prior_scale": [Interval(Real, 0, None, closed="neither")],
        "noise": [Interval(Real, 0, None, closed="neither"), None],
        "autoscale": ["boolean"],
        "num_warmup": [Interval(Integral, 0, None, closed="left")],
        "num_samples": [Interval(Integral, 1, None, closed="left")],
        "num_chains": [Interval(Integral, 1, None, closed="left")],
        "target_accept_prob": [Interval(Real, 0, 1, closed="neither")],
        "hdi_prob": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "progress_bar": ["boolean"],
        "coef_prior": [StrOptions(set(COEF_PRIORS))],
        # Beyond these the float32 sampler cannot resolve the prior: a Student-t
        # with more than 1e6 degrees of freedom is the Normal to that precision.
        "coef_prior_df": [Interval(Real, 0, 1e6, closed="right")],
        "noise_prior_df": [Interval(Real, 0, 1e6, closed="right")],
        "horseshoe_global_scale": [Interval(Real, 1e-12, 1e2, closed="both")],
        "likelihood": [StrOptions(set(LIKELIHOODS))],
        "likelihood_df": [Interval(Real, 0, 1e6, closed="right"), None],
        "group_column": [str, Integral, None],
        "group_slopes": [list, tuple, np.ndarray, str, Integral, None],
        "group_prior_scale": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        fit_intercept=True,
        prior_loc=0.0,
        prior_scale=2.5,
        intercept_prior_loc=None,
        intercept_prior_scale=2.5,
        intercept_prior="normal",
        intercept_prior_df=3.0,
        noise_prior="exponential",
        noise_prior_scale=1.0,
        noise_prior_df=3.0,
        noise=None,
        autoscale=True,
        num_warmup=1000,
        num_samples=1000,
        num_chains=4,
        target_accept_prob=0.8,
        hdi_prob=0.94,
        random_state=None,
        progress_bar=False,
        coef_prior="normal",
        coef_prior_df=4.0,
        horseshoe_global_scale=0.01,
        likelihood="normal",
        likelihood_df=None,
        group_column=None,
        group_slopes=None,
        group_prior_scale=1.0,
    ):
        self.fit_intercept = fit_intercept
        self.prior_loc = prior_loc
        self.prior_scale = prior_scale
        self.intercept_prior_loc = intercept_prior_loc
        self.intercept_prior_scale = intercept_prior_scale
        self.intercept_prior = intercept_prior
        self.intercept_prior_df = intercept_prior_df
        self.noise_prior = noise_prior
        self.noise_prior_scale = noise_prior_scale
        self.noise_prior_df = noise_prior_df
        self.noise = noise
        self.autoscale = autoscale
        self.num_warmup = num_warmup
        self.num_samples = num_samples
        self.num_chains = num_chains
        self.target_accept_prob = target_accept_prob
        self.hdi_prob = hdi_prob
        self.random_state = random_state
        self.progress_bar = progress_bar
        self.coef_prior = coef_prior
        self.coef_prior_df = coef_prior_df
        self.horseshoe_global_scale = horseshoe_global_scale
        self.likelihood = likelihood
        self.likelihood_df = likelihood_df
        self.group_column = group_column
        self.group_slopes = group_slopes
        self.group_prior_scale = group_prior_scale

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Sample the posterior of the regression of ``y`` on ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data. A Dask array or DataFrame is reduced by Dask, block
            by block where the data live; only the sufficient statistics come
            back, and ``idata_`` then has no ``observed_data`` group.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; each column of a 2-D ``y`` is an independent regression.
            With a Dask ``X``, a Dask collection split into the same blocks of
            rows (or an in-memory array, split along the row chunks of ``X``).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights: a weight of 2 counts a row twice.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if is_dask_collection(X):
            self._check_likelihood_reduces("Dask input")
        with _unchanged_on_failure(self), single_threaded_blas():
            self._forget_groups()
            if self.group_column is not None:
                y, stats = self._grouped_statistics(X, y, sample_weight, reset=True)
                return self._fit_group_statistics(
                    stats, observed=y, weighted=sample_weight is not None
                )
            y, stats, rows = self._validated_statistics(X, y, sample_weight, reset=True)
            observed = None if is_dask_collection(X) else y
            return self._fit_statistics(
                stats,
                multi_output=np.ndim(y) == 2,
                observed=observed,
                weighted=sample_weight is not None,
                rows=rows,
            )

    def _check_likelihood_reduces(self, what, error=ValueError):
        """Raise unless the likelihood reduces to the statistics ``what`` keeps."""
        if LIKELIHOODS[self.likelihood].NEEDS_ROWS:
            raise error(
                f"likelihood={self.likelihood!r} needs every row at once, but "
                f"{what} keeps only sufficient statistics, which determine the "
                "Normal likelihood alone. Fit in-memory data with fit(), or use "
                "likelihood='normal'."
            )
        return True

    @available_if(
        lambda self: self._check_likelihood_reduces("partial_fit", AttributeError)
    )
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Add a chunk of rows to the statistics and resample the posterior.

        The statistics of all chunks seen so far are merged exactly, so after
        the last chunk the posterior is the one a single ``fit`` on all rows
        gives: the same statistics up to float64 rounding, and with the same
        ``random_state`` the same draws up to Monte Carlo error. Chunking
        changes nothing statistically. The rows themselves are not kept, so
        ``idata_`` has no ``observed_data`` group. Only for the Normal
        likelihood: with ``likelihood="student_t"`` the estimator has no
        ``partial_fit`` (accessing it raises an AttributeError that says why).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A chunk of training data; Dask collections are reduced as in
            :meth:`fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Its targets, with the same number of targets in every chunk.
        sample_weight : array-like of shape (n_samples,), default=None
            Frequency weights of the chunk's rows.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        first_chunk = not hasattr(self, "_stats")
        with _unchanged_on_failure(self), single_threaded_blas():
            if first_chunk:
                self._forget_groups()
            if self.group_column is not None:
                y, stats = self._grouped_statistics(
                    X, y, sample_weight, reset=first_chunk
                )
                if not first_chunk:
                    stats = self._stats.merge(stats)
                return self._fit_group_statistics(stats, observed=None)
            y, stats, _ = self._validated_statistics(
                X, y, sample_weight, reset=first_chunk
            )
            if not first_chunk:
                if (np.ndim(y) == 2) != (self.coef_.ndim == 2) or (
                    stats.n_targets != self._stats.n_targets
                ):
                    raise ValueError(
                        f"y has {stats.n_targets} target(s) of {np.ndim(y)} "
                        f"dimension(s); the earlier chunks had "
                        f"{self._stats.n_targets} of {self.coef_.ndim}."
                    )
                stats = self._stats.merge(stats)
            return self._fit_statistics(
                stats, multi_output=np.ndim(y) == 2, observed=None
            )

    def _validated_statistics(self, X, y, sample_weight, reset):
        """Validate a batch of rows and reduce it to sufficient statistics.

        Returns
        -------
        y : ndarray or dask collection of shape (n_samples,) or (n_samples, n_targets)
            The validated targets (a Dask ``y`` is validated block by block).
        stats : SufficientStatistics
        rows : tuple or None
            For a likelihood that reads the rows, ``(X, Y, sample_weight)`` of
            the distinct rows; else None.
        """
        if is_dask_collection(X):
            # The rows stay with Dask: only the shape, dtype, feature count and
            # names are checked here (the names on an empty frame with the same
            # columns, which scikit-learn reads them from), the values where each
            # block is reduced.
            X = check_dask_X(X)
            if hasattr(X, "columns"):
                import pandas as pd

                header = pd.DataFrame(columns=X.columns)
            else:
                header = X
            validate_data(self, header, reset=reset, skip_check_array=True)
            return y, _require_weight(dask_statistics(X, y, sample_weight)), None
        shape = getattr(y, "shape", None)
        if shape is not None and len(shape) == 2 and shape[1] == 0:
            raise ValueError(
                f"Found y with 0 target(s) (shape={tuple(shape)}) while a minimum of "
                "1 is required: y has shape (n_samples,) or (n_samples, n_targets)."
            )
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse="csr",
            y_numeric=True,
            multi_output=True,
            dtype=[np.float64, np.float32],
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        Y = y.reshape(y.shape[0], -1)
        if not LIKELIHOODS[self.likelihood].NEEDS_ROWS:
            stats = sufficient_statistics(X, Y, sample_weight)
            return y, _require_weight(stats), None
        # The likelihood reads the rows: the distinct ones with their weights,
        # so that weights and repeated rows are the same data exactly. The
        # statistics count the rows as given.
        rows = distinct_weighted_rows(X, Y, sample_weight)
        stats = replace(sufficient_statistics(*rows), n_rows=X.shape[0])
        return y, _require_weight(stats), rows

    def _grouped_statistics(self, X, y, sample_weight, reset):
        """Validate a batch of grouped rows and reduce it to per-group statistics.

        Returns
        -------
        y : ndarray of shape (n_samples,)
        stats : GroupStatistics
        """
        refuse_unsupported_group_settings(self, X, y)
        rows = validate_grouped_X(self, X, reset=reset)
        y = column_or_1d(
            check_array(y, ensure_2d=False, dtype=np.float64, input_name="y"),
            warn=False,
        )
        check_consistent_length(rows.X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, rows.X, dtype=np.float64, ensure_non_negative=True
            )
        stats = group_statistics(rows.X, y[:, None], rows.labels, sample_weight)
        return y, stats

    def _fit_group_statistics(self, stats, observed, weighted=False):
        """Sample the posterior of the model with group-level effects.

        As :meth:`_fit_statistics`, from the statistics of every group.
        """
        pooled = _require_weight(stats.pooled)
        design = decompose(pooled, True)
        (prior,) = resolve_priors(self.get_params(), pooled.n_features, design)
        _, slopes = self._group_layout
        tau_scale = self.group_prior_scale * np.ones(1 + slopes.shape[0])
        if self.autoscale:
            y_scale = design.y_scale[0]
            tau_scale = tau_scale * np.concatenate(
                [[y_scale], y_scale / design.x_scale[slopes]]
            )
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        start = time.perf_counter()
        draws = sample_group_posterior(
            stats,
            prior,
            slopes,
            tau_scale,
            num_warmup=self.num_warmup,
            num_samples=self.num_samples,
            num_chains=self.num_chains,
            target_accept_prob=self.target_accept_prob,
            seed=seed,
            progress_bar=self.progress_bar,
        )
        elapsed = time.perf_counter() - start
        fitted = self._posterior_attributes(
            draws,
            False,
            observed,
            fixed_noise=self.noise is not None,
            group_labels=stats.labels,
        )
        effects_mean = draws.group_effects_mean[0]
        fitted["_posterior"] = GroupedPosterior(
            fitted["_posterior"], stats.labels, slopes, effects_mean
        )
        import pandas as pd

        fitted.update(
            groups_=stats.labels,
            group_effects_=pd.DataFrame(
                effects_mean, index=stats.labels, columns=self._effect_names()
            ),
            group_sd_=draws.scales["group_sd"].mean(axis=(0, 1))[0],
        )
        warn_if_not_converged(fitted["diagnostics_"])
        vars(self).update(fitted, _stats=stats, _priors=[prior], _weighted=weighted)
        if self.progress_bar:
            print(fit_report(self.diagnostics_, elapsed), file=sys.stderr)
        return self

    def _forget_groups(self):
        """Drop what a fit with group-level effects set, before a new fit."""
        for name in ("_group_layout", "groups_", "group_effects_", "group_sd_"):
            vars(self).pop(name, None)

    def _refuse_with_groups(self, method):
        """Raise for a method that does not take group-level effects yet."""
        if self.group_column is not None:
            raise ValueError(
                f"{method} does not draw group-level effects yet: it takes a model "
                "without group_column."
            )

    def _effect_names(self):
        """Names of the group-level effects: the intercept, then the slopes."""
        _, slopes = self._group_layout
        names = self._feature_names()
        return ["intercept", *(str(names[j]) for j in slopes)]

    def _fit_statistics(self, stats, multi_output, observed, weighted=False, rows=None):
        """Sample the posterior given the statistics and set the fitted attributes.

        ``observed`` is the training ``y`` for ``observed_data``, or None when
        the rows are not kept (``partial_fit``); ``rows`` are the training
        rows, for a likelihood that needs them. Everything is computed first
        and the fitted attributes are set together at the end, so that a
        failure on the way leaves them as they were.
        """
        design = decompose(stats, self.fit_intercept)
        priors = resolve_priors(self.get_params(), stats.n_features, design)
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        start = time.perf_counter()
        draws = sample_posterior(
            design,
            priors,
            num_warmup=self.num_warmup,
            num_samples=self.num_samples,
            num_chains=self.num_chains,
            target_accept_prob=self.target_accept_prob,
            seed=seed,
            progress_bar=self.progress_bar,
            data=rows,
        )
        elapsed = time.perf_counter() - start
        exact = draws.exact_fit
        if exact.any():
            warn_at_caller(
                "y is an exact linear function of X, on more rows than the fit has "
                "parameters: the posterior of the noise scale is improper and piles "
                "up at sigma = 0, so the fit is its limit sigma -> 0. Pass noise= to "
                "assume a noise level instead.",
                UserWarning,
            )
        fitted = self._posterior_attributes(
            draws,
            multi_output,
            observed,
            # sigma is left out of the posterior only if no target sampled it.
            fixed_noise=self.noise is not None or exact.all(),
        )
        warn_if_not_converged(fitted["diagnostics_"])
        # One update, so that an interrupt cannot leave half the attributes new.
        vars(self).update(fitted, _stats=stats, _priors=priors, _weighted=weighted)
        if self.progress_bar:
            print(fit_report(self.diagnostics_, elapsed), file=sys.stderr)
        return self

    def _posterior_attributes(
        self, draws, multi, observed, fixed_noise, group_labels=None
    ):
        """Every fitted attribute from posterior draws, as a dict.

        ``observed`` (the training ``y``, or None) becomes ``observed_data``;
        ``fixed_noise`` says that sigma was not sampled (known noise, or the
        limit of an exact fit): it is then left out of the posterior group;
        ``group_labels`` are the coordinates of the groups' effects.
        """

        posterior = Posterior.from_draws(draws, self.likelihood)
        sigma = posterior.sigma.mean(axis=0)
        target_names = [f"y{k}" for k in range(posterior.n_targets)]
        group_coords = None
        if group_labels is not None:
            group_coords = {"group": list(group_labels), "effect": self._effect_names()}
        groups = posterior_groups(
            draws,
            multi,
            observed,
            self._feature_names(),
            target_names,
            known_noise=fixed_noise,
            fit_intercept=self.fit_intercept,
            group_coords=group_coords,
        )
        coef_hdi = hdi(posterior.coef, self.hdi_prob)
        likelihood_attributes = {}
        if "df" in posterior.scales:
            df = posterior.scales["df"].mean(axis=0)
            likelihood_attributes["df_"] = df if multi else float(df[0])
        return {
            **likelihood_attributes,
            "coef_": draws.coef_mean if multi else draws.coef_mean[0],
            "intercept_": (
                draws.intercept_mean if multi else float(draws.intercept_mean[0])
            ),
            "sigma_": sigma if multi else float(sigma[0]),
            "coef_hdi_": coef_hdi if multi else coef_hdi[0],
            "diagnostics_": convergence_diagnostics(
                groups.posterior, groups.sample_stats["diverging"]
            ),
            "_posterior": posterior,
            # idata_ is built from these on first use.
            "_posterior_groups": groups,
            "_idata": None,
        }

    @property
    def idata_(self):
        """The fit as ArviZ's container, built on first use (see class doc)."""
        if vars(self).get("_idata") is not None:
            return self._idata
        if "_posterior_groups" not in vars(self):
            raise AttributeError(
                "idata_ is set by fit (or by sample_prior_predictive with "
                "extend_inferencedata=True): this BayesianLinearRegressor is not "
                "fitted."
            )
        self._idata = self._posterior_groups.to_inference_data()
        return self._idata

    @idata_.setter
    def idata_(self, idata):
        self._idata = idata

    def __getstate__(self):
        # An idata_ that holds only the fit's own groups is rebuilt on use, so a
        # pickled model loads (and predicts) without ArviZ; one extended with
        # more groups is kept.
        state = super().__getstate__()
        idata = state.get("_idata")
        if idata is not None and self._idata_is_the_fits(idata):
            state = {**state, "_idata": None}
        return state

    def _idata_is_the_fits(self, idata):
        """Whether ``idata`` holds nothing but what the fit's draws rebuild."""
        groups = self.__dict__.get("_posterior_groups")
        return (
            groups is not None
            and set(group_names(idata)) <= _FIT_GROUPS
            and set(idata["posterior"].data_vars) == set(groups.posterior)
        )

    @property
    def posterior_samples_(self):
        """Posterior draws by name, chains concatenated (see class doc)."""
        if "_posterior" not in vars(self):
            raise AttributeError(
                "posterior_samples_ is set by fit: this BayesianLinearRegressor is "
                "not fitted."
            )
        return {
            name: self._for_targets(values, axis=1)
            for name, values in self._posterior.samples().items()
        }

    def _for_targets(self, values, axis=-1):
        """Results with a target axis at ``axis``, without it for a 1-D ``y``."""
        return values if self.coef_.ndim == 2 else np.take(values, 0, axis=axis)

    def _feature_names(self):
        """Names of the population-level features (the group column left out)."""
        n_features = self.n_features_in_
        names = list(
            getattr(self, "feature_names_in_", [f"x{j}" for j in range(n_features)])
        )
        layout = vars(self).get("_group_layout")
        if layout is not None:
            del names[layout[0]]
        return names

    def _target_names(self):
        n_targets = 1 if self.coef_.ndim == 1 else self.coef_.shape[0]
        return [f"y{k}" for k in range(n_targets)]

    @property
    def _n_training_rows(self):
        return self._stats.n_rows

    def _check_training_rows(self, X, Y, sample_weight):
        """Raise unless ``X``, ``Y`` and the weights reduce to the fit's statistics.

        The rows are not kept, but their statistics are: rows of X out of order
        against y, other rows, or other weights change them.
        """
        if isinstance(X, GroupedRows):
            statistics = group_statistics(X.X, Y, X.labels, sample_weight)
        else:
            statistics = sufficient_statistics(X, Y, sample_weight)
        same = statistics.matches(self._stats)
        if not same:
            raise ValueError(
                "X (and sample_weight) must be the training data as passed to fit, "
                "with the rows in the same order as y: their statistics differ "
                "from the fit's."
            )

    def _observed(self):
        """The training targets kept in ``idata_``; an error when none were kept."""
        observed = self._posterior_groups.observed
        if observed is None:
            raise ValueError(
                "A model fitted with partial_fit or on Dask data keeps no rows: the "
                "groups and checks at the training rows need a fit on in-memory data."
            )
        return observed

    def _validate_X(self, X):
        """Check ``X`` as ``fit`` does: feature count, names, values.

        A Dask collection is brought into memory first (as a DataFrame when it
        is one, so its column names are checked like a pandas DataFrame's):
        the methods that call this need every row at once.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            X = X.compute()
        if vars(self).get("_group_layout") is not None:
            return validate_grouped_X(self, X, reset=False)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        return X.astype(np.float64, copy=False)

    def predict(
        self, X, return_std=False, return_interval=False, prob=None, quantiles=None
    ):
        """Posterior mean of the regression function, optionally with its spread.

        Deterministic: it uses the posterior means, not fresh random draws.
        Every predictive summary has a keyword here, so that a
        :class:`~sklearn.pipeline.Pipeline` ending in this estimator forwards
        it: ``pipe.predict(X, return_interval=True)`` transforms ``X`` and
        returns what :meth:`predict_interval` returns, as
        ``pipe.predict(X, return_std=True)`` does for the sd.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Query points. For a Dask array or DataFrame the results are Dask
            arrays, computed block by block when asked for.
        return_std : bool, default=False
            Also return the standard deviation of the posterior predictive
            distribution of a new observation: parameter uncertainty plus noise.
            With ``likelihood="student_t"`` the noise variance of a draw is
            ``sigma**2 * df / (df - 2)``; if any draw has ``df <= 2`` the
            predictive variance is infinite and the sd is ``inf`` (intervals
            and quantiles stay finite).
        return_interval : bool, default=False
            Also return the highest-density interval of a new observation, as
            :meth:`predict_interval` gives it.
        prob : float, default=None
            Mass of that interval (``hdi_prob`` by default); only with
            ``return_interval=True``.
        quantiles : float or array-like of floats in (0, 1), default=None
            Also return these quantiles of a new observation, as
            :meth:`predict_quantiles` gives them.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Posterior mean of ``intercept + X @ coef``.
        y_std : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Posterior predictive standard deviation; only if ``return_std``.
        y_interval : ndarray of shape (n_samples, [n_targets,] 2)
            Only if ``return_interval``.
        y_quantiles : ndarray of shape (n_samples, [n_targets,] n_quantiles)
            Only if ``quantiles`` is given.

        When more than ``y_mean`` is asked for, the results come as a tuple in
        this order.
        """
        for name, flag in (
            ("return_std", return_std),
            ("return_interval", return_interval),
        ):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False; got {flag!r}.")
        if prob is not None and not return_interval:
            raise ValueError(
                "prob is the mass of the interval that return_interval=True "
                "returns; pass return_interval=True with it."
            )
        results = [self._predict_mean(X, return_std)]
        if return_std:
            results = list(results[0])
        if return_interval:
            results.append(self.predict_interval(X, prob=prob))
        if quantiles is not None:
            results.append(self.predict_quantiles(X, quantiles))
        return results[0] if len(results) == 1 else tuple(results)

    def _predict_mean(self, X, return_std):
        """The posterior mean at ``X``, and the predictive sd if ``return_std``."""
        if is_dask_collection(X):
            outputs = [()] * (1 + return_std)
            return by_block_lazily(self, X, "predict", outputs, return_std=return_std)
        X = self._validate_X(X)
        y_mean = self._for_targets(self._posterior.mean(X))
        if not return_std:
            return y_mean
        return y_mean, self._for_targets(self._posterior.predictive_std(X))

    def predict_interval(self, X, prob=None):
        """Highest-density interval of the posterior predictive of new observations.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Query points. For a Dask array or DataFrame the result is a Dask
            array, computed block by block when asked for.
        prob : float, default=None
            Probability mass of the interval; defaults to ``hdi_prob``.

        Returns
        -------
        interval : ndarray of shape (n_samples, 2) or (n_samples, n_targets, 2)
            Lower and upper bounds. The same at every call: the noise is added
            to the posterior draws with fixed stratified quantiles.
        """
        prob = self.hdi_prob if prob is None else prob
        if not (isinstance(prob, Real) and 0 < prob < 1):
            raise ValueError(f"prob must be in (0, 1); got {prob!r}.")
        if is_dask_collection(X):
            return by_block_lazily(self, X, "predict_interval", [(2,)], prob=prob)
        X = self._validate_X(X)
        return self._for_targets(self._posterior.interval(X, prob), axis=1)

    def predict_quantiles(self, X, quantiles):
        """Quantiles of the posterior predictive distribution of new observations.

        Named as in skpro; the same at every call, like ``predict_interval``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Query points. For a Dask array or DataFrame the result is a Dask
            array, computed block by block when asked for.
        quantiles : float or array-like of floats in (0, 1)
            Probability levels.

        Returns
        -------
        values : ndarray of shape (n_samples, [n_targets,] n_quantiles)
        """
        levels = np.atleast_1d(np.asarray(quantiles))
        if (
            levels.dtype.kind not in "iuf"
            or levels.ndim != 1
            or not np.all((levels > 0) & (levels < 1))
        ):
            raise ValueError(
                "quantiles must be a number or a 1-D array of numbers in (0, 1); "
                f"got {quantiles!r}."
            )
        levels = levels.astype(np.float64)
        if is_dask_collection(X):
            return by_block_lazily(
                self, X, "predict_quantiles", [levels.shape], quantiles=levels
            )
        X = self._validate_X(X)
        return self._for_targets(self._posterior.quantiles(X, levels), axis=1)

    def sample_y(self, X, n_samples=1, random_state=0):
        """Draws of the regression function at ``X``, laid out as GPR's ``sample_y``.

        Each draw is one posterior draw of ``intercept + X @ coef`` evaluated
        jointly at every row, which is what Thompson sampling and Bayesian
        optimisation code written for
        :meth:`sklearn.gaussian_process.GaussianProcessRegressor.sample_y`
        expects. For draws of new noisy observations use
        :meth:`sample_posterior_predictive`.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
            Query points.
        n_samples : int, default=1
            Number of function draws.
        random_state : int, RandomState instance or None, default=0
            Seeds the choice of posterior draws (0 by default, as in
            GaussianProcessRegressor).

        Returns
        -------
        y_samples : ndarray of shape (n_samples_X, [n_targets,] n_samples)
        """
        _check_n_samples(n_samples)
        X = self._validate_X(X)
        rng = check_random_state(random_state)
        n_draws = self._posterior.n_draws
        index = rng.choice(n_draws, n_samples, replace=n_samples > n_draws)
        functions = np.moveaxis(self._posterior.functions(X, index), 0, -1)
        return self._for_targets(functions, axis=1)

    def sample_posterior_predictive(
        self,
        X,
        n_samples=None,
        random_state=None,
        extend_inferencedata=False,
        predictions=False,
    ):
        """Draw new observations at ``X`` from the posterior predictive distribution.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Query points.
        n_samples : int, default=None
            Number of draws; ``None`` uses every posterior draw once, otherwise
            posterior draws are picked at random (with replacement only if more
            are asked for than there are).
        random_state : int, RandomState instance or None, default=None
            Seeds the choice of draws and the observation noise.
        extend_inferencedata : bool, default=False
            Also add the draws to ``idata_``, as PyMC's
            ``extend_inferencedata=True`` does: ``y`` (new observations) and
            ``mu`` (the regression function) with ``chain`` and ``draw`` dims,
            and ``X``. Requires ``n_samples=None``.
        predictions : bool, default=False
            With ``extend_inferencedata``: ``X`` is new data, stored in the
            ``predictions`` group (rows ``pred_id``) and
            ``predictions_constant_data``. Otherwise ``X`` must be the training
            rows, stored in ``posterior_predictive`` (rows ``obs_id``, matching
            ``observed_data``, as posterior predictive checks need) and
            ``constant_data``.

        Returns
        -------
        y_draws : ndarray of shape (n_samples, n_rows) or (n_samples, n_rows, n_targets)
        """
        X = self._validate_X(X)
        rng = np.random.default_rng(check_random_state(random_state).randint(2**31))
        n_draws = self._posterior.n_draws
        if n_samples is None:
            index = np.arange(n_draws)
        elif extend_inferencedata:
            raise ValueError(
                "extend_inferencedata=True keeps every draw with its chain; "
                "leave n_samples=None."
            )
        else:
            _check_n_samples(n_samples)
            index = rng.choice(n_draws, n_samples, replace=n_samples > n_draws)
        if extend_inferencedata and not predictions:
            self._observed()
        n_observed = self._n_training_rows
        if extend_inferencedata and not predictions:
            if X.shape[0] != n_observed:
                raise ValueError(
                    f"The posterior predictive group is at the {n_observed} training "
                    f"rows, but X has {X.shape[0]}; pass predictions=True for new "
                    "rows."
                )
            if not self._weighted:
                # The fit's weights are not kept: only an unweighted fit's rows
                # can be checked.
                observed = self._observed()
                self._check_training_rows(
                    X, observed.reshape(observed.shape[0], -1), None
                )

        mu_draws, y_draws = (
            self._for_targets(draws)
            for draws in self._posterior.observations(X, index, rng)
        )
        if extend_inferencedata:
            group = "predictions" if predictions else "posterior_predictive"
            extend(
                self.idata_,
                predictive_inference_data(
                    group,
                    y_draws,
                    mu_draws,
                    dense_rows(X),
                    self.num_chains,
                    self._feature_names(),
                    self._target_names(),
                ),
            )
            if not predictions:
                # PyMC and NumPyro keep the regression function at the training
                # rows in the posterior too, as a deterministic; ArviZ's
                # plot_lm(y_model="mu") reads it there.
                copy_variable(self.idata_, "mu", "posterior_predictive", "posterior")
        return y_draws

    def log_pointwise_predictive_density(self, X, y):
        """Log posterior predictive density of each row of ``y`` at ``X``.

        ``log mean_s p(y_i | intercept_s + X_i coef_s, sigma_s)`` over the
        posterior draws ``s``: the log pointwise predictive density of Gelman,
        Hwang and Vehtari (2014), for held-out data. Computed in chunks of
        rows; :func:`skbayes.metrics.log_predictive_density` is its mean.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        lppd : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        X = self._validate_X(X)
        Y = self._validate_targets(X, y)
        return self._for_targets(self._posterior.log_predictive_density(X, Y))

    def _validate_targets(self, X, y):
        """``y`` as float64 (n_samples, n_targets), checked against ``X`` and fit."""
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y has {y.shape[0]} rows but X has {X.shape[0]}; they must match."
            )
        Y = y.reshape(y.shape[0], -1)
        if Y.shape[1] != self._posterior.n_targets or y.ndim > 2:
            expected = (
                "a 1-D y (or one column)"
                if self.coef_.ndim == 1
                else f"{self._posterior.n_targets} target columns"
            )
            raise ValueError(
                f"The estimator was fitted on {expected}, but y has shape {y.shape}."
            )
        return Y

    def compute_log_likelihood(self, X, y, sample_weight=None):
        """Add the pointwise log-likelihood of the training data to ``idata_``.

        Needed by :func:`arviz.loo` and :func:`arviz.waic`; like PyMC's
        ``compute_log_likelihood``. The statistics the fit keeps do not hold the
        rows, so the training data are passed again. Rows are processed in
        chunks; the result has one value per draw and row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The training targets, as passed to ``fit``.
        sample_weight : array-like of shape (n_samples,), default=None
            The weights passed to ``fit``: a row of weight ``w`` contributes
            ``w`` times its log density.

        Returns
        -------
        idata : arviz.InferenceData
            ``idata_``, with a ``log_likelihood`` group holding ``y``.
        """
        X = self._validate_X(X)
        Y = self._validate_targets(X, y)
        observed = self._observed()
        if Y.size != observed.size or not np.allclose(Y.ravel(), observed.ravel()):
            raise ValueError(
                "y must be the training targets: the log-likelihood is that of the "
                "observed data in idata_.observed_data."
            )
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        self._check_training_rows(X, Y, sample_weight)
        log_lik = self._for_targets(self._posterior.log_likelihood(X, Y, sample_weight))
        extend(
            self.idata_,
            log_likelihood_inference_data(
                log_lik, self.num_chains, self._target_names()
            ),
        )
        return self.idata_

    def sample_prior_predictive(
        self,
        X,
        y=None,
        n_samples=500,
        random_state=None,
        params=None,
        return_params=False,
        extend_inferencedata=False,
    ):
        """Draw observations at ``X`` from the prior predictive distribution.

        A fitted estimator uses the priors of its fit. An unfitted one checks
        its priors before any fit, as a PyMC user does: with ``autoscale=False``
        from ``X`` alone; with ``autoscale=True`` (the default) the priors are
        put on the scale of the data, so pass the training ``y`` too, as
        rstanarm's ``prior_PD`` does. Nothing is fitted either way. Fixing
        every parameter in ``params`` simulates data from a known truth.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Points at which to simulate (the training rows, when ``y`` is given).
        y : array-like of shape (n_rows,) or (n_rows, n_targets), default=None
            Training targets of an unfitted estimator: they set the scale of
            autoscaled priors (and become ``observed_data`` with
            ``extend_inferencedata``). Not taken by a fitted estimator, whose
            priors its training data set.
        n_samples : int, default=500
            Number of draws.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.
        params : dict, default=None
            Fixed values of ``"intercept"`` (float), ``"coef"`` (array of
            shape (n_features,), or a dict from feature name to value when the
            features have names) and/or ``"sigma"`` (float), each one value or
            one per draw; parameters not given are drawn from the prior, like
            PyMC's ``pm.do`` or NumPyro's ``Predictive(params=...)``.
        return_params : bool, default=False
            Also return the parameter draws, e.g. to plot prior regression lines.
        extend_inferencedata : bool, default=False
            Also add ``prior`` and ``prior_predictive`` groups to ``idata_``
            (``X`` the training rows), for prior predictive checks such as
            ``arviz.plot_ppc(idata_, group="prior")``. On an unfitted estimator
            this makes ``idata_`` with those groups (and ``observed_data`` when
            ``y`` is given); a later ``fit`` replaces it with the fit's.

        Returns
        -------
        y_draws : ndarray of shape (n_samples, n_rows) or (n_samples, n_rows, n_targets)
            Simulated observations.
        parameters : dict of ndarray
            ``"intercept"`` (n_samples,), ``"coef"`` (n_samples, n_features) and
            ``"sigma"`` (n_samples,), with a target axis after the first for a
            2-D ``y``; only if ``return_params``.
        """
        self._refuse_with_groups("sample_prior_predictive")
        _check_n_samples(n_samples)
        fitted = hasattr(self, "posterior_samples_")
        if fitted and y is not None:
            raise ValueError(
                "y sets the priors of an unfitted estimator; this one is fitted, "
                "and its priors are those its training data set. Call without y."
            )
        feature_names = getattr(self, "feature_names_in_", getattr(X, "columns", None))
        params = _coef_by_position(params, feature_names)
        observed = None
        if fitted:
            X = self._validate_X(X)
            priors, x_mean = self._priors, self._stats.x_mean
            multi = self.coef_.ndim == 2
        else:
            self._validate_params()
            X, priors, x_mean, observed = self._unfitted_priors(X, y)
            multi = observed is not None and observed.ndim == 2
        X = X.astype(np.float64, copy=False)
        if extend_inferencedata and fitted and X.shape[0] != self._n_training_rows:
            raise ValueError(
                "The prior predictive group is at the training rows "
                f"({self._n_training_rows}), but X has {X.shape[0]}."
            )
        rng = np.random.default_rng(check_random_state(random_state).randint(2**31))
        draws = [
            sample_prior_parameters(
                prior, x_mean, self.fit_intercept, n_samples, rng, params
            )
            for prior in priors
        ]
        y_draws = [
            linear_predictor(X, d["intercept"], d["coef"])
            + d["sigma"][:, None]
            * prior.likelihood_family.draw_noise(d, rng, (n_samples, X.shape[0]))
            for prior, d in zip(priors, draws, strict=True)
        ]

        def combine(arrays, axis):
            return np.stack(arrays, axis=axis) if multi else arrays[0]

        y_draws = combine(y_draws, -1)
        parameters = {name: combine([d[name] for d in draws], 1) for name in draws[0]}
        if extend_inferencedata:
            if fitted:
                names = self._feature_names(), self._target_names()
            else:
                names = (
                    [f"x{j}" for j in range(X.shape[1])]
                    if feature_names is None
                    else [str(name) for name in feature_names],
                    [f"y{k}" for k in range(len(priors) if multi else 1)],
                )
            prior_groups = prior_inference_data(
                parameters, y_draws, *names, observed=observed
            )
            if fitted:
                extend(self.idata_, prior_groups)
            else:
                self._idata = prior_groups
        if not return_params:
            return y_draws
        return y_draws, parameters

    def _unfitted_priors(self, X, y):
        """Rows, priors, column means and targets of an unfitted estimator.

        Without ``y`` the priors are those of ``autoscale=False`` (an error
        with autoscaling, which needs the data's scale); with ``y`` they are
        the ones a fit on ``(X, y)`` would use. Nothing is set on the estimator.
        """
        if y is None:
            X = check_array(X, dtype=[np.float64, np.float32])
            priors = resolve_priors(self.get_params(), X.shape[1])
            return X, priors, np.zeros(X.shape[1]), None
        X, y = check_X_y(
            X,
            y,
            accept_sparse="csr",
            y_numeric=True,
            multi_output=True,
            dtype=[np.float64, np.float32],
        )
        stats = _require_weight(sufficient_statistics(X, y.reshape(y.shape[0], -1)))
        design = decompose(stats, self.fit_intercept)
        priors = resolve_priors(self.get_params(), X.shape[1], design)
        return X, priors, stats.x_mean, y

    def render_model(self, X=None, filename=None, render_distributions=True):
        """Draw the model as a graph, as :func:`numpyro.render_model` does.

        Needs the ``graphviz`` Python package (``pip install "skbayes[graph]"``),
        and Graphviz's ``dot`` program to write images.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), default=None
            Data that size the plates of an unfitted estimator (which then needs
            ``autoscale=False``); a fitted one uses its training data's sizes.
        filename : str or path, default=None
            Also write the graph to this file, in the format of its suffix.
        render_distributions : bool, default=True
            Label each variable with its distribution.

        Returns
        -------
        graph : graphviz.Digraph
        """
        self._refuse_with_groups("render_model")
        try:
            import graphviz  # noqa: F401
        except ImportError:
            raise ImportError(
                'render_model needs the graphviz package: pip install "skbayes[graph]".'
            ) from None
        from numpyro.infer.inspect import render_model

        if hasattr(self, "posterior_samples_"):
            prior, x_mean = self._priors[0], self._stats.x_mean
            n_rows, n_features = self._n_training_rows, self.n_features_in_
        elif X is None:
            raise NotFittedError("render_model needs a fitted estimator, or X.")
        else:
            self._validate_params()
            n_rows, n_features = check_array(X).shape
            prior = resolve_priors(self.get_params(), n_features)[0]
            x_mean = np.zeros(n_features)
        graph = render_model(
            numpyro_model(prior, self.fit_intercept, x_mean),
            model_args=(np.zeros((1, n_features)),),
            model_kwargs={"y": np.zeros(n_rows)},
            render_distributions=render_distributions,
        )
        graph.body = _annotated_graph(
            graph.body,
            {"feature": n_features, "obs": n_rows},
            site_descriptions(prior) if render_distributions else {},
        )
        if filename is not None:
            # As numpyro.render_model writes it: the format from the suffix.
            path = Path(filename)
            graph.render(path.with_suffix(""), format=path.suffix[1:], cleanup=True)
        return graph

    def summary(self, **kwargs):
        """ArviZ summary of the posterior.

        Parameters
        ----------
        **kwargs
            Passed to :func:`arviz.summary`. ``var_names`` defaults to the
            model's parameters for the posterior. ``hdi_prob`` (default: the
            estimator's) is the mass of highest-density intervals on both ArviZ
            lines (ArviZ 1.x's ``ci_prob``, with ``ci_kind="hdi"``).

        Returns
        -------
        summary : pandas.DataFrame
            One row per parameter; columns mean, sd, the interval's bounds
            (``hdi_3%`` and ``hdi_97%`` on ArviZ 0.x, ``hdi94_lb`` and
            ``hdi94_ub`` on 1.x), mcse_mean, mcse_sd, ess_bulk, ess_tail and
            r_hat.
        """
        check_is_fitted(self)
        hdi_prob = kwargs.pop("hdi_prob", self.hdi_prob)
        if kwargs.get("group", "posterior") == "posterior":
            # The model's parameters, not the mu a posterior predictive check
            # adds to the posterior.
            kwargs.setdefault("var_names", list(self._posterior_groups.posterior))
        return summary(self.idata_, hdi_prob=hdi_prob, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags
