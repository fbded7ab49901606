"""Every gallery example runs headless, on fewer draws."""

import runpy
from pathlib import Path

import matplotlib
import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("**/plot_*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_runs(path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.setenv("SKBAYES_EXAMPLE_SAMPLES", "200")
    runpy.run_path(str(path), run_name="__main__")
    import matplotlib.pyplot as plt

    assert plt.get_fignums(), "the example draws nothing"
    plt.close("all")


def test_examples_are_found():
    assert EXAMPLES
