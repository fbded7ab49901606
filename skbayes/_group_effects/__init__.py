"""Group-level (varying) effects, one module per family of their distribution.

With group-level effects every coefficient, population- and group-level, is
Gaussian given the scale parameters, so a family integrates them out exactly:
the sampler runs NUTS on the scale parameters alone and the coefficients are
drawn exactly afterwards. Each module gives:

``prepare(statistics, prior, slopes, tau_scale)``
    A fit object: the family's host-side (float64) reduction of the per-group
    statistics, with ``kernel_inputs(dim, n_groups)`` (padded to the buckets
    the kernel is compiled for) and ``draws(states, rng)`` (exact draws of
    every coefficient from the sampler's states).
``state_size(inputs)``
    Number of kernel states of one chain.
``energy(inputs, x)``
    The kernel's potential energy (JAX, run with 64-bit floats).
"""

from . import normal

GROUP_EFFECTS = {"normal": normal}
