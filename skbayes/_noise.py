"""Distributions of the observation noise, for predictions from posterior draws.

One object per target's draws: the noise of draw ``s`` is ``sigma_s`` times a
standard variate of the likelihood's family. NumPy and SciPy only.
"""

import numpy as np
from scipy.special import ndtri, stdtrit
from scipy.stats import t as student_t


def stratified_levels(n_draws, seed=0):
    """Stratified probability levels in a fixed shuffled order.

    Pairing the i-th posterior draw with the i-th of these gives a stratified
    sample of the posterior predictive that is the same at every call and for
    every row, whatever other rows are predicted with it.
    """
    levels = (np.arange(n_draws) + 0.5) / n_draws
    return levels[np.random.default_rng(seed).permutation(n_draws)]


class GaussianNoise:
    """Standard normal noise."""

    def quantiles(self, levels):
        """Standard variates at ``levels``, one per draw."""
        return ndtri(levels)

    def variance(self):
        """Variance of each draw's standard variate, shape () or (n_draws,)."""
        return 1.0

    def log_density(self, z):
        """Log density of standardised residuals ``z`` of shape (n_draws, n_rows)."""
        return -0.5 * np.log(2 * np.pi) - 0.5 * z**2

    def draw(self, rng, index, n_rows):
        """Standard variates of shape (len(index), n_rows) for draws ``index``."""
        return rng.standard_normal((len(index), n_rows))


class StudentTNoise:
    """Student-t noise with a number of degrees of freedom per draw.

    Parameters
    ----------
    df : ndarray of shape (n_draws,)
    """

    def __init__(self, df):
        self.df = np.asarray(df, dtype=np.float64)

    def quantiles(self, levels):
        return stdtrit(self.df, levels)

    def variance(self):
        """``df / (df - 2)``, infinite where ``df <= 2``."""
        with np.errstate(divide="ignore"):
            return np.where(self.df > 2.0, self.df / (self.df - 2.0), np.inf)

    def log_density(self, z):
        return student_t.logpdf(z, self.df[:, None])

    def draw(self, rng, index, n_rows):
        return rng.standard_t(self.df[index, None], (len(index), n_rows))
