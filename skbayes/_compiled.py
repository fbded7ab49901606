"""Compiled samplers, kept in memory and in a cache directory on disk.

Tracing and compiling the NUTS sampler costs seconds; running it a tenth of
that. So each compiled program is serialised to a cache directory owned by
skbayes, and a fresh process (a notebook kernel, a script, a joblib worker)
loads it in a fraction of a second instead of compiling again. JAX's own
configuration is never changed.

Where: ``SKBAYES_CACHE_DIR`` when set (an empty value disables the disk
cache), else the user cache directory (``platformdirs.user_cache_dir
("skbayes")``), created readable by its owner only. Each entry is one file
named by a hash of everything that can change the program: the versions of
skbayes (and the source of its kernels), JAX, jaxlib and NumPyro, the backend,
device kind and CPU, JAX's ``jax_enable_x64`` and ``XLA_FLAGS``, the program's
static settings and the shapes and dtypes of its inputs. The file repeats that
key and carries a checksum: a corrupt, truncated or foreign entry is ignored,
counted and replaced, never trusted. Entries are written to a temporary file
and renamed, so concurrent writers (several processes, joblib workers) never
expose a partial file. The cache is pruned least-recently-used to
``SKBAYES_CACHE_MAX_MB`` megabytes (default 256).

Loading an executable runs code the cache directory holds, as unpickling
does: the directory must be as trusted as the user's own files (it is
created owner-only for that reason).
"""

import functools
import hashlib
import os
import pickle
import platform
import tempfile
import threading
import types
from dataclasses import dataclass, field

import jax
import numpy as np

#: Bump when the file layout or the kernels' calling convention changes.
_FORMAT = b"skbayes-compiled-1\n"
_DEFAULT_MAX_MB = 256
_SUFFIX = ".xla"


@dataclass
class CacheStatistics:
    """What the cache did in this process, for tests and benchmarks.

    Attributes
    ----------
    memory_hits : int
        Programs found already loaded in this process.
    disk_hits : int
        Programs loaded from the cache directory.
    misses : int
        Programs compiled (and then written when the disk cache is on).
    rejected : int
        Entries found corrupt, truncated, foreign or unloadable, and replaced.
    writes : int
        Entries written.
    """

    memory_hits: int = 0
    disk_hits: int = 0
    misses: int = 0
    rejected: int = 0
    writes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, name):
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


statistics = CacheStatistics()
_loaded = {}
_compile_locks = {}
_locks_lock = threading.Lock()


def cache_dir():
    """The disk cache's directory, or None when ``SKBAYES_CACHE_DIR=""`` disables it."""
    configured = os.environ.get("SKBAYES_CACHE_DIR")
    if configured is not None:
        return configured or None
    import platformdirs

    return platformdirs.user_cache_dir("skbayes")


def _max_bytes():
    try:
        return float(os.environ.get("SKBAYES_CACHE_MAX_MB", _DEFAULT_MAX_MB)) * 2**20
    except ValueError:
        return _DEFAULT_MAX_MB * 2**20


@functools.cache
def _cpu_description():
    """The processor the code is compiled for: machine and feature flags."""
    flags = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("flags", "Features")):
                    flags = line
                    break
    except OSError:
        pass
    return f"{platform.machine()} {platform.processor()} {flags.strip()}"


def program_modules():
    """The skbayes modules a compiled program is traced from.

    :mod:`skbayes._kernels` and every skbayes module it imports, transitively
    (through names, modules and the families of registries): an edit to any of
    them makes a new program, so all are in the cache key.
    """
    import importlib

    from . import _kernels

    found, pending = {}, [_kernels]
    while pending:
        module = pending.pop()
        if module.__name__ in found:
            continue
        found[module.__name__] = module
        values = list(vars(module).values())
        # Registries are dicts of families: follow their entries too.
        values += [
            v for value in values if isinstance(value, dict) for v in value.values()
        ]
        for value in values:
            if isinstance(value, types.ModuleType):
                owner = value.__name__
            else:
                owner = getattr(value, "__module__", None)
            if isinstance(owner, str) and owner.startswith("skbayes."):
                pending.append(importlib.import_module(owner))
    return [found[name] for name in sorted(found)]


@functools.cache
def _kernel_source_digest():
    """Hash of the kernels' source: an edited kernel is a new program."""
    digest = hashlib.sha256()
    for module in program_modules():
        with open(module.__file__, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def _environment_key():
    import jaxlib
    import numpyro

    from . import __version__

    device = jax.devices()[0]
    return (
        __version__,
        _kernel_source_digest(),
        jax.__version__,
        jaxlib.__version__,
        numpyro.__version__,
        jax.default_backend(),
        device.device_kind,
        getattr(device.client, "platform_version", ""),
        _cpu_description() if device.platform == "cpu" else "",
        bool(jax.config.jax_enable_x64),
        os.environ.get("XLA_FLAGS", ""),
    )


def placeholder_argument(program, position):
    """Zero arrays shaped like the positional argument ``position`` of ``program``."""
    positional, _ = program.args_info
    return jax.tree.map(
        lambda info: np.zeros(info.shape, info.dtype), positional[position]
    )


def _signature(args):
    """Structure, shapes and dtypes of the arguments: what the program sees."""
    leaves, tree = jax.tree_util.tree_flatten(args)
    return str(tree), tuple((tuple(leaf.shape), str(leaf.dtype)) for leaf in leaves)


def _entry_key(name, static, args):
    text = repr((_environment_key(), name, sorted(static.items()), _signature(args)))
    return hashlib.sha256(text.encode()).digest()


def compiled(function, name, static, key_args, example_args):
    """The compiled ``function(*args, **static)``, from memory, disk or XLA.

    Parameters
    ----------
    function : callable
        Pure JAX function; ``static`` are its compile-time keyword arguments.
    name : str
        Name of the program, part of its cache key.
    static : dict
        Static (hashable) keyword arguments.
    key_args : tuple
        Arguments whose structure, shapes and dtypes, with ``static``,
        determine those of every argument: the cache key.
    example_args : callable
        Returns positional arguments with the shapes and dtypes of a call;
        called only to compile.

    Returns
    -------
    program : jax.stages.Compiled
        Called with positional arguments only.
    """
    key = _entry_key(name, static, key_args)
    program = _loaded.get(key)
    if program is not None:
        statistics.count("memory_hits")
        return program
    with _locks_lock:
        lock = _compile_locks.setdefault(key, threading.Lock())
    # One thread compiles a program while the others wait for it.
    with lock:
        program = _loaded.get(key)
        if program is not None:
            statistics.count("memory_hits")
            return program
        directory = cache_dir()
        program = None if directory is None else _read(directory, key)
        if program is None:
            statistics.count("misses")
            static_names = tuple(static)
            program = (
                jax.jit(function, static_argnames=static_names)
                .lower(*example_args(), **static)
                .compile()
            )
            if directory is not None:
                _write(directory, key, program)
        else:
            statistics.count("disk_hits")
        _loaded[key] = program
        return program


def _path(directory, key):
    return os.path.join(directory, key.hex()[:40] + _SUFFIX)


def _read(directory, key):
    """Load an entry, or None if it is missing; a bad entry is removed."""
    from jax.experimental.serialize_executable import deserialize_and_load

    path = _path(directory, key)
    try:
        with open(path, "rb") as file:
            blob = file.read()
    except OSError:
        return None
    header = len(_FORMAT) + 32 + 8 + 32
    try:
        if (
            blob[: len(_FORMAT)] != _FORMAT
            or blob[len(_FORMAT) : len(_FORMAT) + 32] != key
        ):
            raise ValueError("not this program's entry")
        start = len(_FORMAT) + 32
        size = int.from_bytes(blob[start : start + 8], "little")
        checksum = blob[start + 8 : header]
        payload = blob[header:]
        if len(payload) != size or hashlib.sha256(payload).digest() != checksum:
            raise ValueError("truncated or corrupt")
        serialized, in_tree, out_tree = pickle.loads(payload)
        program = deserialize_and_load(serialized, in_tree, out_tree)
    except Exception:
        statistics.count("rejected")
        _remove(path)
        return None
    try:
        os.utime(path)  # most recently used
    except OSError:
        pass
    return program


def _write(directory, key, program):
    """Write an entry atomically; a cache that cannot be written is skipped."""
    from jax.experimental.serialize_executable import serialize

    if _calls_host_kernels(program):
        return  # memory only: see _calls_host_kernels
    try:
        payload = pickle.dumps(serialize(program), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return  # not serialisable on this backend: memory only
    blob = b"".join(
        [
            _FORMAT,
            key,
            len(payload).to_bytes(8, "little"),
            hashlib.sha256(payload).digest(),
            payload,
        ]
    )
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(blob)
            os.replace(temporary, _path(directory, key))
        except BaseException:
            _remove(temporary)
            raise
    except OSError:
        return
    statistics.count("writes")
    _prune(directory)


def _calls_host_kernels(program):
    """Whether the program calls custom host kernels (LAPACK's, on CPU).

    A loaded executable finds such kernels only if this process has registered
    them, which it does when it first lowers an operation that uses them; a
    fresh process that loads the program from disk first would call an
    unregistered target and crash. Such programs are kept in memory only.
    """
    try:
        text = program.as_text()
    except Exception:
        return True
    return "custom_call_target" in text or "custom-call" in text


def _prune(directory):
    """Delete least-recently-used entries beyond the size limit."""
    entries = []
    for entry in os.scandir(directory):
        if entry.name.endswith(_SUFFIX):
            try:
                info = entry.stat()
            except OSError:
                continue
            entries.append((info.st_mtime, info.st_size, entry.path))
    total = sum(size for _, size, _ in entries)
    limit = _max_bytes()
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        _remove(path)
        total -= size


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def clear_cache():
    """Empty the cache of compiled samplers.

    Deletes every program in the cache directory (``SKBAYES_CACHE_DIR``, else
    the user cache directory) and forgets the programs loaded in this process,
    so that the next fit compiles again. See the performance page of the docs
    for what the cache holds.

    Examples
    --------
    >>> import skbayes
    >>> skbayes.clear_compiled_cache()  # doctest: +SKIP
    """
    _loaded.clear()
    directory = cache_dir()
    if directory is None or not os.path.isdir(directory):
        return
    for entry in os.scandir(directory):
        if entry.name.endswith((_SUFFIX, ".tmp")):
            _remove(entry.path)
