"""The fitted posterior: draws of every target, point estimates, predictive maths.

The target axis is always present here (last, after rows); the estimator
drops it once, on return, for a 1-D ``y``. Every predictive quantity is the
same loop over targets of a function of :mod:`skbayes._predictive`, written
once.
"""

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse

from ._likelihoods import LIKELIHOODS
from ._predictive import (
    linear_predictor,
    log_mean_density,
    pointwise_log_likelihood,
    predictive_interval,
    predictive_quantiles,
    predictive_std,
)


@dataclass(frozen=True)
class Posterior:
    """Posterior draws with chains concatenated (chain-major).

    Attributes
    ----------
    intercept : ndarray of shape (n_draws, n_targets)
    coef : ndarray of shape (n_draws, n_targets, n_features)
    sigma : ndarray of shape (n_draws, n_targets)
    intercept_mean : ndarray of shape (n_targets,)
    coef_mean : ndarray of shape (n_targets, n_features)
        Posterior means (Rao-Blackwellised where the coefficients given the
        noise scale are Gaussian).
    scales : dict of ndarray
        Further parameters of the coefficient prior and of the likelihood,
        each (n_draws, n_targets, ...).
    likelihood : str
        Key of :data:`skbayes._likelihoods.LIKELIHOODS`.
    gaussian_problems : list of WhitenedProblem or None
        Each target's whitened posterior where the coefficients given the noise
        scale are exactly Gaussian, else None.
    """

    intercept: np.ndarray
    coef: np.ndarray
    sigma: np.ndarray
    intercept_mean: np.ndarray
    coef_mean: np.ndarray
    scales: dict
    likelihood: str
    gaussian_problems: list | None

    @classmethod
    def from_draws(cls, draws, likelihood):
        """From :class:`~skbayes._engine.PosteriorDraws` (leading chain, draw axes)."""

        def flat(array):
            return array.reshape((-1,) + array.shape[2:])

        return cls(
            intercept=flat(draws.intercept),
            coef=flat(draws.coef),
            sigma=flat(draws.sigma),
            intercept_mean=draws.intercept_mean,
            coef_mean=draws.coef_mean,
            scales={name: flat(values) for name, values in draws.scales.items()},
            likelihood=likelihood,
            gaussian_problems=draws.gaussian_problems,
        )

    @property
    def n_draws(self):
        return self.sigma.shape[0]

    @property
    def n_targets(self):
        return self.sigma.shape[1]

    def samples(self):
        """Every parameter's draws by name, as ``posterior_samples_`` holds them."""
        return {
            "intercept": self.intercept,
            "coef": self.coef,
            "sigma": self.sigma,
            **self.scales,
        }

    def noise(self, target):
        """The noise distribution of one target's draws."""
        parameters = {name: values[:, target] for name, values in self.scales.items()}
        return LIKELIHOODS[self.likelihood].noise(parameters)

    def _by_target(self, compute):
        """``compute(intercept, coef, sigma, noise)`` per target, stacked last."""
        return np.stack([compute(*draws) for draws in self._draws_by_target()], axis=-1)

    def _draws_by_target(self):
        """``(intercept, coef, sigma, noise)`` of each target."""
        return [
            (self.intercept[:, k], self.coef[:, k], self.sigma[:, k], self.noise(k))
            for k in range(self.n_targets)
        ]

    def mean(self, X):
        """Posterior mean of the regression function, (n_rows, n_targets)."""
        return X @ self.coef_mean.T + self.intercept_mean

    def predictive_std(self, X):
        """Sd of a new observation at each row, (n_rows, n_targets)."""
        return self._by_target(lambda *draws: predictive_std(X, *draws))

    def interval(self, X, prob):
        """HDI of a new observation at each row, (n_rows, n_targets, 2)."""
        values = self._by_target(lambda *draws: predictive_interval(X, *draws, prob))
        return np.swapaxes(values, -1, -2)

    def quantiles(self, X, levels):
        """Quantiles of a new observation, (n_rows, n_targets, n_levels)."""
        values = self._by_target(lambda *draws: predictive_quantiles(X, *draws, levels))
        return np.swapaxes(values, -1, -2)

    def functions(self, X, index):
        """Regression function under draws ``index``: (n_index, n_rows, n_targets)."""
        return np.stack(
            [
                linear_predictor(X, self.intercept[index, k], self.coef[index, k])
                for k in range(self.n_targets)
            ],
            axis=-1,
        )

    def observations(self, X, index, rng):
        """Regression function and new observations under draws ``index``.

        Returns
        -------
        mu, y : ndarray of shape (n_index, n_rows, n_targets)
        """
        mu = self.functions(X, index)
        # Target by target, so that a target's draws do not depend on how many
        # targets there are.
        noise = np.stack(
            [
                self.noise(k).draw(rng, index, mu.shape[1])
                for k in range(self.n_targets)
            ],
            axis=-1,
        )
        return mu, mu + self.sigma[index, None, :] * noise

    def log_likelihood(self, X, Y, sample_weight):
        """Log-likelihood of each row under each draw, (n_draws, n_rows, n_targets).

        ``Y`` has shape (n_rows, n_targets); a row of weight ``w`` counts ``w``
        times.
        """
        return np.stack(
            [
                pointwise_log_likelihood(X, Y[:, k], sample_weight, *draws)
                for k, draws in enumerate(self._draws_by_target())
            ],
            axis=-1,
        )

    def log_predictive_density(self, X, Y):
        """``log mean_s p(y_i | draw s)`` of each row, (n_rows, n_targets).

        Computed in chunks of rows, so no ``draws x rows`` array is larger than
        :data:`~skbayes._predictive.CHUNK_CELLS`.
        """
        return np.stack(
            [
                log_mean_density(X, Y[:, k], *draws)
                for k, draws in enumerate(self._draws_by_target())
            ],
            axis=-1,
        )


@dataclass(frozen=True)
class GroupedPosterior:
    """A fitted posterior with group-level effects, queried with grouped rows.

    Every query becomes one of the population-level :class:`Posterior` on an
    augmented design: a row of group ``g`` gains the columns ``[1, x[slopes]]``
    at the place of ``g``'s effects, so the same code computes every
    predictive quantity. A row of a group not seen in training gets the
    population-level mean and, in its draws, fresh effects from ``Normal(0,
    group_sd)`` per posterior draw (one set per unseen label, from a fixed
    seed, so that results are the same at every call).

    Attributes
    ----------
    population : Posterior
        Draws of the population-level parameters; ``scales`` holds
        ``group_effects`` (n_draws, 1, n_groups, n_effects) and ``group_sd``
        (n_draws, 1, n_effects).
    labels : ndarray of shape (n_groups,)
        Training groups, sorted.
    slopes : ndarray of shape (n_effects - 1,)
        Features with varying slopes.
    effects_mean : ndarray of shape (n_groups, n_effects)
        Posterior means of the group effects.
    """

    population: Posterior
    labels: np.ndarray
    slopes: np.ndarray
    effects_mean: np.ndarray

    #: Seed of the effects of groups not seen in training.
    UNSEEN_SEED = 20240611

    @property
    def n_draws(self):
        return self.population.n_draws

    @property
    def n_targets(self):
        return 1

    @property
    def gaussian_problems(self):
        return None

    def samples(self):
        return self.population.samples()

    def noise(self, target):
        return self.population.noise(target)

    def codes(self, labels):
        """Index of each label among the training groups, -1 for unseen ones."""
        index = {label: k for k, label in enumerate(self.labels.tolist())}
        return np.array(
            [index.get(label, -1) for label in labels.tolist()], dtype=np.intp
        )

    def _augmented(self, rows):
        """``(posterior, X)``: the population posterior and design with effects."""
        codes = self.codes(rows.labels)
        unseen, unseen_codes = np.unique(
            rows.labels[codes < 0].astype(str), return_inverse=True
        )
        n_seen, m = self.effects_mean.shape
        codes = codes.copy()
        codes[codes < 0] = n_seen + unseen_codes
        n_rows = rows.X.shape[0]
        varying = np.column_stack([np.ones(n_rows), rows.X[:, self.slopes]])
        cells = scipy.sparse.csr_matrix(
            (
                varying.ravel(),
                (
                    np.repeat(np.arange(n_rows), m),
                    (codes[:, None] * m + np.arange(m)).ravel(),
                ),
            ),
            shape=(n_rows, (n_seen + unseen.shape[0]) * m),
        )
        design = scipy.sparse.hstack([scipy.sparse.csr_matrix(rows.X), cells]).tocsr()
        population = self.population
        effects = population.scales["group_effects"][:, 0]
        sd = population.scales["group_sd"][:, 0]
        fresh = np.random.default_rng(self.UNSEEN_SEED).standard_normal(
            (population.n_draws, unseen.shape[0], m)
        )
        all_effects = np.concatenate([effects, sd[:, None, :] * fresh], axis=1)
        coef = np.concatenate(
            [population.coef, all_effects.reshape(population.n_draws, 1, -1)], axis=2
        )
        coef_mean = np.concatenate(
            [
                population.coef_mean,
                np.concatenate(
                    [self.effects_mean, np.zeros((unseen.shape[0], m))]
                ).reshape(1, -1),
            ],
            axis=1,
        )
        return replace(population, coef=coef, coef_mean=coef_mean), design

    def mean(self, rows):
        posterior, X = self._augmented(rows)
        return posterior.mean(X)

    def predictive_std(self, rows):
        posterior, X = self._augmented(rows)
        return posterior.predictive_std(X)

    def interval(self, rows, prob):
        posterior, X = self._augmented(rows)
        return posterior.interval(X, prob)

    def quantiles(self, rows, levels):
        posterior, X = self._augmented(rows)
        return posterior.quantiles(X, levels)

    def functions(self, rows, index):
        posterior, X = self._augmented(rows)
        return posterior.functions(X, index)

    def observations(self, rows, index, rng):
        posterior, X = self._augmented(rows)
        return posterior.observations(X, index, rng)

    def log_likelihood(self, rows, Y, sample_weight):
        posterior, X = self._augmented(rows)
        return posterior.log_likelihood(X, Y, sample_weight)

    def log_predictive_density(self, rows, Y):
        posterior, X = self._augmented(rows)
        return posterior.log_predictive_density(X, Y)
