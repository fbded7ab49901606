"""Sphinx configuration of the skbayes documentation."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")

import skbayes  # noqa: E402

project = "skbayes"
author = "The skbayes developers"
copyright = "2026, The skbayes developers"
release = skbayes.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]

html_theme = "pydata_sphinx_theme"
html_title = "skbayes"
html_theme_options = {"navigation_with_keys": False}

# No intersphinx: documentation builds run without network access, and a
# -W build would fail on inventories it cannot fetch.

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",
    "doc_module": ("skbayes",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"skbayes": None},
}
