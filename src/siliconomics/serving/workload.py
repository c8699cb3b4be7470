"""Request streams: when requests arrive and how long their prompts and answers are.

A request is (arrival time, input tokens, output tokens). A stream is built from an
arrival process and two length distributions, all with numpy and one seed, so the same
seed always gives the same requests:

* :class:`Poisson` — open loop, exponential gaps at ``rate_per_s`` (the classic M/G/c
  arrival model; MLPerf Inference "Server" uses Poisson arrivals too);
* :class:`Offline` — every request present at t = 0 (MLPerf "Offline": maximum load);
* :class:`ClosedLoop` — ``concurrency`` users, each sending its next request
  ``think_time_s`` after the previous answer ends (arrival times are decided by the
  simulator, because they depend on when requests finish);
* :class:`Trace` — arrival times and lengths read from a CSV file
  (``arrival_s,input_tokens,output_tokens``), see :func:`read_trace`.

Lengths: :class:`Fixed`, :class:`Uniform` (inclusive integer bounds), :class:`LogNormal`
(given its mean in tokens and the sigma of log-length; mu = ln(mean) - sigma^2 / 2 so that
E[X] = exp(mu + sigma^2/2) = mean), :class:`Empirical` (resampled with replacement from
observed lengths, e.g. a trace's).

Seeds: one ``numpy.random.SeedSequence(seed)`` is spawned into three independent streams
(arrivals, inputs, outputs), so changing the output distribution does not move the arrivals.
The only I/O in the serving layer is :func:`read_trace`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siliconomics.errors import SiliconomicsError

TRACE_COLUMNS = ("arrival_s", "input_tokens", "output_tokens")
#: Lengths are clipped to this many tokens (longer than any catalog model's context).
MAX_LENGTH_TOKENS = 10_000_000
#: The widest log-normal length spread accepted: at sigma = 4 the mean is e^8 ~ 3,000 times
#: the median, far past any measured prompt or output distribution (ShareGPT-like traces fit
#: sigma ~ 1); beyond it exp(sigma^2) overflows long before it means anything.
MAX_LOG_SIGMA = 4.0


def _positive_int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise SiliconomicsError(f"{field}: must be a positive integer, got {value!r}")
    return int(value)


def _positive_float(field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise SiliconomicsError(f"{field}: must be a number, got {value!r}")
    v = float(value)
    if not (v > 0 and math.isfinite(v)):
        raise SiliconomicsError(f"{field}: must be a finite number > 0, got {value!r}")
    return v


# --- length distributions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fixed:
    """Every request has exactly ``tokens`` tokens."""

    tokens: int

    def __post_init__(self) -> None:
        _positive_int("length", self.tokens)

    @property
    def mean_tokens(self) -> float:
        return float(self.tokens)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.full(n, self.tokens, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class Uniform:
    """Integers uniform on [low_tokens, high_tokens], both included."""

    low_tokens: int
    high_tokens: int

    def __post_init__(self) -> None:
        _positive_int("length low", self.low_tokens)
        _positive_int("length high", self.high_tokens)
        if self.high_tokens < self.low_tokens:
            raise SiliconomicsError(
                f"length high: {self.high_tokens} is below low ({self.low_tokens})"
            )

    @property
    def mean_tokens(self) -> float:
        return (self.low_tokens + self.high_tokens) / 2.0

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(self.low_tokens, self.high_tokens + 1, size=n, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class LogNormal:
    """Log-normal lengths with mean ``mean_tokens`` and log-sigma ``sigma``, rounded, >= 1.

    Rounding and the clip at 1 token move the mean by well under one token for means above
    ~10 tokens; ``max_tokens`` (optional) clips the long tail, as an engine's max length does.
    """

    mean_tokens: float
    sigma: float
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        _positive_float("length mean", self.mean_tokens)
        if not (0 <= self.sigma <= MAX_LOG_SIGMA):
            raise SiliconomicsError(
                f"length sigma: must be from 0 to {MAX_LOG_SIGMA}, got {self.sigma!r}"
            )
        if self.max_tokens is not None:
            _positive_int("length max", self.max_tokens)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        mu = math.log(self.mean_tokens) - self.sigma**2 / 2.0
        x = np.rint(rng.lognormal(mu, self.sigma, size=n))
        hi = self.max_tokens or MAX_LENGTH_TOKENS
        return np.clip(x, 1, hi).astype(np.int64)


@dataclass(frozen=True, slots=True)
class Empirical:
    """Resample, with replacement, from observed lengths."""

    tokens: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.tokens) == 0:
            raise SiliconomicsError("length: an empirical distribution needs at least one value")
        for v in self.tokens:
            _positive_int("length", v)

    @property
    def mean_tokens(self) -> float:
        return float(np.mean(self.tokens))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(np.asarray(self.tokens, dtype=np.int64), size=n, replace=True)


LengthDist = Fixed | Uniform | LogNormal | Empirical


def as_length(value: int | LengthDist, field: str) -> LengthDist:
    """An int means a fixed length; a distribution passes through."""
    if isinstance(value, Fixed | Uniform | LogNormal | Empirical):
        return value
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise SiliconomicsError(
            f"{field}: must be a positive integer or a length distribution, got {value!r}"
        )
    return Fixed(_positive_int(field, value))


# --- arrival processes ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Poisson:
    """Open-loop arrivals with exponential gaps of mean 1 / rate_per_s; the first at one gap."""

    rate_per_s: float

    def __post_init__(self) -> None:
        if isinstance(self.rate_per_s, bool) or not isinstance(
            self.rate_per_s, int | float | np.number
        ):
            raise SiliconomicsError(f"rate_per_s: must be a number, got {self.rate_per_s!r}")
        if not (self.rate_per_s > 0 and math.isfinite(self.rate_per_s)):
            raise SiliconomicsError(
                f"rate_per_s: must be a finite number > 0, got {self.rate_per_s!r}"
            )


@dataclass(frozen=True, slots=True)
class Offline:
    """All requests present at t = 0: the server runs flat out (maximum throughput)."""


@dataclass(frozen=True, slots=True)
class ClosedLoop:
    """``concurrency`` users; each sends its next request ``think_time_s`` after an answer."""

    concurrency: int
    think_time_s: float = 0.0

    def __post_init__(self) -> None:
        _positive_int("concurrency", self.concurrency)
        if not (self.think_time_s >= 0 and math.isfinite(self.think_time_s)):
            raise SiliconomicsError(f"think_time_s: must be >= 0, got {self.think_time_s!r}")


@dataclass(frozen=True, slots=True)
class Trace:
    """Recorded requests: arrival times (sorted) and lengths, as numpy arrays."""

    arrival_s: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.arrival_s)
        if n == 0:
            raise SiliconomicsError("trace: empty, it needs at least one request")
        if len(self.input_tokens) != n or len(self.output_tokens) != n:
            raise SiliconomicsError(
                "trace: arrival_s, input_tokens and output_tokens differ in length"
            )
        if np.any(~np.isfinite(self.arrival_s)) or np.any(self.arrival_s < 0):
            raise SiliconomicsError("trace arrival_s: every arrival must be a finite time >= 0")
        if np.any(self.input_tokens < 1) or np.any(self.output_tokens < 1):
            raise SiliconomicsError("trace: input_tokens and output_tokens must be >= 1")

    def input_lengths(self) -> Empirical:
        return Empirical(tuple(int(x) for x in self.input_tokens))

    def output_lengths(self) -> Empirical:
        return Empirical(tuple(int(x) for x in self.output_tokens))


Arrival = Poisson | Offline | ClosedLoop | Trace


def read_trace(path: str | Path) -> Trace:
    """Read a CSV trace with header ``arrival_s,input_tokens,output_tokens``.

    Rows are sorted by arrival time (stable), so concatenated traces work. Errors name the
    file, the line and the column.
    """
    p = Path(path)
    if not p.is_file():
        raise SiliconomicsError(f"trace: file {p} does not exist")
    arrivals: list[float] = []
    inputs: list[int] = []
    outputs: list[int] = []
    try:
        with p.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise SiliconomicsError(
                    f"trace: {p} is empty; expected header {','.join(TRACE_COLUMNS)}"
                )
            names = [h.strip() for h in header]
            missing = [c for c in TRACE_COLUMNS if c not in names]
            if missing:
                raise SiliconomicsError(
                    f"trace: {p} line 1: missing column(s) {', '.join(missing)}; "
                    f"expected header {','.join(TRACE_COLUMNS)}"
                )
            col = {c: names.index(c) for c in TRACE_COLUMNS}
            for row in reader:
                line = reader.line_num
                if not row or all(not x.strip() for x in row):
                    continue
                if len(row) != len(names):
                    raise SiliconomicsError(
                        f"trace: {p} line {line}: {len(row)} fields, expected {len(names)}"
                    )
                arrivals.append(_trace_float(p, line, row[col["arrival_s"]]))
                inputs.append(_trace_int(p, line, "input_tokens", row[col["input_tokens"]]))
                outputs.append(_trace_int(p, line, "output_tokens", row[col["output_tokens"]]))
    except UnicodeDecodeError:
        raise SiliconomicsError(f"trace: {p} is not a UTF-8 text CSV file") from None
    if not arrivals:
        raise SiliconomicsError(f"trace: {p} has a header but no requests")
    a = np.asarray(arrivals, dtype=float)
    order = np.argsort(a, kind="stable")
    return Trace(
        a[order],
        np.asarray(inputs, dtype=np.int64)[order],
        np.asarray(outputs, dtype=np.int64)[order],
    )


def _trace_float(p: Path, line: int, text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise SiliconomicsError(
            f"trace: {p} line {line} column arrival_s: {text.strip()!r} is not a number"
        ) from None
    if not (math.isfinite(v) and v >= 0):
        raise SiliconomicsError(
            f"trace: {p} line {line} column arrival_s: must be a finite time >= 0, "
            f"got {text.strip()}"
        )
    return v


def _trace_int(p: Path, line: int, column: str, text: str) -> int:
    try:
        f = float(text)
    except ValueError:
        raise SiliconomicsError(
            f"trace: {p} line {line} column {column}: {text.strip()!r} is not a number"
        ) from None
    if not math.isfinite(f) or f != int(f) or not 1 <= f <= MAX_LENGTH_TOKENS:
        raise SiliconomicsError(
            f"trace: {p} line {line} column {column}: must be an integer from 1 to "
            f"{MAX_LENGTH_TOKENS}, got {text.strip()}"
        )
    return int(f)


# --- the request stream ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requests:
    """A stream of requests as arrays (index = request id, sorted by arrival).

    For a closed loop ``arrival_s`` holds NaN: the simulator sets it as users come back.
    """

    arrival_s: np.ndarray
    input_tokens: np.ndarray
    output_tokens: np.ndarray
    closed_loop: ClosedLoop | None = None

    def __len__(self) -> int:
        return len(self.input_tokens)


def make_requests(
    arrival: Arrival,
    *,
    n_requests: int | None = None,
    input_len: int | LengthDist | None = None,
    output_len: int | LengthDist | None = None,
    seed: int = 0,
) -> Requests:
    """Draw ``n_requests`` requests (all of a trace when ``arrival`` is a :class:`Trace`)."""
    if isinstance(arrival, Trace):
        if input_len is not None or output_len is not None or n_requests is not None:
            raise SiliconomicsError(
                "trace: a trace fixes arrivals and lengths; do not pass n_requests, "
                "input_len or output_len with it"
            )
        return Requests(arrival.arrival_s, arrival.input_tokens, arrival.output_tokens)
    if not isinstance(arrival, Poisson | Offline | ClosedLoop):
        raise SiliconomicsError(
            f"arrival: unknown process {arrival!r}; allowed: Poisson, Offline, ClosedLoop, Trace"
        )
    n = _positive_int("n_requests", n_requests)
    if input_len is None or output_len is None:
        raise SiliconomicsError("input_len/output_len: both are required without a trace")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SiliconomicsError(f"seed: must be an integer >= 0, got {seed!r}")
    s_arr, s_in, s_out = np.random.SeedSequence(int(seed)).spawn(3)
    inp = as_length(input_len, "input_len").sample(n, np.random.default_rng(s_in))
    out = as_length(output_len, "output_len").sample(n, np.random.default_rng(s_out))
    if isinstance(arrival, Poisson):
        gaps = np.random.default_rng(s_arr).exponential(1.0 / arrival.rate_per_s, size=n)
        return Requests(np.cumsum(gaps), inp, out)
    if isinstance(arrival, Offline):
        return Requests(np.zeros(n), inp, out)
    return Requests(np.full(n, np.nan), inp, out, closed_loop=arrival)
