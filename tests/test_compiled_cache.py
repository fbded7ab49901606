"""The cache of compiled samplers: hits, misses, bad entries, processes, no cache.

Counted, never timed: a hit is a program loaded without tracing.
"""

import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from skbayes import BayesianLinearRegressor, _compiled
from skbayes._kernels import trace_count

# Settings no other test uses, so that their programs start uncached.
SETTINGS = dict(num_warmup=150, num_samples=100, num_chains=3, random_state=4)


@pytest.fixture
def data():
    rng = np.random.default_rng(30)
    X = rng.normal(size=(40, 2))
    return X, X @ [1.0, -1.0] + rng.normal(size=40)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache directory, and no programs loaded in this process."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("SKBAYES_CACHE_DIR", str(directory))
    monkeypatch.setattr(_compiled, "_loaded", {})
    return directory


def _entries(directory):
    return sorted(path for path in directory.iterdir() if path.suffix == ".xla")


def _fresh_process():
    """As a new process: nothing loaded in memory, the disk cache as it is."""
    _compiled._loaded.clear()


def _counts():
    s = _compiled.statistics
    return s.memory_hits, s.disk_hits, s.misses, s.rejected, s.writes


def _delta(before):
    return tuple(after - b for after, b in zip(_counts(), before, strict=True))


def test_miss_then_hits_in_memory_and_on_disk(data, cache):
    X, y = data
    before, traced = _counts(), trace_count()
    first = BayesianLinearRegressor(**SETTINGS).fit(X, y)
    # One program, compiled and written once.
    assert _delta(before) == (0, 0, 1, 0, 1)
    assert trace_count() == traced + 1
    assert len(_entries(cache)) == 1
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700

    before = _counts()
    BayesianLinearRegressor(**SETTINGS).fit(X, y)
    assert _delta(before) == (1, 0, 0, 0, 0)

    _fresh_process()
    before, traced = _counts(), trace_count()
    again = BayesianLinearRegressor(**SETTINGS).fit(X, y)
    assert _delta(before) == (0, 1, 0, 0, 0)
    assert trace_count() == traced
    # A loaded program draws exactly what the compiled one drew.
    for name, draws in first.posterior_samples_.items():
        np.testing.assert_array_equal(again.posterior_samples_[name], draws)


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "foreign", "empty"])
def test_bad_entries_are_ignored_and_replaced(data, cache, damage):
    X, y = data
    reference = BayesianLinearRegressor(**SETTINGS).fit(X, y)
    (path,) = _entries(cache)
    blob = path.read_bytes()
    if damage == "corrupt":
        middle = len(blob) // 2
        blob = blob[:middle] + bytes([blob[middle] ^ 0xFF]) + blob[middle + 1 :]
    elif damage == "truncated":
        blob = blob[: len(blob) // 3]
    elif damage == "foreign":  # another program's entry under this name
        BayesianLinearRegressor(**{**SETTINGS, "num_chains": 2}).fit(X, y)
        blob = next(other for other in _entries(cache) if other != path).read_bytes()
    else:
        blob = b""
    path.write_bytes(blob)

    _fresh_process()
    before = _counts()
    model = BayesianLinearRegressor(**SETTINGS).fit(X, y)
    assert _delta(before) == (0, 0, 1, 1, 1)
    np.testing.assert_array_equal(
        model.posterior_samples_["coef"], reference.posterior_samples_["coef"]
    )
    _fresh_process()
    before = _counts()
    BayesianLinearRegressor(**SETTINGS).fit(X, y)
    assert _delta(before) == (0, 1, 0, 0, 0)


def test_disabled_cache_writes_nothing(data, tmp_path, monkeypatch):
    X, y = data
    monkeypatch.setenv("SKBAYES_CACHE_DIR", "")
    monkeypatch.setattr(_compiled, "_loaded", {})
    before = _counts()
    BayesianLinearRegressor(**SETTINGS).fit(X, y)
    assert _delta(before) == (0, 0, 1, 0, 0)
    assert _compiled.cache_dir() is None


def test_cache_is_pruned_least_recently_used(data, cache, monkeypatch):
    X, y = data
    BayesianLinearRegressor(**SETTINGS).fit(X, y)
    oldest = _entries(cache)
    for path in oldest:
        os.utime(path, (1.0, 1.0))
    size = sum(path.stat().st_size for path in oldest)
    # Room for a little more than one entry.
    monkeypatch.setenv("SKBAYES_CACHE_MAX_MB", str(1.2 * size / 2**20))
    BayesianLinearRegressor(**{**SETTINGS, "num_chains": 2}).fit(X, y)
    remaining = _entries(cache)
    assert len(remaining) == 1 and not set(remaining) & set(oldest)


_CHILD = """
import sys, numpy as np
from skbayes import BayesianLinearRegressor, _compiled
from skbayes._kernels import trace_count
rng = np.random.default_rng(30)
X = rng.normal(size=(40, 2))
y = X @ [1.0, -1.0] + rng.normal(size=40)
model = BayesianLinearRegressor(**{settings!r}).fit(X, y)
s = _compiled.statistics
print(trace_count(), s.disk_hits, s.misses, s.rejected)
np.save(sys.argv[1], model.posterior_samples_["coef"])
"""


def _start_child(directory, output):
    env = {**os.environ, "SKBAYES_CACHE_DIR": str(directory)}
    return subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(settings=SETTINGS), str(output)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_processes_share_the_cache_and_write_it_concurrently(tmp_path):
    """Two processes compile and write the same entries at once; a third loads."""
    directory = tmp_path / "shared"
    writers = [_start_child(directory, tmp_path / f"w{k}.npy") for k in range(2)]
    outputs = [writer.communicate()[0].split() for writer in writers]
    assert all(writer.returncode == 0 for writer in writers)
    reader = _start_child(directory, tmp_path / "reader.npy")
    traced, disk_hits, misses, rejected = map(int, reader.communicate()[0].split())
    assert reader.returncode == 0
    assert (traced, disk_hits, misses, rejected) == (0, 1, 0, 0)
    assert len(_entries(directory)) == 1
    assert not [path for path in directory.iterdir() if path.suffix == ".tmp"]
    draws = [np.load(tmp_path / f"{name}.npy") for name in ("w0", "w1", "reader")]
    np.testing.assert_array_equal(draws[0], draws[2])
    np.testing.assert_array_equal(draws[1], draws[2])
    assert all(int(output[0]) >= 0 for output in outputs)


def test_the_key_covers_every_module_a_program_is_traced_from(monkeypatch):
    """A kernel that calls into another skbayes module puts it in the key."""
    from skbayes import _kernels, _predictive

    # The energies of every family, and the noise priors' log densities, are
    # traced into the programs.
    before = [m.__name__ for m in _compiled.program_modules()]
    for name in ("_energy", "_noise_priors", "_intercept_priors", "_densities"):
        assert f"skbayes.{name}" in before
    for family in ("normal", "student_t", "laplace", "horseshoe"):
        assert f"skbayes._coef_priors.{family}" in before
    assert "skbayes._predictive" not in before
    monkeypatch.setattr(_kernels, "borrowed", _predictive.hdi, raising=False)
    names = [m.__name__ for m in _compiled.program_modules()]
    assert names == sorted([*before, "skbayes._predictive"])
