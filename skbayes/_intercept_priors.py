"""The priors of the intercept, each family written once.

The intercept prior acts on the intercept at the feature means when
``autoscale=True`` (rstanarm's and brms's convention) and at ``X = 0``
otherwise; its location and scale come from ``intercept_prior_loc`` and
``intercept_prior_scale``. A family gives its energy for the sampler (JAX, at
``ratio = deviation / scale``), the scale of the Normal the sampler whitens for,
its NumPyro distribution (for ``render_model``), how the graph shows it, and
draws for the prior predictive.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpyro.distributions as dist

from ._densities import student_t_energy, student_t_reference_factor


@dataclass(frozen=True)
class InterceptPrior:
    """One family of intercept priors.

    Attributes
    ----------
    energy : callable
        ``(ratio, df) -> -log density`` of the standardised deviation, up to a
        constant, in JAX.
    reference_factor : callable
        ``df -> scale`` of the Normal reference, relative to the prior's scale.
    distribution : callable
        ``(loc, scale, df) -> numpyro Distribution``.
    describe : callable
        ``(loc, scale, df) -> str``, as the model's graph shows the prior.
    draw : callable
        ``(rng, loc, scale, df, n) -> ndarray`` of ``n`` draws.
    gaussian : bool
        Whether the prior is the Normal reference itself, so that the
        coefficients given the noise scale stay jointly Gaussian.
    """

    energy: Callable
    reference_factor: Callable
    distribution: Callable
    describe: Callable
    draw: Callable
    gaussian: bool


INTERCEPT_PRIORS = {
    "normal": InterceptPrior(
        energy=lambda r, df: 0.5 * r * r,
        reference_factor=lambda df: 1.0,
        distribution=lambda loc, scale, df: dist.Normal(loc, scale),
        describe=lambda loc, scale, df: f"Normal({loc:.4g}, {scale:.4g})",
        draw=lambda rng, loc, scale, df, n: rng.normal(loc, scale, n),
        gaussian=True,
    ),
    "student_t": InterceptPrior(
        # brms's default intercept prior is student_t(3, median(y), 2.5 mad(y)).
        energy=student_t_energy,
        reference_factor=student_t_reference_factor,
        distribution=lambda loc, scale, df: dist.StudentT(df, loc, scale),
        describe=lambda loc, scale, df: f"StudentT({df:.4g}, {loc:.4g}, {scale:.4g})",
        draw=lambda rng, loc, scale, df, n: loc + scale * rng.standard_t(df, n),
        gaussian=False,
    ),
}
