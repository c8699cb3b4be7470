"""The report names a winner only when it wins at the pessimistic end of its interval."""

from siliconomics.report.gather import _rewithin, _winner


def row(chip: str, cost: float, lo: float, hi: float) -> dict[str, object]:
    return {
        "accelerator": chip,
        "usd_per_request": cost,
        "usd_per_request_low": lo,
        "usd_per_request_high": hi,
        "within_error_of_best": False,
    }


def test_a_clear_winner_beats_every_central_estimate_at_its_high_end() -> None:
    rows = _rewithin([row("a", 1.0, 0.9, 1.1), row("b", 1.5, 1.3, 1.8)])
    assert _winner(rows, "usd_per_request") == ("a", [])


def test_overlapping_intervals_name_no_winner() -> None:
    # a's pessimistic 1.6 is above b's central 1.5: within error, no winner named.
    rows = _rewithin([row("a", 1.0, 0.5, 1.6), row("b", 1.5, 1.2, 1.9), row("c", 3.0, 2.8, 3.3)])
    assert _winner(rows, "usd_per_request") == ("", ["b"])
