"""The one exception type users see.

Every error a user can cause (an unknown id, a negative batch, a model that does not fit,
a malformed file) is raised as :class:`SiliconomicsError` with a message that names the
field and, where the set is closed, the allowed values. The command line prints that one
line and exits with status 2; it never shows a traceback for these.
"""

from __future__ import annotations

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


def unknown(field: str, value: object, allowed: Iterable[str]) -> SiliconomicsError:
    """Error for a value outside a closed set, listing the allowed values."""
    choices = sorted(allowed)
    shown = ", ".join(choices[:40]) + (" ..." if len(choices) > 40 else "")
    return SiliconomicsError(f"{field}: unknown value {value!r}; allowed: {shown}")


def require_positive(field: str, value: float) -> None:
    """Raise unless ``value`` > 0."""
    if not value > 0:
        raise SiliconomicsError(f"{field}: must be > 0, got {value}")
