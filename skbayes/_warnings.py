"""Warnings attributed to the user's code, not to skbayes or its callers' libraries."""

import os
import sys
import warnings

import joblib
import sklearn


def _package_prefix(module_file):
    """The folder of a package's ``__init__.py``, with a trailing separator."""
    return os.path.dirname(os.path.abspath(module_file)) + os.sep


#: Files under these folders call skbayes on the user's behalf: skbayes itself,
#: and scikit-learn and joblib, through which meta-estimators such as
#: GridSearchCV call ``fit``.
_INTERNAL_PREFIXES = tuple(
    _package_prefix(path) for path in (__file__, sklearn.__file__, joblib.__file__)
)


def _skipped_by_warnings(filename):
    """Whether :func:`warnings.warn` skips the frame when counting ``stacklevel``.

    It does so for the import machinery's frames, on Python 3.11 to 3.13.
    """
    return "importlib" in filename and "_bootstrap" in filename


def _caller_stacklevel():
    """The ``stacklevel`` naming the first frame outside the internal packages.

    Counted for a :func:`warnings.warn` called by the caller of this function.
    ``skip_file_prefixes`` (Python 3.12+) would do the same, but not on 3.11.
    """
    frame = sys._getframe(2)  # the caller of warn_at_caller: stacklevel 2
    stacklevel = 2
    while frame.f_back is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_INTERNAL_PREFIXES) and not _skipped_by_warnings(
            filename
        ):
            break
        frame = frame.f_back
        if not _skipped_by_warnings(frame.f_code.co_filename):
            stacklevel += 1
    return stacklevel


def warn_at_caller(message, category):
    """Warn as :func:`warnings.warn`, naming the user's line that led here.

    That is the first frame up the stack whose file is not in skbayes,
    scikit-learn or joblib: the user's ``model.fit(X, y)`` or
    ``search.fit(X, y)``, whichever meta-estimators are in between. If the
    whole stack is internal, the outermost frame is named.

    Parameters
    ----------
    message : str
    category : type of Warning
    """
    warnings.warn(message, category, stacklevel=_caller_stacklevel())
