"""Read a Hugging Face ``config.json`` into a :class:`ModelArch`.

The same function reads the configs the catalog ships and any path a user gives, so a
model that is not in the catalog is one file away. Supported ``model_type`` families:
llama, mistral, qwen2, qwen3 (dense, GQA); mixtral, qwen2_moe, qwen3_moe (MoE);
deepseek_v2/v3 (MLA + MoE with shared experts and leading dense layers); gpt_oss (MoE,
alternating sliding-window attention); llama4 (MoE interleaved with dense layers, chunked
attention on three of every four layers). An unknown ``model_type`` is read as a dense
Llama-style decoder when it has the standard fields, otherwise it is an error that names
the missing field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from siliconomics.catalog.specs import AttentionKind, MLAConfig, ModelArch, MoEConfig
from siliconomics.errors import SiliconomicsError

#: Upper bounds on a config's counts: far beyond any published model (the largest have
#: ~130 layers, ~1,000 experts and vocabularies of ~260k), tight enough that a typo such as
#: ``num_hidden_layers: 10**12`` is refused rather than modelled.
MAX_LAYERS = 10_000
MAX_COUNT = 10**9
#: A config.json larger than this is not a model config (the largest published are ~50 kB).
MAX_CONFIG_BYTES = 4 * 2**20
#: ``layer_types`` values transformers uses for decoder layers.
LAYER_TYPES = frozenset(
    {"full_attention", "sliding_attention", "chunked_attention", "linear_attention"}
)


def _get(cfg: Mapping[str, Any], key: str, where: str, default: Any = ...) -> Any:
    """The field's value (``default`` when missing or null; an error when required)."""
    value = cfg.get(key)
    if value is None:
        if default is not ...:
            return default
        raise SiliconomicsError(f"{where}: config field '{key}' is missing")
    return value


def _int(
    cfg: Mapping[str, Any],
    key: str,
    where: str,
    default: Any = ...,
    *,
    low: int = 0,
    high: int = MAX_COUNT,
) -> int:
    """An integer field in ``[low, high]``; booleans, floats and strings are refused."""
    value = _get(cfg, key, where, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SiliconomicsError(
            f"{where}: config field '{key}' must be an integer from {low} to {high}, got {value!r}"
        )
    return value


def _opt_int(
    cfg: Mapping[str, Any], key: str, where: str, *, low: int = 1, high: int = MAX_COUNT
) -> int | None:
    """An optional integer field (None when missing or null)."""
    return None if cfg.get(key) is None else _int(cfg, key, where, low=low, high=high)


def _bool(cfg: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    """A JSON boolean; the string ``"false"`` is an error, not a truthy value."""
    value = _get(cfg, key, where, default)
    if not isinstance(value, bool):
        raise SiliconomicsError(
            f"{where}: config field '{key}' must be true or false, got {value!r}"
        )
    return value


def _str(cfg: Mapping[str, Any], key: str, where: str, default: str) -> str:
    value = _get(cfg, key, where, default)
    if not isinstance(value, str):
        raise SiliconomicsError(f"{where}: config field '{key}' must be a string, got {value!r}")
    return value


def _int_list(
    cfg: Mapping[str, Any], key: str, where: str, *, low: int, high: int
) -> list[int] | None:
    """An optional list of integers, each in ``[low, high]``."""
    value = cfg.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value
    ):
        raise SiliconomicsError(
            f"{where}: config field '{key}' must be a list of integers from {low} to {high}"
        )
    return value


def _layer_types(cfg: Mapping[str, Any], where: str, layers: int) -> list[str] | None:
    """``layer_types``: one known kind per layer, or None."""
    value = cfg.get("layer_types")
    if value is None:
        return None
    if not isinstance(value, list) or not all(v in LAYER_TYPES for v in value):
        raise SiliconomicsError(
            f"{where}: config field 'layer_types' must be a list of "
            f"{', '.join(sorted(LAYER_TYPES))}"
        )
    if len(value) != layers:
        raise SiliconomicsError(
            f"{where}: config field 'layer_types' has {len(value)} entries for "
            f"{layers} layers (num_hidden_layers)"
        )
    return value


def _count_multiples(start: int, stop: int, step: int) -> int:
    """How many integers in ``[start, stop)`` are multiples of ``step`` (no loop, so a
    large layer count costs nothing): floor((stop-1)/step) - floor((start-1)/step)."""
    if stop <= start:
        return 0
    return (stop - 1) // step - (start - 1) // step


def load_config_file(path: Path) -> dict[str, Any]:
    """Parse a config.json file; a malformed one is one clear error.

    Refused with one line: a file that cannot be read, is larger than
    :data:`MAX_CONFIG_BYTES`, is not UTF-8 text, is not JSON, nests too deeply for the
    parser, or does not hold a JSON object.
    """
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise SiliconomicsError(
                f"model: {path} is {size} bytes; a config.json is at most {MAX_CONFIG_BYTES}"
            )
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise SiliconomicsError(f"model: cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SiliconomicsError(f"model: {path} is not UTF-8 text (is it a config.json?)") from None
    try:
        cfg = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SiliconomicsError(
            f"model: {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise SiliconomicsError(f"model: {path} nests too deeply to be a config.json") from None
    if not isinstance(cfg, dict):
        raise SiliconomicsError(f"model: {path} must hold a JSON object")
    return cfg


_MLA_MODEL_TYPES = frozenset({"deepseek_v2", "deepseek_v3", "kimi_k2"})
_MIXTRAL_MODEL_TYPES = frozenset({"mixtral", "gpt_oss"})
_QWEN_MOE_MODEL_TYPES = frozenset({"qwen2_moe", "qwen3_moe"})
# Families whose config may declare sliding-window attention (sliding_window, layer_types).
_SLIDING_WINDOW_MODEL_TYPES = frozenset({"gpt_oss", "mistral", "qwen2", "qwen3"})


class _Dimensions(NamedTuple):
    """The shape every decoder has: width, depth and attention heads."""

    hidden_size: int
    num_layers: int
    num_attention_heads: int
    num_kv_heads: int
    head_dim: int


class _LayerMix(NamedTuple):
    """What a family's fields say about its layers: MLA, experts, windowed attention.

    ``intermediate_size`` is the dense feed-forward width (0 for an all-MoE model).
    """

    intermediate_size: int
    mla: MLAConfig | None = None
    moe: MoEConfig | None = None
    moe_layers: int = 0
    windowed_layers: int = 0
    window_tokens: int = 0


def parse_hf_config(
    cfg: Mapping[str, Any],
    *,
    model_id: str,
    name: str | None = None,
    checkpoint_dtype: str | None = None,
    source: str = "",
    notes: str = "",
) -> ModelArch:
    """Build a ModelArch from the fields of a Hugging Face config.json.

    The shape is read by :func:`_dimensions`, the family-specific layers (MLA, experts,
    windows) by :func:`_layer_mix`.
    """
    where = f"model {model_id}"
    cfg = _language_model_config(cfg)
    model_type = _str(cfg, "model_type", where, "").removesuffix("_text")
    dims = _dimensions(cfg, where)
    vocab = _int(cfg, "vocab_size", where, low=1)
    tie = _bool(cfg, "tie_word_embeddings", where, False)
    dtype = checkpoint_dtype or _str(cfg, "torch_dtype", where, "bfloat16").replace(
        "bfloat16", "bf16"
    )
    mix = _layer_mix(cfg, model_type, where, dims.num_layers)
    mla = mix.mla
    if mla:
        attention = AttentionKind.MLA
    elif dims.num_kv_heads == dims.num_attention_heads:
        attention = AttentionKind.MHA
    else:
        attention = AttentionKind.GQA
    return ModelArch(
        id=model_id,
        name=name or model_id,
        hidden_size=dims.hidden_size,
        num_layers=dims.num_layers,
        num_attention_heads=dims.num_attention_heads,
        num_kv_heads=dims.num_kv_heads,
        head_dim=mla.qk_nope_head_dim + mla.qk_rope_head_dim if mla else dims.head_dim,
        intermediate_size=mix.intermediate_size,
        vocab_size=vocab,
        tie_word_embeddings=tie,
        attention=attention,
        mla=mla,
        moe=mix.moe,
        moe_layers=mix.moe_layers,
        windowed_layers=mix.windowed_layers,
        window_tokens=mix.window_tokens,
        max_position_embeddings=_opt_int(cfg, "max_position_embeddings", where),
        checkpoint_dtype=dtype,
        source=source,
        notes=notes,
    )


def _language_model_config(cfg: Mapping[str, Any]) -> Mapping[str, Any]:
    """The language model's fields: multimodal wrappers (Llama 4) keep them under
    ``text_config``, which inherits the wrapper's ``model_type`` when it has none."""
    if "text_config" in cfg and isinstance(cfg["text_config"], Mapping):
        inner = dict(cfg["text_config"])
        inner.setdefault("model_type", cfg.get("model_type", ""))
        return inner
    return cfg


def _dimensions(cfg: Mapping[str, Any], where: str) -> _Dimensions:
    """Width, depth and heads, checked.

    ``head_dim`` defaults to ``hidden_size / num_attention_heads`` and
    ``num_key_value_heads`` to ``num_attention_heads`` (MHA), as in transformers.
    """
    hidden = _int(cfg, "hidden_size", where, low=1)
    layers = _int(cfg, "num_hidden_layers", where, low=1, high=MAX_LAYERS)
    heads = _int(cfg, "num_attention_heads", where, low=1)
    kv_heads = _int(cfg, "num_key_value_heads", where, heads, low=1)
    if heads % kv_heads:
        raise SiliconomicsError(
            f"{where}: num_attention_heads ({heads}) must be a multiple of "
            f"num_key_value_heads ({kv_heads})"
        )
    head_dim = _int(cfg, "head_dim", where, hidden // heads, low=1)
    return _Dimensions(hidden, layers, heads, kv_heads, head_dim)


def _layer_mix(cfg: Mapping[str, Any], model_type: str, where: str, layers: int) -> _LayerMix:
    """The family's attention and feed-forward layers; a dense Llama-style model by default.

    A family is recognised by ``model_type``; an unknown type with ``num_local_experts``
    is read as Mixtral-style. A model without experts must have ``intermediate_size``.
    """
    intermediate = _int(cfg, "intermediate_size", where, 0)
    if model_type in _MLA_MODEL_TYPES:
        mix = _deepseek_layers(cfg, where, layers, intermediate)
    elif model_type in _MIXTRAL_MODEL_TYPES or (
        "num_local_experts" in cfg and model_type != "llama4"
    ):
        mix = _mixtral_layers(cfg, where, layers, intermediate)
    elif model_type in _QWEN_MOE_MODEL_TYPES:
        mix = _qwen_moe_layers(cfg, where, layers, intermediate)
    elif model_type == "llama4":
        mix = _llama4_layers(cfg, where, layers, intermediate)
    else:
        mix = _LayerMix(intermediate)
    if model_type in _SLIDING_WINDOW_MODEL_TYPES:
        window = _sliding_window(cfg, model_type, where, layers)
        if window is not None:
            mix = mix._replace(windowed_layers=window[0], window_tokens=window[1])
    if mix.moe is None and mix.intermediate_size == 0:
        raise SiliconomicsError(f"{where}: config field 'intermediate_size' is missing")
    return mix


def _deepseek_layers(
    cfg: Mapping[str, Any], where: str, layers: int, intermediate: int
) -> _LayerMix:
    """DeepSeek V2/V3, Kimi K2: MLA attention; routed plus shared experts.

    The first ``first_k_dense_replace`` layers are dense; after them every
    ``moe_layer_freq``-th layer is MoE. Shared experts have the routed experts' width.
    """
    mla = MLAConfig(
        q_lora_rank=_opt_int(cfg, "q_lora_rank", where),
        kv_lora_rank=_int(cfg, "kv_lora_rank", where, low=1),
        qk_nope_head_dim=_int(cfg, "qk_nope_head_dim", where, low=1),
        qk_rope_head_dim=_int(cfg, "qk_rope_head_dim", where, low=1),
        v_head_dim=_int(cfg, "v_head_dim", where, low=1),
    )
    n_routed = _int(cfg, "n_routed_experts", where, 0)
    if not n_routed:
        return _LayerMix(intermediate, mla=mla)
    moe = MoEConfig(
        num_experts=n_routed,
        experts_per_token=_int(cfg, "num_experts_per_tok", where, low=1, high=n_routed),
        expert_intermediate_size=_int(cfg, "moe_intermediate_size", where, low=1),
        num_shared_experts=_int(cfg, "n_shared_experts", where, 0),
        shared_intermediate_size=_int(cfg, "moe_intermediate_size", where, low=1),
    )
    first_dense = _int(cfg, "first_k_dense_replace", where, 0, high=layers)
    freq = _int(cfg, "moe_layer_freq", where, 1, low=1, high=layers)
    moe_layers = _count_multiples(first_dense, layers, freq)
    return _LayerMix(intermediate, mla=mla, moe=moe, moe_layers=moe_layers)


def _mixtral_layers(
    cfg: Mapping[str, Any], where: str, layers: int, intermediate: int
) -> _LayerMix:
    """Mixtral, gpt-oss: every layer MoE, experts ``intermediate_size`` wide, no shared
    expert (gpt-oss names top-k ``experts_per_token``)."""
    experts = _int(cfg, "num_local_experts", where, low=1)
    top_k_field = "num_experts_per_tok" if "num_experts_per_tok" in cfg else "experts_per_token"
    moe = MoEConfig(
        num_experts=experts,
        experts_per_token=_int(cfg, top_k_field, where, low=1, high=experts),
        expert_intermediate_size=_int(cfg, "intermediate_size", where, low=1),
    )
    return _LayerMix(intermediate, moe=moe, moe_layers=layers)


def _qwen_moe_layers(
    cfg: Mapping[str, Any], where: str, layers: int, intermediate: int
) -> _LayerMix:
    """Qwen2-MoE, Qwen3-MoE: layer i is MoE when (i + 1) is a multiple of
    ``decoder_sparse_step`` and i is not in ``mlp_only_layers``; one shared expert when
    ``shared_expert_intermediate_size`` is set."""
    shared = _int(cfg, "shared_expert_intermediate_size", where, 0)
    experts = _int(cfg, "num_experts", where, low=1)
    moe = MoEConfig(
        num_experts=experts,
        experts_per_token=_int(cfg, "num_experts_per_tok", where, low=1, high=experts),
        expert_intermediate_size=_int(cfg, "moe_intermediate_size", where, low=1),
        num_shared_experts=1 if shared else 0,
        shared_intermediate_size=shared,
    )
    step = _int(cfg, "decoder_sparse_step", where, 1, low=1, high=layers)
    dense_only = set(_int_list(cfg, "mlp_only_layers", where, low=0, high=layers - 1) or [])
    moe_layers = _count_multiples(1, layers + 1, step) - sum(
        1 for layer in dense_only if (layer + 1) % step == 0
    )
    return _LayerMix(intermediate, moe=moe, moe_layers=moe_layers)


def _llama4_layers(cfg: Mapping[str, Any], where: str, layers: int, intermediate: int) -> _LayerMix:
    """Llama 4: MoE (routed experts plus one shared expert, both ``intermediate_size``
    wide) interleaved with dense layers ``intermediate_size_mlp`` wide, and chunked
    attention on the RoPE layers.

    MoE layers are those listed in ``moe_layers``, else every
    ``interleave_moe_layer_step``-th. Chunked layers are those with ``no_rope_layers[i] == 1``
    (a RoPE layer), else three of every four; the chunk is read as a sliding window.
    """
    experts = _int(cfg, "num_local_experts", where, low=1)
    intermediate = _int(cfg, "intermediate_size", where, low=1)
    moe = MoEConfig(
        num_experts=experts,
        experts_per_token=_int(cfg, "num_experts_per_tok", where, low=1, high=experts),
        expert_intermediate_size=intermediate,
        num_shared_experts=1,
        shared_intermediate_size=intermediate,
    )
    dense_intermediate = _int(cfg, "intermediate_size_mlp", where, intermediate, low=1)
    step = _int(cfg, "interleave_moe_layer_step", where, 1, low=1, high=layers)
    moe_layer_ids = _int_list(cfg, "moe_layers", where, low=0, high=layers - 1)
    if moe_layer_ids is not None:
        moe_layers = len(set(moe_layer_ids))
    else:
        moe_layers = _count_multiples(1, layers + 1, step)
    windowed_layers = 0
    window = _opt_int(cfg, "attention_chunk_size", where) or 0
    if window:
        no_rope = _int_list(cfg, "no_rope_layers", where, low=0, high=1)
        if no_rope is not None and len(no_rope) == layers:
            windowed_layers = sum(no_rope)
        else:
            windowed_layers = layers - layers // 4
    return _LayerMix(
        dense_intermediate,
        moe=moe,
        moe_layers=moe_layers,
        windowed_layers=windowed_layers,
        window_tokens=window,
    )


def _sliding_window(
    cfg: Mapping[str, Any], model_type: str, where: str, layers: int
) -> tuple[int, int] | None:
    """(windowed layers, window tokens), or None for full attention everywhere.

    ``layer_types`` names each layer (gpt-oss, Qwen3: "sliding_attention" or
    "full_attention"); without it ``sliding_window`` applies to every layer when
    ``use_sliding_window`` is set (default: on for Mistral, whose configs leave it out,
    off for the others).
    """
    layer_types = _layer_types(cfg, where, layers)
    sliding = _opt_int(cfg, "sliding_window", where)
    if layer_types is not None and sliding:
        return sum(1 for kind in layer_types if kind == "sliding_attention"), sliding
    if sliding and _bool(cfg, "use_sliding_window", where, model_type == "mistral"):
        return layers, sliding
    return None
