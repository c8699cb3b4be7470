"""siliconomics: an open, validated model of AI compute performance and cost."""

from importlib.metadata import PackageNotFoundError, version


def _version() -> str:
    """The installed distribution's version (pyproject.toml is its one home); "0+unknown"
    when the package runs from a tree that was never installed."""
    try:
        return version("siliconomics")
    except PackageNotFoundError:
        return "0+unknown"


__version__ = _version()
