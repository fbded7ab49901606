"""One BLAS thread for the host-side algebra of a fit.

The matrices a fit multiplies on the host are small (p x p factors, draws
times p x p), and OpenBLAS keeps its idle threads spinning for a while after
each call. Those spinning threads take the core that the sampler (or another
fit) runs on: on two cores a default fit is no slower, and uses a third less
CPU time, with BLAS limited to one thread.

The limit is process-wide, while fits may run in several threads at once (a
search with joblib's threading backend): the first fit to enter sets it, and
the last to leave puts back what it found.
"""

import threading
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_limiter = None
_controller = None


def _blas_controller():
    from threadpoolctl import ThreadpoolController

    global _controller
    # Inspecting the loaded libraries costs milliseconds; do it once. NumPy's
    # and SciPy's BLAS are both loaded by the time a fit first gets here.
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


@contextmanager
def single_threaded_blas():
    """Limit the BLAS libraries of this process to one thread in the block."""
    global _active, _limiter
    with _lock:
        if _active == 0:
            _limiter = _blas_controller().limit(limits=1, user_api="blas")
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _limiter.restore_original_limits()
                _limiter = None
