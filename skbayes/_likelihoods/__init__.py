"""The likelihoods of ``y`` given the regression function, one module per family.

Each module gives:

``NEEDS_ROWS``
    Whether the sampler needs the rows (not only the sufficient statistics);
    such a family cannot be fitted by ``partial_fit`` or on Dask input.
``extra_state_size``
    Number of kernel states the likelihood appends after the coefficient
    prior's.
``energy(inputs, extra, rows, x, coef_prior, intercept_prior)``
    The kernel's potential energy (JAX).
``prepare(design, prior, target, problem, data)``
    ``(problem, rows)``: the whitened problem the sampler works in, and the
    traced row inputs (None when the statistics suffice).
``parameters(prior, rows, x)``
    Draws of the likelihood's own parameters from kernel states, by name.
``noise(parameters)``
    The noise distribution of one target's draws, for predictions:
    :class:`skbayes._noise.GaussianNoise` or
    :class:`skbayes._noise.StudentTNoise`.
``sample_y(mu, sigma, parameters)``, ``describe(prior)``
    The NumPyro observation site and its text in the graph.
``draw_parameters(prior, n_samples, rng, params)``
    Prior draws of the likelihood's own parameters.
"""

from . import normal, student_t

LIKELIHOODS = {"normal": normal, "student_t": student_t}
