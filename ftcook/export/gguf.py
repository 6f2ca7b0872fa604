"""A merged Hugging Face model folder written as one GGUF file with the ``gguf`` package (llama.cpp's own writer):
weights (f16, or q8_0 where a row holds whole 32-value blocks), the model's hyperparameters, its BPE tokenizer
and its chat template - what llama.cpp, Ollama and LM Studio read.

Supported: the Llama architecture family (LlamaForCausalLM: SmolLM2, Llama 2/3; MistralForCausalLM) and
Qwen2ForCausalLM. Llama's query and key weights are stored permuted, as llama.cpp expects (its converter's
``permute``); readers undo it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError


@dataclass(frozen=True)
class Arch:
    gguf_name: str  # general.architecture
    permute_qk: bool  # llama.cpp's rotary layout for Llama-family attention


ARCHS = {"LlamaForCausalLM": Arch("llama", True), "MistralForCausalLM": Arch("llama", True),
         "Qwen2ForCausalLM": Arch("qwen2", False)}
QUANTS = ("f16", "q8_0")


def write_gguf(model_dir: Path, out: Path, quant: str = "f16", name: str = "") -> Path:
    """Write ``model_dir`` (a merged model: config.json, safetensors, tokenizer.json) to the GGUF file ``out``."""
    import gguf

    config = json.loads((model_dir / "config.json").read_text())
    arch = _arch(config)
    if quant not in QUANTS:
        raise UsageError(f"--quant {quant}: GGUF export writes {', '.join(QUANTS)}")
    tokens, types = _vocab(model_dir, config)
    writer = gguf.GGUFWriter(str(out), arch.gguf_name)
    _hyperparameters(writer, config, name or model_dir.name, quant, len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(_pre_tokenizer(config, len(tokens), name))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(model_dir, load_merges=True, n_vocab=len(tokens)).add_to_gguf(writer, quiet=True)
    for tensor_name, data, kind in _tensors(model_dir, config, arch, quant):
        writer.add_tensor(tensor_name, data, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def _arch(config: dict) -> Arch:
    names = config.get("architectures") or []
    arch = next((ARCHS[n] for n in names if n in ARCHS), None)
    if arch is None:
        raise UsageError(f"{', '.join(names) or 'this architecture'} cannot be written as GGUF by ftcook - it writes "
                         f"{', '.join(ARCHS)}. Export with --to hf and convert with llama.cpp's "
                         f"convert_hf_to_gguf.py")
    return arch


def _hyperparameters(writer, config: dict, name: str, quant: str, n_vocab: int) -> None:
    import gguf

    heads = config["num_attention_heads"]
    rope = config.get("rope_parameters") or {}
    writer.add_name(name)
    writer.add_context_length(config.get("max_position_embeddings", 2048))
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(heads)
    writer.add_head_count_kv(config.get("num_key_value_heads", heads))
    writer.add_rope_dimension_count(config.get("head_dim") or config["hidden_size"] // heads)
    writer.add_rope_freq_base(float(rope.get("rope_theta") or config.get("rope_theta") or 10000.0))
    writer.add_layer_norm_rms_eps(config.get("rms_norm_eps", 1e-6))
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if quant == "f16" else gguf.LlamaFileType.MOSTLY_Q8_0)


def _vocab(model_dir: Path, config: dict) -> tuple[list[str], list[int]]:
    """The tokens in id order with their llama.cpp types, from a byte-level BPE tokenizer.json."""
    import gguf

    path = model_dir / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    model = data.get("model") or {}
    if model.get("type") != "BPE":
        kind = model.get("type") or "no tokenizer.json"
        raise UsageError(f"{path}: the tokenizer is {kind}; GGUF export reads byte-level BPE tokenizers (Llama 3, "
                         f"SmolLM2, Qwen2) - export with --to hf instead")
    by_id = {i: t for t, i in model["vocab"].items()}
    added = {t["id"]: t for t in data.get("added_tokens", [])}
    by_id.update({i: t["content"] for i, t in added.items()})
    size = max(config.get("vocab_size", 0), max(by_id) + 1)
    tokens, types = [], []
    for i in range(size):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        tokens.append(by_id[i])
        special = added.get(i, {}).get("special")
        types.append(gguf.TokenType.NORMAL if i not in added else
                     gguf.TokenType.CONTROL if special else gguf.TokenType.USER_DEFINED)
    return tokens, types


def _pre_tokenizer(config: dict, n_vocab: int, name: str) -> str:
    """llama.cpp's name for how the text is split before BPE (it picks the splitting regex by it)."""
    if "qwen2" in str(config.get("model_type", "")):
        return "qwen2"
    if n_vocab >= 128000:
        return "llama-bpe"
    if n_vocab == 49152:  # SmolLM and SmolLM2
        return "smollm"
    return "default"


def _tensors(model_dir: Path, config: dict, arch: Arch, quant: str):
    """(GGUF name, array, GGML type) for each weight, in the file's order."""
    import gguf
    from safetensors import safe_open

    names = gguf.get_tensor_name_map(_model_arch(arch), config["num_hidden_layers"])
    heads, kv = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])
    for path in sorted(model_dir.glob("*.safetensors")):
        with safe_open(str(path), framework="np") as f:
            for key in f.keys():
                gguf_name = names.get_name(key, try_suffixes=(".weight", ".bias"))
                if gguf_name is None:
                    raise UsageError(f"{path.name}: no GGUF name for tensor {key} ({arch.gguf_name})")
                data = f.get_tensor(key).astype("float32")
                if arch.permute_qk and key.endswith("q_proj.weight"):
                    data = _permute(data, heads, heads)
                elif arch.permute_qk and key.endswith("k_proj.weight"):
                    data = _permute(data, heads, kv)
                yield (gguf_name, *_encode(data, quant))


def _model_arch(arch: Arch):
    import gguf

    return {"llama": gguf.MODEL_ARCH.LLAMA, "qwen2": gguf.MODEL_ARCH.QWEN2}[arch.gguf_name]


def _permute(weights, n_head: int, n_head_kv: int):
    """llama.cpp's layout of query/key rows for its rotary embedding (convert_hf_to_gguf.py's ``permute``)."""
    if n_head != n_head_kv:
        n_head = n_head_kv
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def _encode(data, quant: str):
    """Vectors stay float32 (as llama.cpp keeps norms); matrices become f16, or q8_0 when rows split into
    32-value blocks."""
    import gguf
    import numpy as np

    if data.ndim < 2:
        return data, gguf.GGMLQuantizationType.F32
    if quant == "q8_0" and data.shape[-1] % 32 == 0:
        return gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0), gguf.GGMLQuantizationType.Q8_0
    return data.astype(np.float16), gguf.GGMLQuantizationType.F16
