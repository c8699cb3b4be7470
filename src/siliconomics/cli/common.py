"""What every command shares: the app, consoles, option types, the one error handler, units."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from siliconomics import __version__
from siliconomics.econ.assumptions import parse_overrides
from siliconomics.errors import SiliconomicsError

app = typer.Typer(
    help="siliconomics: LLM performance and cost on GPUs and custom ASICs, with sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"siliconomics {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    # No docstring: the app's help above stays the one shown by --help.
    pass


catalog_app = typer.Typer(
    help="Browse the catalog of chips, systems, models and prices.", no_args_is_help=True
)
app.add_typer(catalog_app, name="catalog")

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        help="Overlay folder that adds or overrides catalog entries.",
        envvar="SILICONOMICS_CATALOG",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def user_errors(fn: F) -> F:
    """Turn a SiliconomicsError into one line on stderr and exit status 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SiliconomicsError as exc:
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err.print("error: interrupted; nothing was written after the interruption")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def si(value: float | None, unit: str, digits: int = 3) -> str:
    """Format an SI quantity for display (the only place units are converted)."""
    if value is None:
        return "-"
    for factor, prefix in (
        (1e18, "E"),
        (1e15, "P"),
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
    ):
        if abs(value) >= factor:
            return f"{value / factor:.{digits}g} {prefix}{unit}"
    if 0 < abs(value) < 1 and unit == "s":
        for factor, prefix in ((1e-3, "m"), (1e-6, "µ")):
            if abs(value) >= factor:
                return f"{value / factor:.{digits}g} {prefix}s"
    return f"{value:.{digits}g} {unit}".strip()


def interval_text(value: float | None, low: float | None, high: float | None, fmt: str) -> str:
    """'1,234 (980-1,490)': a prediction with its interval."""
    if value is None:
        return "-"
    if low is None or high is None:
        return fmt.format(value)
    return f"{fmt.format(value)} ({fmt.format(low)}-{fmt.format(high)})"


def validated_mark(row: dict[str, Any]) -> str:
    return "" if row.get("validated", True) else " (unvalidated)"


WeightsOpt = Annotated[
    list[str] | None,
    typer.Option(help="Weight formats: bf16|fp8|fp4|int4 (repeat to search several)"),
]
KvOpt = Annotated[list[str] | None, typer.Option(help="KV-cache formats: bf16|fp8 (repeat)")]
PrecisionOpt = Annotated[
    str | None,
    typer.Option(
        help="Precision policy when no --weights/--kv: production (default: fp8 where the "
        "chip has it, else bf16) | fp4 | native"
    ),
]
TtftOpt = Annotated[
    float | None, typer.Option(help="p99 time-to-first-token limit in s (simulated under load)")
]
TpotOpt = Annotated[
    float | None, typer.Option(help="p99 time-per-output-token limit in s (simulated under load)")
]


SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override an economic input, NAME=VALUE (see docs/economics.md)"),
]


def overrides(items: list[str] | None) -> dict[str, float] | None:
    return parse_overrides(items) if items else None


def par_text(p: dict[str, int]) -> str:
    return " ".join(f"{k}{p[k]}" for k in ("tp", "pp", "ep", "dp") if k == "tp" or p.get(k, 1) != 1)


def deployment_text(d: dict[str, Any]) -> str:
    """'tp2 dp4', or 'prefill tp1 dp3 + decode tp1 dp5' for disaggregated pools."""
    if d.get("parallelism"):
        return par_text(d["parallelism"])
    prefill, decode = par_text(d["prefill_parallelism"]), par_text(d["decode_parallelism"])
    return f"prefill {prefill} + decode {decode}"
