"""Terms of the sampler's potential energy that every coefficient prior shares.

The sampled state of one chain starts ``x = (z_1, ..., z_d, tau, ...)``:

* ``z`` are whitened coefficients. Given the noise scale, the coefficients are
  Gaussian with a diagonal precision in the basis of the problem
  (:mod:`skbayes._whitening`), so ``u_k = base_k + w_k(t) * shift_k + z_k /
  sqrt(a_k(t))`` makes ``z`` exactly standard normal and independent of the
  noise.
* ``tau`` is the standardised log noise scale: ``sigma = sigma_ref * exp(t)``
  with ``t = t_scale * tau``.

A coefficient prior may append states of its own after ``tau``. Everything
here is pure JAX, written so that float32 stays accurate for any number of
rows.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ._noise_priors import NOISE_FAMILIES, log_noise_prior


class KernelInputs(NamedTuple):
    """Traced inputs of the kernel for one target.

    All arrays are float32; ``(d,)`` arrays have one entry per whitened
    direction, zero-padded (``lik_prec=0``, ``prior_prec=1``) to the bucket size.

    Attributes
    ----------
    lik_prec : array of shape (d,)
        Likelihood precision ``q_k`` of each direction at ``sigma = sigma_ref``.
    prior_prec : array of shape (d,)
        Prior precision ``p_k`` of each direction.
    scaled_shift : array of shape (d,)
        Least-squares minus prior location of each direction, times
        ``sqrt(lik_prec)``: the prior/data conflict in units of the likelihood's
        sd, which float32 holds however tight or wide the prior is.
    n_obs : array of shape ()
        Total weight of the observations.
    rss_ratio : array of shape ()
        Minimal residual sum of squares over ``n_obs * sigma_ref**2``.
    t_scale : array of shape ()
        Scale of ``tau`` on the log-noise axis, about its posterior sd.
    ref_over_prior : array of shape ()
        ``sigma_ref`` divided by the scale of the noise prior.
    family : array of shape (), int32
        Noise prior family, an index of
        :data:`skbayes._noise_priors.NOISE_FAMILIES`.
    noise_df : array of shape ()
        Degrees of freedom of the noise prior (read by the half-Student-t only).
    """

    lik_prec: jax.Array
    prior_prec: jax.Array
    scaled_shift: jax.Array
    n_obs: jax.Array
    rss_ratio: jax.Array
    t_scale: jax.Array
    ref_over_prior: jax.Array
    family: jax.Array
    noise_df: jax.Array


@jax.custom_jvp
def _excess_log_noise(t):
    """``t + expm1(-2 t) / 2``, which is ``t**2 + O(t**3)``, without cancellation.

    Times ``n_obs`` this is the profile of the Gaussian log-likelihood in the
    log noise scale around its maximum; both the value and the derivative are
    evaluated so that float32 holds its relative precision near ``t = 0``.
    """
    series = t * t * (1.0 + t * (-2.0 / 3.0 + t * (1.0 / 3.0 - t * (2.0 / 15.0))))
    direct = t + 0.5 * jnp.expm1(-2.0 * t)
    return jnp.where(jnp.abs(t) < 1e-2, series, direct)


@_excess_log_noise.defjvp
def _excess_log_noise_jvp(primals, tangents):
    (t,), (t_dot,) = primals, tangents
    return _excess_log_noise(t), -jnp.expm1(-2.0 * t) * t_dot


def noise_is_known(inputs):
    """Whether the noise scale is fixed, so that its state is a dummy."""
    return inputs.family == NOISE_FAMILIES["fixed"]


def noise_energy(inputs, tau, *log_densities):
    """Energy of the noise state: the minimal residuals' likelihood and the prior.

    Parameters
    ----------
    inputs : KernelInputs
    tau : array of shape ()
        The standardised log noise scale.
    *log_densities : array of shape ()
        Further terms of the log density of ``tau`` (what integrating out the
        coefficients adds), summed in this order.

    Returns
    -------
    energy : array of shape ()
        ``-log p(tau)`` up to a constant; for a known noise scale, the energy
        ``tau**2 / 2`` of the decoupled dummy state.
    """
    t = inputs.t_scale * tau
    log_lik = -inputs.n_obs * (
        (1.0 - inputs.rss_ratio) * t + inputs.rss_ratio * _excess_log_noise(t)
    )
    ratio = inputs.ref_over_prior * jnp.exp(t)
    log_sigma = log_lik
    for term in log_densities:
        log_sigma = log_sigma + term
    # The prior, and the Jacobian of sigma = sigma_ref exp(t_scale tau).
    log_sigma = log_sigma + log_noise_prior(inputs.family, ratio, inputs.noise_df) + t
    return jnp.where(noise_is_known(inputs), 0.5 * tau * tau, -log_sigma)


def whitened_energy(inputs, x):
    """Energy of ``(z, tau)`` under the Normal prior the problem was whitened for.

    Parameters
    ----------
    inputs : KernelInputs
    x : array of shape (n_states,)
        Whitened coefficients, the standardised log noise scale, and any
        further states (ignored here).

    Returns
    -------
    energy : array of shape ()
    """
    d = inputs.lik_prec.shape[-1]
    z, tau = x[:d], x[d]
    decay = jnp.exp(-2.0 * (inputs.t_scale * tau))
    precision = inputs.lik_prec * decay + inputs.prior_prec
    # The normaliser of the conditional Gaussian of each direction, and the
    # prior/data conflict. The noise terms are discarded for a known noise
    # scale; zeroing the shift keeps them finite, as a NaN in a discarded
    # branch still reaches the gradient.
    shift = jnp.where(noise_is_known(inputs), 0.0, inputs.scaled_shift)
    log_det = -0.5 * jnp.sum(jnp.log(precision))
    conflict = -0.5 * jnp.sum(decay * inputs.prior_prec / precision * shift**2)
    return 0.5 * jnp.dot(z, z) + noise_energy(inputs, tau, log_det, conflict)
