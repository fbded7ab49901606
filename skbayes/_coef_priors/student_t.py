"""Student-t coefficient priors, with ``coef_prior_df`` degrees of freedom.

Sampled in the basis whitened for a Normal of the prior's sd (twice its scale
when the sd is infinite), with the difference of the log densities added.
"""

import numpyro
import numpyro.distributions as dist

from .._densities import student_t_energy, student_t_reference_factor
from .._text import format_setting
from ._reference import (
    corrected_energy,
    no_extra_states,
    prepare_corrected,
    reference_correction,
)

ACCEPTS_FLAT = False

correction = reference_correction(student_t_energy)
energy = corrected_energy(correction)


def reference_scale(prior):
    return prior.coef_scale * student_t_reference_factor(prior.coef_df)


extra_state_size = no_extra_states
prepare = prepare_corrected


def sample_coef(prior, n_features):
    with numpyro.plate("feature", n_features):
        return numpyro.sample(
            "coef", dist.StudentT(prior.coef_df, prior.coef_loc, prior.coef_scale)
        )


def describe(prior):
    settings = (prior.coef_df, prior.coef_loc, prior.coef_scale)
    return {"coef": f"StudentT({', '.join(map(format_setting, settings))})"}


def draw(prior, shape, rng):
    return prior.coef_scale * rng.standard_t(prior.coef_df, shape)
