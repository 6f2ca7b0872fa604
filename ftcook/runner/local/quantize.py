"""QLoRA: the base model's weights loaded in 4 or 8 bits with bitsandbytes (``-o quantize=4bit``), the LoRA adapter
trained in bf16 on top, with a paged 8-bit optimizer. CUDA only: bitsandbytes' kernels need an NVIDIA GPU, and on
another device the option is refused before anything is loaded."""

from __future__ import annotations

from ...errors import UsageError

#: bytes a base parameter takes in memory, by ``quantize`` (4-bit NF4 with double quantization: ~0.53)
WEIGHT_BYTES = {"4bit": 0.53, "8bit": 1.0}


def check(quantize: str | None, where: str) -> None:
    """Refuse ``quantize`` where it cannot run: not CUDA, or bitsandbytes missing."""
    if not quantize:
        return
    if where != "cuda":
        raise UsageError(f"-o quantize={quantize} (QLoRA) needs an NVIDIA GPU with CUDA: bitsandbytes has no kernels "
                         f"for {where}. Drop the option to train the full-precision base model here (ftcook train "
                         f"--plan says whether it fits), or choose a smaller base model")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise UsageError(f"-o quantize={quantize} needs bitsandbytes: pip install bitsandbytes") from None


def load_options(quantize: str | None, dtype: str) -> dict:
    """Extra ``from_pretrained`` arguments: the quantization config, the whole model on the first GPU."""
    if not quantize:
        return {}
    import torch
    from transformers import BitsAndBytesConfig

    compute = getattr(torch, dtype)
    config = (BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                 bnb_4bit_compute_dtype=compute) if quantize == "4bit"
              else BitsAndBytesConfig(load_in_8bit=True))
    return {"quantization_config": config, "device_map": {"": 0}}


def prepare(model, quantize: str | None, checkpointing: bool):
    """A quantized model made ready for training (norms in float32, inputs that carry gradients): PEFT's helper."""
    if not quantize:
        return model
    from peft import prepare_model_for_kbit_training

    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=checkpointing)


def optimizer(quantize: str | None) -> str:
    """TRL's optimizer name: a paged 8-bit AdamW with QLoRA (its states page to CPU memory under pressure)."""
    return "paged_adamw_8bit" if quantize else "adamw_torch"
