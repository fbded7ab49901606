"""Peak memory of a fit streamed from disk with ``partial_fit``.

The requirement checked: a fit on 10^7 rows x 20 features streamed from disk
keeps peak memory under 2x one chunk plus the model. The data are written once,
chunk by chunk, to two sources:

* ``memmap``: ``X`` (n x p) and ``y`` (n,) as float64 ``.npy`` files, read
  through :class:`numpy.memmap`;
* ``parquet``: one Parquet file with one row group per chunk, one float64
  column per feature and one for ``y``, read with pyarrow.

A third reader, ``dask``, reads the ``.npy`` files through the same one-chunk
memory maps, but as the blocks of Dask arrays given to one ``fit`` on Dask's
synchronous scheduler: the blocks are reduced one after the other and the
posterior is sampled once, instead of after every chunk.

Each source is streamed in a fresh Python process, so that the two do not share
an allocator state or a page count. That process compiles the model with a fit
on a small in-memory sample (which touches no page of the files), refits it once
with a new seed to record what one posterior resampling costs in memory and
time, reads its resident memory (the baseline: interpreter, JAX, the compiled
sampler), resets the peak and streams every chunk through a new estimator's
``partial_fit``. Reported per source: rows and bytes of a chunk (``X`` and ``y``
as float64), baseline and peak resident memory, the peak's excess over the
baseline in chunks, the largest resident memory between two chunks (over the
baseline), wall time, and the largest error of the posterior-mean coefficients
against the true ones, also in posterior standard deviations (about 1 to 3 for
20 coefficients and an intercept).

The peak is the kernel's high-water mark ``VmHWM``, reset by writing ``5`` to
``/proc/self/clear_refs``; where that is not allowed, a thread samples
``VmRSS`` every millisecond instead (and can miss a short spike).

Two ways to lose the bound, and how the readers avoid them:

* Pages of a memory map that have been read count in the resident memory of the
  process as long as the map exists. One map over the whole file would grow to
  the size of the file (1.7 GB here) while the chunks are read. The ``memmap``
  reader maps a window of one chunk and drops it before the next one, so its
  pages leave the resident set (they stay in the page cache of the kernel,
  which is not memory of the process). The estimator does not copy a float64
  memory map (``validate_data`` returns a view of it); it reduces a chunk in
  sub-chunks of ``skbayes._suffstats.CHUNK_ROWS`` rows, whose float64 working
  copies are a few megabytes, and adds a weight vector of one float64 a row.
* A Parquet row group decoded into an Arrow table and then converted to one
  NumPy array is two chunks already. The ``parquet`` reader reads a row group
  one column at a time and copies each column into a preallocated float64
  buffer, reused for every chunk, in Fortran order so that each column lands
  contiguously; only one decoded column (n_chunk x 8 bytes) exists besides it.

With ``partial_fit`` the estimator resamples the posterior after every chunk,
so the wall time includes one NUTS run per chunk (see the refit column); the
``dask`` reader's includes one. Its "between chunks" column is the resident
memory after its one ``fit``.

pyarrow is needed for the ``parquet`` source only, dask for the ``dask``
source; without them those sources are skipped. The data files go to a
temporary directory, removed at the end.

Usage::

    python benchmarks/bench_streaming.py [--rows 10000000] [--chunk-rows 1000000]
        [--dir /tmp] [--sources memmap parquet dask]
"""

import argparse
import gc
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from contextlib import ExitStack

os.environ.setdefault("JAX_PLATFORMS", "cpu")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

from benchmarks._common import (  # noqa: E402
    MarkdownTable,
    make_regression_data,
    run_in_fresh_process,
    timed_call,
    true_coef,
)

N_FEATURES = 20
INTERCEPT = 1.0
FLOAT = np.dtype(np.float64)
SETTINGS = dict(num_warmup=1000, num_samples=1000, num_chains=4)
MIB = 2**20
X_FILE, Y_FILE, PARQUET_FILE = "X.npy", "y.npy", "data.parquet"
SOURCES = ("memmap", "parquet", "dask")


def column_names(n_features=N_FEATURES):
    """Parquet column names: the features, then ``y``."""
    return [f"x{j:02d}" for j in range(n_features)] + ["y"]


def simulated_chunks(n_rows, chunk_rows, seed):
    """Yield ``(X, y)`` of the simulated regression, ``chunk_rows`` at a time.

    Parameters
    ----------
    n_rows : int
        Rows in all.
    chunk_rows : int
        Rows of each chunk (the last one may have fewer).
    seed : int
        Seed of the generator shared by all chunks.

    Yields
    ------
    X : ndarray of shape (rows, N_FEATURES)
    y : ndarray of shape (rows,)
    """
    rng = np.random.default_rng(seed)
    for start in range(0, n_rows, chunk_rows):
        rows = min(chunk_rows, n_rows - start)
        yield make_regression_data(
            rows, N_FEATURES, rng, intercept=INTERCEPT, dtype=FLOAT
        )


def open_npy(path, shape):
    """Open a ``.npy`` file of float64 for writing and write its header."""
    handle = open(path, "wb")
    header = {
        "descr": np.lib.format.dtype_to_descr(FLOAT),
        "fortran_order": False,
        "shape": shape,
    }
    np.lib.format.write_array_header_1_0(handle, header)
    return handle


class NpyWriter:
    """Append chunks of rows to ``X.npy`` and ``y.npy`` in a directory."""

    def __init__(self, directory, n_rows):
        self.x_file = open_npy(os.path.join(directory, X_FILE), (n_rows, N_FEATURES))
        self.y_file = open_npy(os.path.join(directory, Y_FILE), (n_rows,))

    def write(self, X, y):
        np.ascontiguousarray(X, dtype=FLOAT).tofile(self.x_file)
        np.ascontiguousarray(y, dtype=FLOAT).tofile(self.y_file)

    def close(self):
        self.x_file.close()
        self.y_file.close()


class ParquetWriter:
    """Write each chunk of rows as one row group of a Parquet file."""

    def __init__(self, directory, compression):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        self.schema = pa.schema([(name, pa.float64()) for name in column_names()])
        self.writer = pq.ParquetWriter(
            os.path.join(directory, PARQUET_FILE), self.schema, compression=compression
        )

    def write(self, X, y):
        columns = [X[:, j] for j in range(X.shape[1])] + [y]
        table = self.pa.Table.from_arrays(
            [self.pa.array(column) for column in columns], schema=self.schema
        )
        self.writer.write_table(table, row_group_size=len(y))

    def close(self):
        self.writer.close()


def write_sources(directory, sources, n_rows, chunk_rows, seed, compression):
    """Write the simulated data to every source, one chunk in memory at a time.

    Returns
    -------
    seconds : float
        Time taken to simulate and write.
    """
    start = time.perf_counter()
    # The memmap and dask readers share the .npy files.
    formats = {"parquet" if source == "parquet" else "npy" for source in sources}
    with ExitStack() as stack:
        writers = []
        for kind in sorted(formats):
            writer = (
                NpyWriter(directory, n_rows)
                if kind == "npy"
                else ParquetWriter(directory, compression)
            )
            stack.callback(writer.close)
            writers.append(writer)
        for X, y in simulated_chunks(n_rows, chunk_rows, seed):
            for writer in writers:
                writer.write(X, y)
    return time.perf_counter() - start


def memmap_window(path, offset, shape):
    """A read-only float64 memory map of ``shape`` at byte ``offset`` of a file."""
    return np.memmap(path, dtype=FLOAT, mode="r", offset=offset, shape=shape)


def memmap_windows(directory, chunk_rows):
    """Yield the :func:`memmap_window` arguments of ``X`` and ``y``, chunk by chunk.

    Parameters
    ----------
    directory : str
        Holds ``X.npy`` and ``y.npy``.
    chunk_rows : int
        Rows per chunk.

    Yields
    ------
    x_window, y_window : tuple
        ``(path, offset, shape)`` of the chunk's rows of ``X`` and of ``y``.
    """
    x_path, y_path = (os.path.join(directory, name) for name in (X_FILE, Y_FILE))
    # Mapping a whole file reads only its header page; the maps are dropped at once.
    whole_x = np.load(x_path, mmap_mode="r")
    whole_y = np.load(y_path, mmap_mode="r")
    n_rows, n_features = whole_x.shape
    x_offset, y_offset = whole_x.offset, whole_y.offset
    del whole_x, whole_y
    row_bytes = n_features * FLOAT.itemsize
    for start in range(0, n_rows, chunk_rows):
        rows = min(chunk_rows, n_rows - start)
        yield (
            (x_path, x_offset + start * row_bytes, (rows, n_features)),
            (y_path, y_offset + start * FLOAT.itemsize, (rows,)),
        )


def memmap_chunks(directory, chunk_rows):
    """Yield ``(X, y)`` as memory maps of one chunk of rows each.

    Each chunk is its own map (``np.memmap`` with an offset), which the caller
    drops before asking for the next one: pages read through a map stay
    resident while it exists, so a single map over the file would grow to the
    file's size. The generator keeps no reference to a chunk it has yielded.

    Yields
    ------
    X : numpy.memmap of shape (rows, n_features)
    y : numpy.memmap of shape (rows,)
    """
    for x_window, y_window in memmap_windows(directory, chunk_rows):
        yield memmap_window(*x_window), memmap_window(*y_window)


def dask_memmap_arrays(directory, chunk_rows):
    """``X`` and ``y`` as Dask arrays whose blocks are one-chunk memory maps.

    Each block is mapped by the task that reads it, and its map is dropped when
    the block's statistics are done.

    Returns
    -------
    X : dask array of shape (n_rows, n_features)
    y : dask array of shape (n_rows,)
    """
    import dask
    import dask.array as da

    load = dask.delayed(memmap_window, pure=True)
    x_blocks, y_blocks = [], []
    for x_window, y_window in memmap_windows(directory, chunk_rows):
        for blocks, window in ((x_blocks, x_window), (y_blocks, y_window)):
            shape = window[2]
            blocks.append(da.from_delayed(load(*window), shape=shape, dtype=FLOAT))
    return da.concatenate(x_blocks), da.concatenate(y_blocks)


def copy_column(parquet_file, group, name, out):
    """Decode one column of one row group into ``out``, without another copy."""
    table = parquet_file.read_row_group(group, columns=[name])
    start = 0
    for piece in table.column(0).chunks:
        values = piece.to_numpy(zero_copy_only=True)
        out[start : start + len(values)] = values
        start += len(values)


def parquet_chunks(parquet_file):
    """Yield ``(X, y)`` row group by row group, in buffers reused for all.

    A row group is decoded one column at a time into a preallocated
    Fortran-ordered float64 buffer, so at most one decoded column exists beside
    the buffer.

    Parameters
    ----------
    parquet_file : pyarrow.parquet.ParquetFile
        Columns: the features, then the target.

    Yields
    ------
    X : ndarray of shape (rows, n_features)
        A view of the reused buffer.
    y : ndarray of shape (rows,)
        A view of the reused buffer.
    """
    metadata = parquet_file.metadata
    *features, target = parquet_file.schema_arrow.names
    groups = range(metadata.num_row_groups)
    max_rows = max(metadata.row_group(group).num_rows for group in groups)
    X_buffer = np.empty((max_rows, len(features)), dtype=FLOAT, order="F")
    y_buffer = np.empty(max_rows, dtype=FLOAT)
    for group in groups:
        rows = metadata.row_group(group).num_rows
        X, y = X_buffer[:rows], y_buffer[:rows]
        for j, name in enumerate(features):
            copy_column(parquet_file, group, name, X[:, j])
        copy_column(parquet_file, group, target, y)
        yield X, y


def open_source(source, directory, chunk_rows):
    """The chunks of a source, its reader imported and opened.

    Returns
    -------
    chunks : iterator of (X, y), or (X, y) as Dask arrays for ``"dask"``
    allocator : str
        Arrow's memory pool for Parquet, else ``"-"``.
    """
    if source == "memmap":
        return memmap_chunks(directory, chunk_rows), "-"
    if source == "dask":
        return dask_memmap_arrays(directory, chunk_rows), "-"
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet_file = pq.ParquetFile(os.path.join(directory, PARQUET_FILE))
    return parquet_chunks(parquet_file), pa.default_memory_pool().backend_name


def status_kib(field):
    """A field of ``/proc/self/status`` in KiB, such as ``VmRSS`` or ``VmHWM``."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def rss_bytes():
    """Resident memory of this process now, in bytes."""
    return status_kib("VmRSS") * 1024


class PeakMeter:
    """Peak resident memory of this process since the last ``reset``.

    Resets the kernel's high-water mark ``VmHWM`` through
    ``/proc/self/clear_refs``; if that fails, samples ``VmRSS`` in a thread.
    """

    def __init__(self, interval=0.001):
        self.interval = interval
        self.method = None
        self._thread = None
        self._stop = threading.Event()
        self._peak = 0

    def reset(self):
        self._stop_sampling()
        try:
            with open("/proc/self/clear_refs", "w") as clear_refs:
                clear_refs.write("5")
            if status_kib("VmHWM") <= status_kib("VmRSS") + 1024:
                self.method = "VmHWM"
                return
        except OSError:
            pass
        self.method = "sampled VmRSS"
        self._peak = rss_bytes()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def peak(self):
        """Peak resident memory in bytes since ``reset``."""
        if self.method == "VmHWM":
            return status_kib("VmHWM") * 1024
        self._stop_sampling()
        return max(self._peak, rss_bytes())

    def _sample(self):
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, rss_bytes())

    def _stop_sampling(self):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None


def compile_model(model):
    """Fit ``model`` on a small in-memory sample so that JAX compiles."""
    X, y = next(simulated_chunks(2000, 2000, seed=12345))
    model.fit(X, y)
    return X, y


def measure_resampling(model, X, y, meter):
    """Memory and time of one posterior resampling of a compiled model.

    Returns
    -------
    extra : int
        Peak resident memory of the refit over the memory before it, bytes.
    seconds : float
    """
    gc.collect()
    before = rss_bytes()
    meter.reset()
    seconds, _ = timed_call(lambda: model.set_params(random_state=1).fit(X, y))
    return meter.peak() - before, seconds


def fit_dask(model, arrays):
    """Fit ``model`` once on Dask arrays, one block at a time.

    Returns
    -------
    Like :func:`stream`; the resident memory after the fit stands for the
    memory between chunks.
    """
    import dask

    X, y = arrays
    with dask.config.set(scheduler="synchronous"):
        model.fit(X, y)
    return X.shape[0], max(X.chunks[0]), rss_bytes()


def stream(model, chunks):
    """Feed every chunk to ``model.partial_fit``.

    Returns
    -------
    n_rows : int
        Rows streamed.
    chunk_rows : int
        Rows of the largest chunk.
    max_rss : int
        Largest resident memory right after a chunk, bytes.
    """
    n_rows = chunk_rows = max_rss = 0
    for X, y in chunks:
        n_rows += X.shape[0]
        chunk_rows = max(chunk_rows, X.shape[0])
        model.partial_fit(X, y)
        del X, y
        max_rss = max(max_rss, rss_bytes())
    return n_rows, chunk_rows, max_rss


def worker(source, directory, chunk_rows):
    """Stream one source in this process and return the measurements.

    Parameters
    ----------
    source : {"memmap", "parquet", "dask"}
    directory : str
        Directory of the data files.
    chunk_rows : int
        Rows per chunk of the ``memmap`` and ``dask`` sources; a Parquet chunk is
        a row group.

    Returns
    -------
    result : dict
    """
    warnings.simplefilter("ignore")
    from skbayes import BayesianLinearRegressor

    meter = PeakMeter()
    warm = BayesianLinearRegressor(**SETTINGS, random_state=0)
    X_small, y_small = compile_model(warm)
    resample_extra, resample_seconds = measure_resampling(warm, X_small, y_small, meter)
    del X_small, y_small
    # The reader's imports and metadata are fixed costs, taken before the baseline.
    chunks, allocator = open_source(source, directory, chunk_rows)
    model = BayesianLinearRegressor(**SETTINGS, random_state=0)
    gc.collect()
    baseline = rss_bytes()
    meter.reset()
    feed = fit_dask if source == "dask" else stream
    seconds, (n_rows, rows, max_rss) = timed_call(lambda: feed(model, chunks))
    return {
        "source": source,
        "chunk_rows": rows,
        "baseline": baseline,
        "peak": meter.peak(),
        "between_chunks": max_rss,
        "seconds": seconds,
        "resample_extra": resample_extra,
        "resample_seconds": resample_seconds,
        "method": meter.method,
        "allocator": allocator,
        "n_rows": n_rows,
        "coef": model.coef_.tolist(),
        "coef_sd": model.posterior_samples_["coef"].std(axis=0).tolist(),
        "intercept": float(model.intercept_),
        "intercept_sd": float(model.posterior_samples_["intercept"].std()),
    }


def run_worker(source, directory, chunk_rows):
    """Run :func:`worker` in a fresh Python process and return its result."""
    arguments = (source, os.path.abspath(directory), chunk_rows)
    return run_in_fresh_process(
        "from benchmarks._common import report_to_parent\n"
        "from benchmarks.bench_streaming import worker\n"
        f"report_to_parent(worker(*{arguments!r}))\n"
    )


def summarise(result):
    """Derived figures of one worker result, in MiB and chunk units."""
    chunk_bytes = result["chunk_rows"] * (N_FEATURES + 1) * FLOAT.itemsize
    excess = result["peak"] - result["baseline"]
    errors = np.abs(np.array(result["coef"]) - true_coef(N_FEATURES))
    z = errors / np.array(result["coef_sd"])
    z_intercept = abs(result["intercept"] - INTERCEPT) / result["intercept_sd"]
    return {
        "chunk_bytes": chunk_bytes,
        "excess": excess,
        "excess_chunks": excess / chunk_bytes,
        "within_bound": excess < 2 * chunk_bytes,
        "max_z": float(max(z.max(), z_intercept)),
        "max_error": float(errors.max()),
    }


def print_results(results):
    """Print the results as a Markdown table."""
    headers = (
        "source",
        "chunk rows",
        "chunk MiB",
        "baseline MiB",
        "peak MiB",
        "(peak - base) / chunk",
        "between chunks MiB",
        "refit extra MiB",
        "wall s",
        "max abs err",
        "max err / sd",
    )
    widths = [len(max(SOURCES, key=len)), *map(len, headers[1:])]
    table = MarkdownTable(headers, widths, align="<" + ">" * (len(headers) - 1))
    table.print_header()
    for result in results:
        derived = summarise(result)
        table.print_row(
            (
                result["source"],
                str(result["chunk_rows"]),
                f"{derived['chunk_bytes'] / MIB:.1f}",
                f"{result['baseline'] / MIB:.1f}",
                f"{result['peak'] / MIB:.1f}",
                f"{derived['excess_chunks']:.2f}",
                f"{(result['between_chunks'] - result['baseline']) / MIB:.1f}",
                f"{result['resample_extra'] / MIB:.1f}",
                f"{result['seconds']:.1f}",
                f"{derived['max_error']:.2e}",
                f"{derived['max_z']:.2f}",
            )
        )


def print_checks(results):
    """Print the bound check per source; return whether every source meets it."""
    print("\nFloor check, (peak - baseline) < 2 x chunk bytes:")
    passed = True
    for result in results:
        derived = summarise(result)
        verdict = "PASS" if derived["within_bound"] else "FAIL"
        passed &= derived["within_bound"]
        bound = 2 * derived["chunk_bytes"] / MIB
        print(
            f"  {result['source']:<7}: {derived['excess'] / MIB:.1f} MiB < "
            f"{bound:.1f} MiB: {verdict} ({result['n_rows']} rows; peak by "
            f"{result['method']}; one resampling {result['resample_seconds']:.2f} s; "
            f"Arrow pool {result['allocator']})"
        )
    return passed


def available_sources(requested):
    """The requested sources that can run here (Parquet needs pyarrow)."""
    sources = list(dict.fromkeys(requested))
    if "parquet" in sources:
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            print("pyarrow is not installed: the parquet source is skipped.")
            sources.remove("parquet")
    if "dask" in sources:
        try:
            import dask.array  # noqa: F401
        except ImportError:
            print("dask is not installed: the dask source is skipped.")
            sources.remove("dask")
    return sources


def check_disk(directory, n_rows):
    """Fail early if the directory cannot hold two copies of the data."""
    needed = 2 * n_rows * (N_FEATURES + 1) * FLOAT.itemsize
    free = shutil.disk_usage(directory).free
    if free < 1.1 * needed:
        raise SystemExit(
            f"{directory} has {free / 2**30:.1f} GiB free; the data need "
            f"{needed / 2**30:.1f} GiB."
        )


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--dir", default=None, help="where the temporary data directory goes"
    )
    parser.add_argument("--sources", nargs="+", choices=SOURCES, default=SOURCES)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--compression", default="snappy", help="Parquet codec, e.g. snappy, none"
    )
    args = parser.parse_args()
    if args.rows < 1 or args.chunk_rows < 1:
        parser.error("--rows and --chunk-rows must be positive")
    return args


def main():
    args = parse_args()
    sources = available_sources(args.sources)
    base = args.dir or tempfile.gettempdir()
    check_disk(base, args.rows)
    print(
        f"n = {args.rows}, p = {N_FEATURES}, chunk = {args.chunk_rows} rows, "
        f"{SETTINGS['num_chains']} chains x ({SETTINGS['num_warmup']} + "
        f"{SETTINGS['num_samples']}) per partial_fit, Parquet {args.compression}"
    )
    with tempfile.TemporaryDirectory(prefix="bench_streaming_", dir=base) as data:
        seconds = write_sources(
            data, sources, args.rows, args.chunk_rows, args.seed, args.compression
        )
        print(f"wrote {', '.join(sources)} to {data} in {seconds:.1f} s\n")
        results = [run_worker(source, data, args.chunk_rows) for source in sources]
    print_results(results)
    if not print_checks(results):
        sys.exit(1)


if __name__ == "__main__":
    main()
