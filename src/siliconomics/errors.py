"""The one exception type users see.

Every error a user can cause (an unknown id, a negative batch, a model that does not fit,
a malformed file) is raised as :class:`SiliconomicsError` with a message that names the
field and, where the set is closed, the allowed values. The command line prints that one
line and exits with status 2; it never shows a traceback for these.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SiliconomicsError(ValueError):
    """A user-facing error: one line, naming the field and what is allowed."""


class DoesNotFit(SiliconomicsError):
    """The model (with its KV cache) does not fit on the hardware in any allowed layout."""


class UnsupportedFormat(SiliconomicsError):
    """A numeric format the chip's datasheet does not list."""


class SlaUnreachable(SiliconomicsError):
    """No configuration meets the latency limits (simulated p99 under load)."""


class MissingPrice(SiliconomicsError):
    """No sourced purchase or rental price for the chip."""


class MissingPower(SiliconomicsError):
    """No sourced power figure for the chip or its system."""


#: How many allowed values an error line lists after the closest matches.
SHOWN_CHOICES = 40


def unknown(field: str, value: object, allowed: Iterable[str]) -> SiliconomicsError:
    """Error for a value outside a closed set: the closest matches first ("did you mean"),
    then the allowed values (all of them up to :data:`SHOWN_CHOICES`).

    Closeness is difflib's ratio over lower-cased text (cutoff 0.6), with ids that contain
    the typed text (``h100`` in ``nvidia-h100-sxm``) added after them.
    """
    choices = sorted({str(c) for c in allowed})
    typed = str(value).lower()
    close = difflib.get_close_matches(typed, choices, n=3, cutoff=0.6)
    close += [c for c in choices if typed and typed in c.lower() and c not in close][:3]
    hint = f"; did you mean {', '.join(repr(c) for c in close[:4])}?" if close else ""
    shown = ", ".join(choices[:SHOWN_CHOICES])
    if len(choices) > SHOWN_CHOICES:
        shown += f" ... ({len(choices)} in all; 'siliconomics catalog list' shows them)"
    return SiliconomicsError(f"{field}: unknown value {value!r}{hint}; allowed: {shown}")


def require_positive(field: str, value: float) -> None:
    """Raise unless ``value`` > 0."""
    if not value > 0:
        raise SiliconomicsError(f"{field}: must be > 0, got {value}")
