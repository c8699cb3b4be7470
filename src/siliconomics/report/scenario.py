"""What the report asks: models, workload, SLA, precision and chips, as data.

The defaults live in ``data/report/scenario.yaml``; an overlay folder may replace the file
(``report/scenario.yaml`` in it), and the command's options override single fields. Chips
come from the catalog (``hardware: all``), so a chip added as data reaches the report with
no code change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from siliconomics.catalog.files import read_yaml
from siliconomics.catalog.loader import Catalog
from siliconomics.errors import SiliconomicsError, unknown
from siliconomics.perf.config import PrecisionPolicy

#: The training section's workload when a scenario file does not name one (the built-in
#: scenario states the same values): Llama 3.1 405B on 15.6T tokens (the token count of
#: LLAMA3-PAPER) in 8K sequences and 16M-token batches on 16,384 chips of each cluster, and
#: a GRPO-style RL loop, Qwen3-32B on 64 H100s (the docs/training.md example). Workload
#: choices, not measurements: source SCN-REPORT-2026-11.
TRAINING_DEFAULTS: dict[str, Any] = {
    "training_model": "llama-3.1-405b",
    "training_tokens": 15.6e12,
    "training_seq_len": 8192,
    "training_global_batch_tokens": 16 * 2**20,
    "training_chips": 16384,
    "training_precision": "bf16",
    "training_hardware": (
        "nvidia-hgx-h100",
        "nvidia-hgx-b200",
        "nvidia-gb200-nvl72",
        "google-tpu-v5p-pod",
        "google-tpu7x-pod",
        "aws-trn2-ultraserver",
        "aws-trn3-ultraserver",
    ),
    "rl_model": "qwen3-32b",
    "rl_hardware": "nvidia-h100-sxm",
    "rl_chips": 64,
    "rl_prompts_per_step": 512,
    "rl_samples_per_prompt": 16,
    "rl_prompt_tokens": 512,
    "rl_rollout_tokens": 8192,
    "rl_steps": 100,
    "rl_reward_model": "llama-3.1-8b",
}


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    source: str = Field(default="user", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    date: str = Field(default="", pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")
    models: list[str] = Field(min_length=1)
    input_len: int = Field(ge=1, le=1_000_000)
    output_len: int = Field(ge=1, le=1_000_000)
    ttft_p99_s: float = Field(gt=0, le=3600)
    tpot_p99_s: float = Field(gt=0, le=60)
    precision: Literal["production", "fp4", "native"] = "production"
    hardware: Literal["all"] | list[str] = "all"
    hidden_tokens: int = Field(ge=0, le=1_000_000)
    visible_tokens: int = Field(ge=1, le=1_000_000)
    best_of_k: int = Field(ge=1, le=64)
    query_chips: list[str]
    small_model: str
    frontier_model: str
    frontier_chips: int = Field(ge=1, le=1024)
    frontier_hardware: list[str]
    site_mw: float = Field(default=100.0, gt=0, le=100_000)
    # The training section (issue 12): optional, so scenario files written before it load.
    training_model: str = TRAINING_DEFAULTS["training_model"]
    training_tokens: float = Field(default=TRAINING_DEFAULTS["training_tokens"], gt=0, le=1e15)
    training_seq_len: int = Field(default=TRAINING_DEFAULTS["training_seq_len"], ge=1, le=1 << 20)
    training_global_batch_tokens: int = Field(
        default=TRAINING_DEFAULTS["training_global_batch_tokens"], ge=1, le=1 << 30
    )
    training_chips: int = Field(default=TRAINING_DEFAULTS["training_chips"], ge=1, le=1_000_000)
    training_precision: Literal["bf16", "fp8", "fp4"] = "bf16"
    training_hardware: list[str] = Field(
        default_factory=lambda: list(TRAINING_DEFAULTS["training_hardware"])
    )
    rl_model: str = TRAINING_DEFAULTS["rl_model"]
    rl_hardware: str = TRAINING_DEFAULTS["rl_hardware"]
    rl_chips: int = Field(default=TRAINING_DEFAULTS["rl_chips"], ge=1, le=1_000_000)
    rl_prompts_per_step: int = Field(default=TRAINING_DEFAULTS["rl_prompts_per_step"], ge=1)
    rl_samples_per_prompt: int = Field(
        default=TRAINING_DEFAULTS["rl_samples_per_prompt"], ge=1, le=1024
    )
    rl_prompt_tokens: int = Field(default=TRAINING_DEFAULTS["rl_prompt_tokens"], ge=1, le=1 << 20)
    rl_rollout_tokens: int = Field(default=TRAINING_DEFAULTS["rl_rollout_tokens"], ge=1, le=1 << 20)
    rl_steps: int = Field(default=TRAINING_DEFAULTS["rl_steps"], ge=1, le=1_000_000)
    rl_reward_model: str | None = TRAINING_DEFAULTS["rl_reward_model"]


@dataclass(frozen=True, slots=True)
class Scenario:
    models: tuple[str, ...]
    input_len: int
    output_len: int
    ttft_p99_s: float
    tpot_p99_s: float
    precision: str | None
    weights: tuple[str, ...]
    hardware: tuple[str, ...] | None  # None: every accelerator in the catalog
    hidden_tokens: int
    visible_tokens: int
    best_of_k: int
    query_chips: tuple[str, ...]
    small_model: str
    frontier_model: str
    frontier_chips: int
    frontier_hardware: tuple[str, ...]
    overrides: tuple[tuple[str, float], ...] = ()
    source: str = "user"
    site_mw: float = 100.0  # facility MW of the power-limited site comparison
    # The training section: a frontier run on each training_hardware cluster, one RL loop.
    training_model: str = TRAINING_DEFAULTS["training_model"]
    training_tokens: float = TRAINING_DEFAULTS["training_tokens"]
    training_seq_len: int = TRAINING_DEFAULTS["training_seq_len"]
    training_global_batch_tokens: int = TRAINING_DEFAULTS["training_global_batch_tokens"]
    training_chips: int = TRAINING_DEFAULTS["training_chips"]
    training_precision: str = TRAINING_DEFAULTS["training_precision"]
    training_hardware: tuple[str, ...] = TRAINING_DEFAULTS["training_hardware"]
    rl_model: str = TRAINING_DEFAULTS["rl_model"]
    rl_hardware: str = TRAINING_DEFAULTS["rl_hardware"]
    rl_chips: int = TRAINING_DEFAULTS["rl_chips"]
    rl_prompts_per_step: int = TRAINING_DEFAULTS["rl_prompts_per_step"]
    rl_samples_per_prompt: int = TRAINING_DEFAULTS["rl_samples_per_prompt"]
    rl_prompt_tokens: int = TRAINING_DEFAULTS["rl_prompt_tokens"]
    rl_rollout_tokens: int = TRAINING_DEFAULTS["rl_rollout_tokens"]
    rl_steps: int = TRAINING_DEFAULTS["rl_steps"]
    rl_reward_model: str | None = TRAINING_DEFAULTS["rl_reward_model"]

    def with_options(self, **options: Any) -> Scenario:
        """Override fields from command-line options (None = keep the scenario's)."""
        given = {k: v for k, v in options.items() if v not in (None, [], ())}
        for key in ("models", "weights", "hardware"):
            if key in given:
                given[key] = tuple(given[key])
        if "overrides" in given:
            given["overrides"] = tuple(sorted(given["overrides"].items()))
        if given.get("weights"):
            given.setdefault("precision", None)
        return replace(self, **given)

    def check(self, catalog: Catalog) -> None:
        """Every id names a catalog entry, the source resolves and the formats are known
        (one clear line otherwise), before any work is done."""
        if self.source != "user" and self.source not in catalog.sources:
            raise SiliconomicsError(
                f"report scenario: field 'source': {self.source!r} is not in sources.yaml"
            )
        PrecisionPolicy.make(self.weights, None, self.precision)
        reward = (self.rl_reward_model,) if self.rl_reward_model else ()
        for m in (
            *self.models,
            self.small_model,
            self.frontier_model,
            self.training_model,
            self.rl_model,
            *reward,
        ):
            if m not in catalog.models:
                raise unknown("model", m, catalog.models)
        hw_ids = [*catalog.accelerators, *catalog.systems]
        for h in (
            *(self.hardware or ()),
            *self.query_chips,
            *self.frontier_hardware,
            *self.training_hardware,
            self.rl_hardware,
        ):
            if h not in hw_ids:
                raise unknown("hardware", h, hw_ids)

    def hardware_ids(self, catalog: Catalog) -> list[str]:
        return list(self.hardware) if self.hardware else sorted(catalog.accelerators)

    @property
    def sla(self) -> dict[str, float]:
        return {"ttft_p99_s": self.ttft_p99_s, "tpot_p99_s": self.tpot_p99_s}


def builtin_path() -> Path:
    return Path(str(files("siliconomics") / "data" / "report" / "scenario.yaml"))


def load_scenario(
    catalog: Catalog | None = None,
    path: Path | None = None,
    *,
    overlay: str | Path | None = None,
) -> Scenario:
    """``path``, else the overlay folder's ``report/scenario.yaml`` when it has one, else the
    built-in scenario."""
    if path is None:
        candidate = Path(overlay) / "report" / "scenario.yaml" if overlay else None
        path = candidate if candidate is not None and candidate.is_file() else builtin_path()
    try:
        f = _ScenarioFile.model_validate(read_yaml(path))
    except ValidationError as exc:
        e = exc.errors()[0]
        loc = ".".join(str(x) for x in e["loc"])
        raise SiliconomicsError(f"{path}: field '{loc}': {e['msg']}") from None
    return Scenario(
        models=tuple(f.models),
        input_len=f.input_len,
        output_len=f.output_len,
        ttft_p99_s=f.ttft_p99_s,
        tpot_p99_s=f.tpot_p99_s,
        precision=f.precision,
        weights=(),
        hardware=None if f.hardware == "all" else tuple(f.hardware),
        hidden_tokens=f.hidden_tokens,
        visible_tokens=f.visible_tokens,
        best_of_k=f.best_of_k,
        query_chips=tuple(f.query_chips),
        small_model=f.small_model,
        frontier_model=f.frontier_model,
        frontier_chips=f.frontier_chips,
        frontier_hardware=tuple(f.frontier_hardware),
        source=f.source,
        site_mw=f.site_mw,
        training_model=f.training_model,
        training_tokens=f.training_tokens,
        training_seq_len=f.training_seq_len,
        training_global_batch_tokens=f.training_global_batch_tokens,
        training_chips=f.training_chips,
        training_precision=f.training_precision,
        training_hardware=tuple(f.training_hardware),
        rl_model=f.rl_model,
        rl_hardware=f.rl_hardware,
        rl_chips=f.rl_chips,
        rl_prompts_per_step=f.rl_prompts_per_step,
        rl_samples_per_prompt=f.rl_samples_per_prompt,
        rl_prompt_tokens=f.rl_prompt_tokens,
        rl_rollout_tokens=f.rl_rollout_tokens,
        rl_steps=f.rl_steps,
        rl_reward_model=f.rl_reward_model,
    )
