"""Priors sampled in the basis whitened for a Normal reference prior.

The Normal, Student-t and Laplace coefficient priors share one geometry: the
sampler works in the basis of :mod:`skbayes._whitening`, built for Normal priors
of about the actual priors' spread, where the posterior is close to a standard
normal. A prior that is not the reference adds ``-(log prior - log
reference)`` of its parameters to the energy: here for the coefficients (a
family's own density) and for the intercept (a Student-t intercept prior).
With Normal priors throughout nothing is added and the posterior given the
noise scale is exactly Gaussian, which the Rao-Blackwellised means use.
"""

from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .._energy import whitened_energy
from .._intercept_priors import INTERCEPT_PRIORS
from .._whitening import intercept_direction

# Range of the scales of non-Normal priors, relative to the data, that the
# float32 kernel represents with room for their squares.
_SCALE_RANGE = (1e-30, 1e15)


class ReferenceInputs(NamedTuple):
    """Traced inputs of the correction from the reference prior, for one target.

    All arrays are float32 with one entry per direction; entries outside
    ``coef_mask`` are unused.

    Attributes
    ----------
    transform : array of shape (d, d)
        Whitened coordinates ``u`` to ``theta`` (identity on padding).
    prior_mode : array of shape (d,)
        Location of ``u`` under the reference prior.
    coef_mask : array of shape (d,)
        1 on the rows of ``theta`` that are coefficients, else 0.
    coef_loc, coef_scale : array of shape (d,)
        Location and scale of each coefficient's prior.
    coef_ref_scale : array of shape (d,)
        Scale of the reference Normal prior of each coefficient (1 on unused
        entries).
    coef_df : array of shape ()
        Degrees of freedom of a Student-t coefficient prior.
    intercept_direction : array of shape (d,)
        The intercept prior acts on ``intercept_direction @ theta``.
    intercept_loc : array of shape ()
    intercept_inv_scale, intercept_inv_ref : array of shape ()
        Inverse scales of the intercept's prior and of its reference (0 when
        neither is in the model).
    intercept_df : array of shape ()
    """

    transform: jax.Array
    prior_mode: jax.Array
    coef_mask: jax.Array
    coef_loc: jax.Array
    coef_scale: jax.Array
    coef_ref_scale: jax.Array
    coef_df: jax.Array
    intercept_direction: jax.Array
    intercept_loc: jax.Array
    intercept_inv_scale: jax.Array
    intercept_inv_ref: jax.Array
    intercept_df: jax.Array


def intercept_energy(intercept_prior, theta, direction, loc, inv_scale, df):
    """Energy of the intercept prior at ``theta`` (0 for a flat one)."""
    ratio = inv_scale * (direction @ theta - loc)
    return INTERCEPT_PRIORS[intercept_prior].energy(ratio, df)


def _theta(inputs, extra, x):
    """Standardised parameters ``theta`` of a kernel state (as ``unwhiten``)."""
    d = inputs.lik_prec.shape[-1]
    decay = jnp.exp(-2.0 * inputs.t_scale * x[d])
    precision = inputs.lik_prec * decay + inputs.prior_prec
    # q exp(-2t) / a times the shift, from the scaled shift.
    data_pull = jnp.sqrt(inputs.lik_prec) * decay / precision
    u = extra.prior_mode + data_pull * inputs.scaled_shift + x[:d] / jnp.sqrt(precision)
    return extra.transform @ u


def reference_correction(coef_energy):
    """``-(log prior - log reference)`` of coefficients whose prior has ``coef_energy``.

    Parameters
    ----------
    coef_energy : callable or None
        ``(ratio, df) -> -log density`` of one coefficient at ``ratio =
        deviation / scale``, up to a constant; None for the reference itself.

    Returns
    -------
    correction : callable
        ``(inputs, extra, x, intercept_prior) -> energy``, 0 when ``extra`` is
        None (Normal priors throughout).
    """

    def correction(inputs, extra, x, intercept_prior):
        if extra is None:
            return 0.0
        theta = _theta(inputs, extra, x)
        total = 0.0
        if coef_energy is not None:
            deviation = theta - extra.coef_loc
            own = coef_energy(deviation / extra.coef_scale, extra.coef_df)
            reference = 0.5 * (deviation / extra.coef_ref_scale) ** 2
            total = total + jnp.sum(extra.coef_mask * (own - reference))
        if not INTERCEPT_PRIORS[intercept_prior].gaussian:
            args = (extra.intercept_direction, extra.intercept_loc)
            own = intercept_energy(
                intercept_prior,
                theta,
                *args,
                extra.intercept_inv_scale,
                extra.intercept_df,
            )
            reference = intercept_energy(
                "normal", theta, *args, extra.intercept_inv_ref, extra.intercept_df
            )
            total = total + own - reference
        return total

    return correction


def corrected_energy(correction):
    """The kernel energy of the whitened Gaussian posterior plus ``correction``."""

    def energy(inputs, extra, x, intercept_prior):
        total = whitened_energy(inputs, x)
        if extra is None:
            return total
        return total + correction(inputs, extra, x, intercept_prior)

    return energy


def pad(values, dim, fill=0.0):
    """``values`` of shape (k,) zero- (or ``fill``-) padded to ``(dim,)``, float32."""
    out = np.full(dim, fill)
    out[: values.shape[0]] = values
    return out.astype(np.float32)


def check_scale_range(prior, scale):
    """Raise if a non-Normal prior's scale, on the data's scale, escapes float32."""
    if not np.all((scale >= _SCALE_RANGE[0]) & (scale <= _SCALE_RANGE[1])):
        raise ValueError(
            f"prior_scale is too extreme for coef_prior={prior.coef_prior!r}: on the "
            f"scale of the data it spans {scale.min():.3g} to {scale.max():.3g}, "
            f"outside the {_SCALE_RANGE[0]:.0e} to {_SCALE_RANGE[1]:.0e} that the "
            "sampler's float32 arithmetic represents. coef_prior='normal' takes any "
            "scale."
        )


@dataclass(frozen=True)
class ReferenceFit:
    """One target's posterior, sampled in the whitened basis of its problem.

    Attributes
    ----------
    problem : WhitenedProblem
        Whitened for the reference priors.
    prior : Prior
    corrected_coef : bool
        Whether the coefficient prior differs from the reference.
    """

    problem: object
    prior: object
    corrected_coef: bool

    @property
    def gaussian_given_noise(self):
        """Whether the coefficients given the noise scale are exactly Gaussian."""
        return not self.corrected_coef and self.prior.intercept_family.gaussian

    def kernel_inputs(self, dim):
        """Float32 :class:`ReferenceInputs` padded to ``dim``, or None if not needed."""
        if self.gaussian_given_noise:
            return None
        problem, prior = self.problem, self.prior
        offset = int(problem.fit_intercept)
        n_features = problem.x_scale.shape[0]
        to_theta = problem.x_scale / problem.y_scale

        def on_coefficients(values, fill=0.0):
            out = np.full(problem.dim, fill)
            out[offset : offset + n_features] = values
            return pad(out, dim, fill)

        if self.corrected_coef:
            scale = prior.coef_scale * to_theta
            check_scale_range(prior, scale)
            ref_scale = prior.reference_scale * to_theta
        else:
            scale = ref_scale = np.ones(n_features)
        transform = np.eye(dim)
        transform[: problem.dim, : problem.dim] = problem.transform
        direction, loc, inv_scale, inv_ref = intercept_settings(problem, prior)
        return ReferenceInputs(
            transform=transform.astype(np.float32),
            prior_mode=pad(problem.prior_mode, dim),
            coef_mask=on_coefficients(np.full(n_features, float(self.corrected_coef))),
            coef_loc=on_coefficients(prior.coef_loc * to_theta),
            coef_scale=on_coefficients(scale, 1.0),
            coef_ref_scale=on_coefficients(ref_scale, 1.0),
            coef_df=np.float32(prior.coef_df),
            intercept_direction=pad(direction, dim),
            intercept_loc=np.float32(loc),
            intercept_inv_scale=np.float32(inv_scale),
            intercept_inv_ref=np.float32(inv_ref),
            intercept_df=np.float32(prior.intercept_df),
        )

    def unwhiten(self, x):
        """Intercept, coefficients, noise scale (and no further scales) of states."""
        return (*self.problem.unwhiten(x), {})

    def posterior_mean(self, x):
        """Rao-Blackwellised means; valid when :attr:`gaussian_given_noise`."""
        return self.problem.posterior_mean(x)


def intercept_settings(problem, prior):
    """Direction, location and inverse scales (prior, reference) of the intercept prior.

    In the units of ``theta``; zeros when the model has no intercept or a flat
    intercept prior.

    Returns
    -------
    direction : ndarray of shape (problem.dim,)
    loc, inv_scale, inv_ref : float
    """
    if not problem.fit_intercept or prior.intercept_scale is None:
        return np.zeros(problem.dim), 0.0, 0.0, 0.0
    direction = intercept_direction(
        problem.x_mean, problem.x_scale, prior.intercept_centred
    )
    y_scale = problem.y_scale
    return (
        direction,
        prior.intercept_loc / y_scale,
        y_scale / prior.intercept_scale,
        y_scale / prior.intercept_reference_scale,
    )


def no_extra_states(dim):
    """``extra_state_size`` of a family sampled in the whitened basis alone."""
    return 0


def prepare_corrected(design, prior, target, problem):
    """``prepare`` of a family whose coefficient prior differs from the reference."""
    return ReferenceFit(problem=problem, prior=prior, corrected_coef=True)
