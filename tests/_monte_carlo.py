"""Monte Carlo tolerances of the statistical tests, defined once.

A check allows :data:`Z` standard errors: for a Gaussian error a false alarm
has probability about 6e-5 per check, so the suite's fixed seeds stay far from
the edge. The standard error of a mean comes from the draws' own bulk ESS
(ArviZ's definition, which ``skbayes._diagnostics`` computes), never from an
assumed number of effective draws.
"""

import numpy as np

from skbayes._diagnostics import rank_diagnostics

Z = 4.0


def effective_sizes(draws, num_chains=4):
    """Bulk ESS of each column of ``draws`` (n_draws, ...), chains concatenated."""
    draws = np.asarray(draws, dtype=np.float64)
    columns = draws.reshape(num_chains, draws.shape[0] // num_chains, -1)
    return rank_diagnostics(columns)[1].reshape(draws.shape[1:])


def mean_standard_error(draws, num_chains=4):
    """Monte Carlo standard error of the mean of each column of ``draws``."""
    return np.std(draws, axis=0) / np.sqrt(effective_sizes(draws, num_chains))


def assert_mean_is(draws, expected, num_chains=4):
    """The draws' mean is ``expected`` within Z standard errors, per column."""
    error = np.abs(np.mean(draws, axis=0) - expected)
    np.testing.assert_array_less(error, Z * mean_standard_error(draws, num_chains))


def assert_same_mean(draws, other, num_chains=4):
    """Two independent runs' means agree within Z standard errors of the difference."""
    se = np.hypot(
        mean_standard_error(draws, num_chains), mean_standard_error(other, num_chains)
    )
    error = np.abs(np.mean(draws, axis=0) - np.mean(other, axis=0))
    np.testing.assert_array_less(error, Z * se)
