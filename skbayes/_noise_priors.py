"""The priors of the noise scale ``sigma``, each family written once.

A family gives everything the rest of skbayes needs of it: its log density for
the sampler (JAX, at ``ratio = sigma / scale``, up to a constant), its NumPyro
distribution (for ``render_model``), how the graph shows it, and draws for the
prior predictive. The sampler picks a family by its index in
:data:`NOISE_PRIORS`; ``"fixed"``, after the families, is the known-noise model,
whose noise state is a decoupled standard normal that is discarded.

Every family takes a scale and a degrees-of-freedom setting; the
half-Student-t reads both, the flat prior neither.
"""

from collections.abc import Callable
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
import numpyro.distributions as dist
from jax import lax
from numpyro.distributions import constraints

from ._densities import student_t_energy


@dataclass(frozen=True)
class NoisePrior:
    """One family of noise priors.

    Attributes
    ----------
    log_density : callable
        ``(ratio, df) -> log density`` of ``sigma / scale``, up to a constant,
        in JAX.
    distribution : callable
        ``(scale, df) -> numpyro Distribution`` of ``sigma``.
    describe : callable
        ``(scale, df) -> str``, as the model's graph shows the prior.
    draw : callable
        ``(rng, scale, df, n) -> ndarray`` of ``n`` draws of ``sigma``, or None
        for an improper prior, which cannot be sampled.

    An improper family (``draw`` None) has no scale: its density is the same
    for every ``noise_prior_scale``.
    """

    log_density: Callable
    distribution: Callable
    describe: Callable
    draw: Callable | None

    @property
    def improper(self):
        return self.draw is None


NOISE_PRIORS = {
    "exponential": NoisePrior(
        # The scale is the mean: rate 1 / scale.
        log_density=lambda r, df: -r,
        distribution=lambda scale, df: dist.Exponential(1.0 / scale),
        describe=lambda scale, df: f"Exponential(rate={1.0 / scale:.4g})",
        draw=lambda rng, scale, df, n: rng.exponential(scale, n),
    ),
    "half_normal": NoisePrior(
        log_density=lambda r, df: -0.5 * r * r,
        distribution=lambda scale, df: dist.HalfNormal(scale),
        describe=lambda scale, df: f"HalfNormal({scale:.4g})",
        draw=lambda rng, scale, df, n: np.abs(rng.normal(0.0, scale, n)),
    ),
    "half_cauchy": NoisePrior(
        log_density=lambda r, df: -jnp.log1p(r * r),
        distribution=lambda scale, df: dist.HalfCauchy(scale),
        describe=lambda scale, df: f"HalfCauchy({scale:.4g})",
        draw=lambda rng, scale, df, n: np.abs(scale * rng.standard_cauchy(n)),
    ),
    "half_student_t": NoisePrior(
        # brms's default prior on sigma is student_t(3, 0, 2.5 sd(y)), halved.
        log_density=lambda r, df: -student_t_energy(r, df),
        distribution=lambda scale, df: dist.FoldedDistribution(
            dist.StudentT(df, 0.0, scale)
        ),
        describe=lambda scale, df: f"HalfStudentT({df:.4g}, {scale:.4g})",
        draw=lambda rng, scale, df, n: np.abs(scale * rng.standard_t(df, n)),
    ),
    "flat": NoisePrior(
        # Stan's prior on sigma when none is stated: uniform on (0, inf). It is
        # improper; `skbayes._whitening` says when the posterior is proper.
        log_density=lambda r, df: jnp.zeros_like(r),
        distribution=lambda scale, df: dist.ImproperUniform(
            constraints.positive, (), ()
        ),
        describe=lambda scale, df: "flat on (0, inf)",
        draw=None,
    ),
}

#: Index of each family in the sampler; "fixed" is the known-noise model.
NOISE_FAMILIES = {name: index for index, name in enumerate(NOISE_PRIORS)}
NOISE_FAMILIES["fixed"] = len(NOISE_PRIORS)


def log_noise_prior(family, ratio, df):
    """Log density of family ``family`` (an index) at ``ratio``, up to a constant."""
    branches = [prior.log_density for prior in NOISE_PRIORS.values()]
    # Known noise: not in the energy.
    branches.append(lambda r, df: jnp.zeros_like(r))
    return lax.switch(family, branches, ratio, df)
