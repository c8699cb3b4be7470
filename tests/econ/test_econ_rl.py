"""The RL-loop cost (econ.rl): stage times, shared vs split pools, by hand."""

import pytest

from siliconomics.econ.rl import RlInputs, RlMode, parse_mode, rl_loop
from siliconomics.errors import SiliconomicsError


def inputs(**kw):
    base = dict(
        prompts=100,
        samples_per_prompt=8,
        prompt_tokens=500,
        rollout_tokens=4000,
        gen_tokens_per_s_per_chip=1000.0,
        gen_low_ratio=0.8,
        gen_high_ratio=1.25,
        update_s=300.0,
        train_low_ratio=0.5,
        train_high_ratio=2.0,
        logprob_forwards=2,
        reward_forward_s=30.0,
        sync_s=1.0,
        mode=RlMode.SHARED,
        gen_chips=32,
        train_chips=32,
    )
    base.update(kw)
    return RlInputs(**base)


def test_shared_cluster_by_hand():
    d = rl_loop("m", inputs(), steps=10, usd_per_chip_hour=2.0).as_dict()
    # 800 rollouts x 4000 tokens / (1000 tokens/s x 32 chips) = 100 s of generation;
    # two log-prob forwards = 2/3 of the 300 s update; reward 30 s; sync 1 s.
    assert d["stage_s"] == {
        "generation": pytest.approx(100.0),
        "reward": 30.0,
        "logprob": pytest.approx(200.0),
        "update": 300.0,
        "sync": 1.0,
    }
    assert d["step_s"] == pytest.approx(631.0)
    # Inference = generation + reward + log-probs = 330 of 631 chip-seconds per chip.
    assert d["inference_share"] == pytest.approx(330 / 631)
    assert d["chip_hours"] == pytest.approx(631 * 32 * 10 / 3600)
    assert d["cost_usd"] == pytest.approx(2 * d["chip_hours"])
    # Slow ends: generation at 0.8x throughput, training at 0.5x.
    assert d["step_s_high"] == pytest.approx(125 + 60 + 400 + 600 + 1)
    assert d["step_s_low"] == pytest.approx(80 + 15 + 100 + 150 + 1)
    assert d["cost_usd_low"] <= d["cost_usd"] <= d["cost_usd_high"]


def test_split_pools_overlap_and_idle_by_hand():
    x = inputs(mode=RlMode.SPLIT, gen_chips=16, train_chips=48)
    d = rl_loop("m", x, usd_per_chip_hour=1.0).as_dict()
    # Generation on 16 chips: 3.2M tokens / 16,000 tokens/s = 200 s, + 30 s reward;
    # training pool: 200 s log-probs + 300 s update = 500 s; the step is the slower + sync.
    assert d["stage_s"]["generation"] == pytest.approx(200.0)
    assert d["step_s"] == pytest.approx(501.0)
    cs = d["chip_s_per_step"]
    assert cs["generation"] == pytest.approx(200 * 16)
    assert cs["update"] == pytest.approx(300 * 48)
    assert cs["idle"] == pytest.approx(501 * 64 - (3200 + 480 + 9600 + 14400 + 64))
    assert d["chips"] == 64


def test_longer_rollouts_raise_the_inference_share():
    short = rl_loop("m", inputs(rollout_tokens=1000)).as_dict()["inference_share"]
    long = rl_loop("m", inputs(rollout_tokens=16000)).as_dict()["inference_share"]
    assert long > short


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        (dict(prompts=0), "prompts: must be a positive integer"),
        (dict(rollout_tokens=-5), "rollout_tokens: must be a positive integer"),
    ],
)
def test_bad_rl_inputs(kw, msg):
    with pytest.raises(SiliconomicsError, match=msg):
        rl_loop("m", inputs(**kw))
    with pytest.raises(SiliconomicsError, match="mode: unknown value 'both'"):
        parse_mode("both")
