"""The progress bar of a fit, advanced between calls of the compiled sampler.

The sampler runs in segments of iterations (:data:`skbayes._kernels.SEGMENT`),
so the bar is updated from the host between segments: the compiled programs
hold no callbacks, and fits in several threads each drive their own bar.
"""

from contextlib import contextmanager


class _Bar:
    """A tqdm bar that shows the phase (warmup or sampling) and the divergences."""

    def __init__(self, total, num_warmup):
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc="compiling", unit="it")
        self._num_warmup = num_warmup

    def start(self):
        """Start the clock once the sampler is compiled (or loaded).

        The bar shows "compiling" until then; its rate, and so its ETA, count
        sampling only, not the seconds a first fit spends compiling.
        """
        self._bar.reset(total=self._bar.total)
        self._bar.set_description("warmup" if self._num_warmup else "sampling")

    def update(self, iteration, divergences):
        """Advance to ``iteration`` (at most the total), with the divergences so far."""
        iteration = min(int(iteration), self._bar.total)
        phase = "warmup" if iteration < self._num_warmup else "sampling"
        self._bar.set_description(phase, refresh=False)
        self._bar.set_postfix(divergences=int(divergences), refresh=False)
        self._bar.update(iteration - self._bar.n)

    def close(self):
        self._bar.close()


@contextmanager
def progress_bar(total, num_warmup, show):
    """Yield a bar with ``update(iteration, divergences)``, or None when not shown."""
    if not show:
        yield None
        return
    bar = _Bar(total, num_warmup)
    try:
        yield bar
    finally:
        bar.close()
