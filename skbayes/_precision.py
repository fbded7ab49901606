"""Float64 for the programs that need it, without touching JAX's configuration."""

import jax


def float64():
    """A context in which this thread's JAX traces and runs in float64.

    ``jax.enable_x64`` in current JAX; ``jax.experimental.enable_x64`` before
    it existed (JAX 0.4).
    """
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64

    return enable_x64()
