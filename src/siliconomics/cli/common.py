"""What every command shares: the app, consoles, option types, the one error handler, units."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from typer.core import TyperGroup

from siliconomics import __version__, api
from siliconomics.errors import SiliconomicsError

#: Set by ``--debug`` (or ``SILICONOMICS_DEBUG=1``): show the traceback of an internal error.
_STATE = {"debug": os.environ.get("SILICONOMICS_DEBUG", "") not in ("", "0")}

BUG_REPORT = (
    "please report it with the command line at https://github.com/siliconomics/siliconomics/issues"
)


def fail(message: str, status: int = 2) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit with ``status``."""
    one_line = " ".join(message.split())  # a library's message may span lines
    err.print(f"error: {one_line}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(status)


class OneLineErrors(TyperGroup):
    """The one error handler of the command line.

    * A :class:`SiliconomicsError` (the user's input is wrong) is one line and status 2.
    * A usage error (unknown option, ``--chips x``, a missing option) is one line naming the
      option, with click's own "did you mean", and status 2.
    * Ctrl-C is one line and status 2.
    * Any other exception is a bug: one line that says so and status 1, unless ``--debug``
      asks for the traceback.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run() -> Any:
            return super(OneLineErrors, self).main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )

        if not standalone_mode:
            return run()
        try:
            status = run()
        except SiliconomicsError as exc:
            fail(str(exc))
        except typer.TyperException as exc:
            status = getattr(exc, "exit_code", 2)
            if type(exc).__name__ == "NoArgsIsHelpError":  # a bare command: its help
                getattr(exc, "show")()  # noqa: B009  (show() is not on the public base class)
                sys.exit(status)
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            fail(f"{message.rstrip('.')}. Try '{_command_line(exc)} --help'.", status)
        except (KeyboardInterrupt, typer.Abort):
            fail("interrupted; nothing was written after the interruption")
        except Exception as exc:
            if _STATE["debug"]:
                raise
            fail(
                f"internal error ({type(exc).__name__}: {exc}); {BUG_REPORT}; "
                "run with --debug for the traceback",
                status=1,
            )
        sys.exit(status if isinstance(status, int) else 0)


def _command_line(exc: Exception) -> str:
    ctx = getattr(exc, "ctx", None)
    return ctx.command_path if ctx is not None else "siliconomics"


app = typer.Typer(
    help="siliconomics: LLM performance and cost on GPUs and custom ASICs, with sources.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
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
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an internal error.")
    ] = False,
) -> None:
    if debug:
        _STATE["debug"] = True
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
    """Check the values every command shares, then run it.

    Numbers typed on the command line must be finite: typer reads ``nan`` and ``inf`` as
    floats, and one of them would flow into every figure. Errors the command raises reach
    :class:`OneLineErrors`, the one handler.
    """

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            values = value if isinstance(value, list | tuple) else [value]
            for v in values:
                if isinstance(v, float) and not math.isfinite(v):
                    option = "--" + name.replace("_", "-")
                    raise SiliconomicsError(f"{option}: must be a finite number, got {v}")
        try:
            return fn(*args, **kwargs)
        except KeyboardInterrupt:
            # Here, inside the command: typer turns a KeyboardInterrupt that reaches it into
            # a silent exit status 130, before OneLineErrors could say anything.
            fail("interrupted; nothing was written after the interruption")

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    """Print ``data`` as strict JSON (RFC 8259): a NaN or infinity in a result is a bug,
    never written as the non-standard ``NaN``/``Infinity`` tokens."""
    try:
        text = json.dumps(data, indent=2, default=str, allow_nan=False)
    except ValueError as exc:
        raise RuntimeError(f"a result is not a finite number ({exc})") from None
    sys.stdout.write(text + "\n")


def si(value: float | None, unit: str, digits: int = 3) -> str:
    """Format an SI quantity for display (the only place units are converted)."""
    if value is None or not math.isfinite(value):
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
    return api.overrides(items)


def par_text(p: dict[str, int]) -> str:
    return " ".join(f"{k}{p[k]}" for k in ("tp", "pp", "ep", "dp") if k == "tp" or p.get(k, 1) != 1)


def deployment_text(d: dict[str, Any]) -> str:
    """'tp2 dp4', or 'prefill tp1 dp3 + decode tp1 dp5' for disaggregated pools."""
    if d.get("parallelism"):
        return par_text(d["parallelism"])
    prefill, decode = par_text(d["prefill_parallelism"]), par_text(d["decode_parallelism"])
    return f"prefill {prefill} + decode {decode}"
