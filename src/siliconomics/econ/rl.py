"""Cost of a reinforcement-learning loop: how much of post-training is inference.

One RL step (GRPO/PPO style, as NeMo RL and veRL run it) on ``P`` prompts of ``I`` tokens
with ``K`` samples each and rollouts of ``G`` tokens:

1. **Generation** of ``P·K`` rollouts on the inference engine at its operating point
   (serving.operating: the best sustained throughput of the model on the hardware for
   input ``I`` and output ``G``): ``t_gen = P·K·G / (r_gen · C_gen)`` for a throughput of
   ``r_gen`` output tokens/s per chip on ``C_gen`` chips (the prompt's prefill is part of
   the operating point's throughput).
2. **Reward**: a rule-based verifier costs nothing here; a reward model reads every
   sample's ``I + G`` tokens once, a forward pass: ``F_rm / (C · peak · MFU)`` with the
   forward FLOPs ``F_rm`` (a third of the model FLOPs per token, perf.training) at the
   training step's MFU.
3. **Log-probabilities** of the samples under the old policy and (with a KL term) the
   reference model: ``n_fwd`` forward passes of the policy over ``P·K·(I + G)`` tokens,
   each a third of the training step's time for those tokens.
4. **Policy update**: one optimizer step over ``P·K·(I + G)`` tokens at sequence length
   ``I + G``, timed by the training step model at its best layout (perf.training).
5. **Weight sync** ("refit"): every generation chip receives its shard of the new bf16
   weights, ``2·N / chips_per_replica`` bytes, over the scale-up link when the pools share
   chips (resharding in place) and over the scale-out NIC when they are split.

**Shared cluster** (colocated: the stages take turns on the same ``C`` chips)::

    t_step = t_gen + t_reward + t_logprob + t_update + t_sync

**Split pools** (``C_gen`` chips generate while ``C_train`` train on the previous batch,
one step off-policy)::

    t_step = max(t_gen + t_reward, t_logprob + t_update) + t_sync

Chip-hours are ``C · t_step`` (idle chips of a split pool included and reported); cost is
chip-hours x USD per chip-hour. Inference = generation + reward + log-probability passes
(all forward-only), training = the update. Intervals: generation takes the operating
point's interval, the update and the forward passes the training step model's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from siliconomics.errors import SiliconomicsError

SECONDS_PER_HOUR = 3600.0


class RlMode(StrEnum):
    SHARED = "shared"
    SPLIT = "split"


def parse_mode(value: str) -> RlMode:
    try:
        return RlMode(value)
    except ValueError:
        allowed = ", ".join(m.value for m in RlMode)
        raise SiliconomicsError(f"mode: unknown value {value!r}; allowed: {allowed}") from None


@dataclass(frozen=True, slots=True)
class RlInputs:
    """Performance figures of the loop's parts, from perf and serving (see the api)."""

    prompts: int
    samples_per_prompt: int
    prompt_tokens: int
    rollout_tokens: int
    gen_tokens_per_s_per_chip: float
    gen_low_ratio: float  # throughput interval of generation (x the value)
    gen_high_ratio: float
    update_s: float  # one optimizer step over every sample, on the training chips
    train_low_ratio: float
    train_high_ratio: float
    logprob_forwards: int  # old policy (+ reference model)
    reward_forward_s: float  # reward-model pass over every sample (0: rule-based)
    sync_s: float
    mode: RlMode
    gen_chips: int
    train_chips: int

    @property
    def samples(self) -> int:
        return self.prompts * self.samples_per_prompt

    @property
    def chips(self) -> int:
        return self.gen_chips if self.mode is RlMode.SHARED else self.gen_chips + self.train_chips


@dataclass(frozen=True, slots=True)
class RlStep:
    """Times (s) of one RL step's stages and the step, at a throughput scale ``k`` for
    generation and ``u`` for training (1 = the prediction; interval ends otherwise)."""

    gen_s: float
    reward_s: float
    logprob_s: float
    update_s: float
    sync_s: float
    step_s: float


def _times(x: RlInputs, gen_scale: float = 1.0, train_scale: float = 1.0) -> RlStep:
    gen = x.samples * x.rollout_tokens / (x.gen_tokens_per_s_per_chip * gen_scale * x.gen_chips)
    update = x.update_s / train_scale
    logprob = x.logprob_forwards * update / 3.0
    reward = x.reward_forward_s / train_scale
    if x.mode is RlMode.SHARED:
        step = gen + reward + logprob + update + x.sync_s
    else:
        step = max(gen + reward, logprob + update) + x.sync_s
    return RlStep(gen, reward, logprob, update, x.sync_s, step)


@dataclass(frozen=True, slots=True)
class RlLoop:
    """One RL step and ``steps`` of them: time, chip-hours and cost by stage."""

    model: str
    inputs: RlInputs
    steps: int
    usd_per_chip_hour: float | None
    price_basis: str

    def _chip_s(self, t: RlStep) -> dict[str, float]:
        x = self.inputs
        train_chips = x.gen_chips if x.mode is RlMode.SHARED else x.train_chips
        busy = {
            "generation": t.gen_s * x.gen_chips,
            "reward": t.reward_s * (x.gen_chips if x.mode is RlMode.SPLIT else x.chips),
            "logprob": t.logprob_s * train_chips,
            "update": t.update_s * train_chips,
            "sync": t.sync_s * x.chips,
        }
        busy["idle"] = max(t.step_s * x.chips - sum(busy.values()), 0.0)
        return busy

    def as_dict(self) -> dict[str, Any]:
        x = self.inputs
        mid, slow, fast = (
            _times(x),
            _times(x, x.gen_low_ratio, x.train_low_ratio),
            _times(x, x.gen_high_ratio, x.train_high_ratio),
        )
        chip_s = self._chip_s(mid)
        inference = chip_s["generation"] + chip_s["reward"] + chip_s["logprob"]
        training = chip_s["update"]
        total = sum(chip_s.values())
        hours = total * self.steps / SECONDS_PER_HOUR
        out: dict[str, Any] = {
            "model": self.model,
            "mode": x.mode.value,
            "chips": x.chips,
            "gen_chips": x.gen_chips,
            "train_chips": x.chips if x.mode is RlMode.SHARED else x.train_chips,
            "prompts_per_step": x.prompts,
            "samples_per_prompt": x.samples_per_prompt,
            "prompt_tokens": x.prompt_tokens,
            "rollout_tokens": x.rollout_tokens,
            "generated_tokens_per_step": x.samples * x.rollout_tokens,
            "trained_tokens_per_step": x.samples * (x.prompt_tokens + x.rollout_tokens),
            "gen_tokens_per_s_per_chip": x.gen_tokens_per_s_per_chip,
            "stage_s": {
                "generation": mid.gen_s,
                "reward": mid.reward_s,
                "logprob": mid.logprob_s,
                "update": mid.update_s,
                "sync": mid.sync_s,
            },
            "step_s": mid.step_s,
            "step_s_low": fast.step_s,
            "step_s_high": slow.step_s,
            "chip_s_per_step": chip_s,
            "inference_share": inference / total,
            "training_share": training / total,
            "inference_share_of_busy": inference / (inference + training),
            "steps": self.steps,
            "wall_clock_s": mid.step_s * self.steps,
            "wall_clock_s_low": fast.step_s * self.steps,
            "wall_clock_s_high": slow.step_s * self.steps,
            "chip_hours": hours,
            "chip_hours_low": fast.step_s * x.chips * self.steps / SECONDS_PER_HOUR,
            "chip_hours_high": slow.step_s * x.chips * self.steps / SECONDS_PER_HOUR,
            "usd_per_chip_hour": self.usd_per_chip_hour,
            "price_basis": self.price_basis,
        }
        if self.usd_per_chip_hour is not None:
            p = self.usd_per_chip_hour
            out["cost_usd"] = hours * p
            out["cost_usd_low"] = out["chip_hours_low"] * p
            out["cost_usd_high"] = out["chip_hours_high"] * p
            out["cost_usd_by_stage"] = {
                k: v * self.steps / SECONDS_PER_HOUR * p for k, v in chip_s.items()
            }
        return out


def rl_loop(
    model: str,
    inputs: RlInputs,
    *,
    steps: int = 1,
    usd_per_chip_hour: float | None = None,
    price_basis: str = "tco",
) -> RlLoop:
    """Check the inputs and wrap them; the arithmetic is in :class:`RlLoop`."""
    for name in ("prompts", "samples_per_prompt", "prompt_tokens", "rollout_tokens"):
        v = getattr(inputs, name)
        if not isinstance(v, int) or v < 1:
            raise SiliconomicsError(f"{name}: must be a positive integer, got {v!r}")
    if not isinstance(steps, int) or steps < 1:
        raise SiliconomicsError(f"steps: must be a positive integer, got {steps!r}")
    if inputs.gen_tokens_per_s_per_chip <= 0 or inputs.update_s <= 0:
        raise SiliconomicsError("rl: generation and training rates must be positive")
    return RlLoop(model, inputs, steps, usd_per_chip_hour, price_basis)
