"""Progress bars of the fits in progress, fed by the compiled sampler.

The compiled sampler is shared by every fit, so its callback names the fit it
reports for by an id that travels into the kernel as a traced integer: fits
running at once in several threads each drive their own bar.
"""

import itertools
import threading
from contextlib import contextmanager


class _ProgressBars:
    """The open progress bars by fit id; the kernel's callback calls :meth:`update`."""

    def __init__(self):
        self._bars = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @contextmanager
    def bar(self, total, num_warmup):
        """Open a tqdm bar for one fit and yield its id; closed on exit."""
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="compiling", unit="it")
        with self._lock:
            fit_id = next(self._ids) % (1 << 31)
            self._bars[fit_id] = (bar, num_warmup)
        try:
            yield fit_id
        finally:
            with self._lock:
                del self._bars[fit_id]
            bar.close()

    def update(self, fit_id, iteration, divergences):
        """Advance the bar of fit ``fit_id`` to ``iteration``."""
        with self._lock:
            entry = self._bars.get(int(fit_id))
        if entry is None:
            return
        bar, num_warmup = entry
        iteration = int(iteration)
        phase = "warmup" if iteration < num_warmup else "sampling"
        bar.set_description(phase, refresh=False)
        bar.set_postfix(divergences=int(divergences), refresh=False)
        bar.update(iteration - bar.n)


progress_bars = _ProgressBars()
