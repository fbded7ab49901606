"""Data sets that ship with skbayes, for examples and tests."""

from importlib import resources

__all__ = ["load_radon"]


def load_radon():
    """The Minnesota radon data of multilevel regression.

    Radon measurements of 919 houses in 85 Minnesota counties, the subset of
    Gelman and Hill (2006) that posteriordb ships as ``radon_mn`` and that
    PyMC's and Stan's multilevel-modelling case studies use.

    Returns
    -------
    data : pandas.DataFrame of shape (919, 4)
        ``floor_measure`` (0 for a basement, 1 for a first floor),
        ``log_radon`` (the target), ``log_uppm`` (the county's log uranium
        level) and ``county_idx`` (the county, 1 to 85).

    References
    ----------
    Gelman, A. and Hill, J. (2006). *Data Analysis Using Regression and
    Multilevel/Hierarchical Models*. Cambridge University Press.

    Examples
    --------
    >>> from skbayes.datasets import load_radon
    >>> radon = load_radon()
    >>> radon.shape, radon["county_idx"].nunique()
    ((919, 4), 85)
    """
    import pandas as pd

    source = resources.files(__name__).joinpath("data", "radon_mn.csv")
    with source.open("r") as file:
        return pd.read_csv(file)
