"""The coefficient priors, one module per family.

A family is the only place its prior is written. Each module gives:

``ACCEPTS_FLAT``
    Whether ``prior_scale=None`` (a flat prior) is allowed.
``reference_scale(prior)``
    Scale of the Normal prior whose whitened basis the sampler starts from.
``extra_state_size(dim)``
    Number of kernel states after ``(z, tau)``.
``energy(inputs, extra, x, intercept_prior)``
    The kernel's potential energy (JAX), with the family's ``extra`` inputs
    and the intercept prior's name (static).
``prepare(design, prior, target, problem)``
    The host side of one target: an object with ``kernel_inputs(dim)`` (the
    ``extra`` pytree, or None), ``unwhiten(x)`` (intercept, coefficients,
    noise scale and a dict of further scales, from kernel states),
    ``gaussian_given_noise`` and, where that holds, ``posterior_mean(x)``.
``sample_coef(prior, n_features)``
    The NumPyro sample sites of the coefficients, for ``render_model``.
``describe(prior)``
    Text of each of those sites' priors, as the model's graph shows them.
``draw(prior, shape, rng)``
    Prior draws of ``coef - coef_loc``, for the prior predictive.

A family sampled in the whitened basis of the Normal reference also gives
``correction(inputs, extra, x, intercept_prior)``, the energy it adds to the
reference's; likelihoods other than the Normal build on it.
"""

from . import horseshoe, laplace, normal, student_t

COEF_PRIORS = {
    "normal": normal,
    "student_t": student_t,
    "laplace": laplace,
    "horseshoe": horseshoe,
}
