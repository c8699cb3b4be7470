"""Which data folders a :class:`Catalog` was loaded from: the built-in one, then the overlay.

Both the provenance stamp (a hash over the data files) and the loaders of extra data files
(``api_prices.yaml``) need this one fact, so it lives here, once.

The overlay folder is taken from the Catalog when it records one (an ``overlay`` or
``overlay_dir`` attribute); otherwise it is inferred from ``Catalog.files``, which maps every
entry id to the file that defined it: an entry file is ``<root>/<kind>/<id>.yaml``, so any
such file outside the built-in folder names its root two levels up. An overlay that only adds
``sources.yaml`` or files outside the entry kinds is invisible to that inference; a Catalog
that records its overlay has no such gap.
"""

from __future__ import annotations

from pathlib import Path

from siliconomics.catalog.loader import Catalog, builtin_data_dir


def _recorded_overlay(catalog: Catalog) -> Path | None:
    for name in ("overlay", "overlay_dir"):
        value = getattr(catalog, name, None)
        if isinstance(value, str | Path) and str(value):
            return Path(value)
    return None


def overlay_dirs(catalog: Catalog) -> tuple[Path, ...]:
    """The overlay folders ``catalog`` was loaded with (none for the built-in catalog)."""
    recorded = _recorded_overlay(catalog)
    if recorded is not None:
        return (recorded.resolve(),)
    builtin = builtin_data_dir().resolve()
    found: list[Path] = []
    for path in catalog.files.values():
        p = Path(path).resolve()
        if p.is_relative_to(builtin):
            continue
        root = p.parent.parent
        if root not in found:
            found.append(root)
    return tuple(sorted(found))


def data_dirs(catalog: Catalog) -> tuple[Path, ...]:
    """The built-in data folder, then every overlay folder of ``catalog``."""
    return (builtin_data_dir().resolve(), *overlay_dirs(catalog))
