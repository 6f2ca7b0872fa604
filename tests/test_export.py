"""``ftcook export``: a merged HF folder with its card, the adapter with the vLLM command, a GGUF that an
independent reader (transformers' GGUF loader) loads with the merged model's logits, and an Ollama Modelfile whose
template, rendered by Go's text/template (Ollama's engine), gives the chat template's prompt text."""

import json
import os
import shutil
import subprocess

import pytest

pytest.importorskip("torch")
pytest.importorskip("gguf")

from conftest import invoke, write_jsonl  # noqa: E402
from tiny import examples, tiny_bpe_model, tiny_model  # noqa: E402,F401 - the fixtures

F16_LOGIT_TOLERANCE = 0.05  # largest difference in a logit after weights are rounded to f16 (logits here are ~±5)


@pytest.fixture
def tuned(tiny_bpe_model, tmp_path):
    """A LoRA adapter on the tiny BPE Llama, trained on a built-looking dataset (with a manifest)."""
    folder = tmp_path / "ds"
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", examples()[:20])
    (folder / "manifest.json").write_text(json.dumps({"recipe": "email", "options": {"me": "ada@example.org"},
                                                      "counts": {"train": 20, "valid": 0, "skipped": 3},
                                                      "ledger": {"skipped_by_reason": {"not_mine": 3}},
                                                      "redaction": {"enabled": True, "placeholders": {"EMAIL": 2}}}))
    result = invoke("train", folder, "--model", tiny_bpe_model, "--name", "ada", "--lr", "1e-2", "-o", "max_steps=4",
                    "-q")
    assert result.exit_code == 0, result.output
    return "ada"


def _logits_and_tokens(model, ids, steps=32):
    import torch

    with torch.no_grad():
        logits = model(input_ids=ids).logits[0, -1].float()
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=steps,
                             min_new_tokens=steps, do_sample=False)
    return logits, out[0, ids.shape[1]:].tolist()


def test_hf_export_is_the_merged_model_with_its_card(tuned, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    result = invoke("export", tuned, "--to", "hf", "--out", tmp_path / "hf")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "hf"
    names = {p.name for p in folder.iterdir()}
    assert {"model.safetensors", "config.json", "generation_config.json", "tokenizer.json", "README.md"} <= names
    assert AutoTokenizer.from_pretrained(folder).chat_template  # the chat template goes with it
    card = (folder / "README.md").read_text()
    assert "recipe: `email`" in card and "20 train, 0 valid, 3 skipped" in card and '"EMAIL": 2' in card
    assert "You are Ada." in card
    AutoModelForCausalLM.from_pretrained(folder)
    again = invoke("export", tuned, "--to", "hf", "--out", folder)
    assert again.exit_code == 2 and "--force" in again.output


def test_lora_export_prints_the_vllm_command(tuned, tmp_path):
    result = invoke("export", tuned, "--to", "lora", "--out", tmp_path / "lora")
    assert result.exit_code == 0
    assert (tmp_path / "lora" / "adapter_model.safetensors").is_file()
    assert f"--enable-lora --lora-modules ada={(tmp_path / 'lora').resolve()} --max-lora-rank 8" in result.output


@pytest.mark.parametrize("quant, tolerance", [("f16", F16_LOGIT_TOLERANCE), ("q8_0", 0.25)])
def test_gguf_loads_in_an_independent_reader_with_the_same_logits(tuned, tmp_path, quant, tolerance):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert invoke("export", tuned, "--to", "hf", "--out", tmp_path / "hf").exit_code == 0
    result = invoke("export", tuned, "--to", "gguf", "--out", tmp_path / "ada.gguf", "--quant", quant)
    assert result.exit_code == 0, result.output
    hf_tokenizer = AutoTokenizer.from_pretrained(tmp_path / "hf")
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "hf").eval()
    reread = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file="ada.gguf").eval()
    gguf_tokenizer = AutoTokenizer.from_pretrained(tmp_path, gguf_file="ada.gguf")
    text = hf_tokenizer.apply_chat_template([{"role": "system", "content": "You are Ada."},
                                             {"role": "user", "content": "Email from Sam: can we meet on day 3?"}],
                                            tokenize=False, add_generation_prompt=True)
    ids = hf_tokenizer(text, return_tensors="pt")["input_ids"]
    assert gguf_tokenizer(text, return_tensors="pt")["input_ids"].tolist() == ids.tolist()
    want_logits, want_tokens = _logits_and_tokens(merged, ids)
    got_logits, got_tokens = _logits_and_tokens(reread, ids)
    assert float((want_logits - got_logits).abs().max()) < tolerance
    if quant == "f16":
        assert got_tokens == want_tokens  # 32 greedy steps


def test_an_unsupported_tokenizer_or_architecture_is_one_clear_line(tiny_model, tmp_path):
    from ftcook.errors import UsageError
    from ftcook.export.gguf import write_gguf

    with pytest.raises(UsageError, match="tokenizer is WordLevel; GGUF export reads byte-level BPE"):
        write_gguf(tiny_model, tmp_path / "x.gguf")
    other = tmp_path / "gpt2"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"]}))
    with pytest.raises(UsageError, match="GPT2LMHeadModel cannot be written as GGUF by ftcook - it writes "
                                         "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM"):
        write_gguf(other, tmp_path / "y.gguf")


GO_RENDER = """package main

import (
\t"encoding/json"
\t"os"
\t"text/template"
)

func main() {
\tsource, _ := os.ReadFile(os.Args[1])
\tvar data map[string]interface{}
\tjson.Unmarshal([]byte(os.Args[2]), &data)
\tt := template.Must(template.New("ollama").Parse(string(source)))
\tif err := t.Execute(os.Stdout, data); err != nil {
\t\tpanic(err)
\t}
}
"""


def _go_render(tmp_path, template: str, messages: list[dict]) -> str:
    go = shutil.which("go")
    if go is None:
        pytest.skip("Go is not installed (Debian: apt-get install golang-go)")
    (tmp_path / "render.go").write_text(GO_RENDER)
    (tmp_path / "template.txt").write_text(template)
    data = json.dumps({"Messages": [{"Role": m["role"], "Content": m["content"]} for m in messages]})
    env = {**os.environ, "GOCACHE": str(tmp_path / "gocache"), "GOPATH": str(tmp_path / "gopath"),
           "GO111MODULE": "off"}
    done = subprocess.run([go, "run", str(tmp_path / "render.go"), str(tmp_path / "template.txt"), data],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


CHAT = [{"role": "system", "content": "You are Ada."}, {"role": "user", "content": "Email from Sam: day 3?"},
        {"role": "assistant", "content": "Hey Sam! Day 3 works."}, {"role": "user", "content": "And day {{4}}?"}]


def test_ollama_modelfile_renders_like_the_chat_template(tuned, tmp_path):
    from transformers import AutoTokenizer

    result = invoke("export", tuned, "--to", "ollama", "--out", tmp_path / "ollama")
    assert result.exit_code == 0, result.output
    assert "ollama create ada -f Modelfile" in result.output
    text = (tmp_path / "ollama" / "Modelfile").read_text()
    assert text.startswith("FROM ./ada.gguf\n") and 'SYSTEM """You are Ada."""' in text
    assert 'PARAMETER stop "<|im_end|>"' in text
    template = text.split('TEMPLATE """', 1)[1].split('"""', 1)[0]
    hf = AutoTokenizer.from_pretrained(tmp_path / "ollama" / ".." / "ollama", gguf_file="ada.gguf")
    for chat in (CHAT, CHAT[1:]):
        want = hf.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        assert _go_render(tmp_path, template, chat) == want


def test_a_default_system_message_is_kept_in_the_go_template(tmp_path):
    """SmolLM2's template adds its own system message to a chat without one; Ollama's must too."""
    from jinja2 import Template

    from ftcook.export.ollama import chatml_template, default_system

    smol = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
            "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>"
            "\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
            "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
    render = Template(smol).render
    fallback = default_system(render(messages=[{"role": "user", "content": "x"}], add_generation_prompt=True))
    assert fallback == "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
    template = chatml_template(fallback)
    for chat in (CHAT, CHAT[1:]):
        assert _go_render(tmp_path, template, chat) == render(messages=chat, add_generation_prompt=True)


@pytest.mark.parametrize("arch", ["qwen2", "mistral"])
def test_the_other_supported_architectures_read_back_with_the_same_logits(tiny_bpe_model, tmp_path, arch):
    """Qwen2 (biases on q/k/v, no rotary permutation in GGUF) and Mistral (Llama's layout), from their HF folders."""
    import torch
    from transformers import (AutoModelForCausalLM, AutoTokenizer, MistralConfig, MistralForCausalLM, Qwen2Config,
                              Qwen2ForCausalLM)

    from ftcook.export.gguf import write_gguf

    tokenizer = AutoTokenizer.from_pretrained(tiny_bpe_model)
    shape = dict(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                 bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                 pad_token_id=tokenizer.pad_token_id)
    torch.manual_seed(1)
    model = (Qwen2ForCausalLM(Qwen2Config(**shape, tie_word_embeddings=False)) if arch == "qwen2"
             else MistralForCausalLM(MistralConfig(**shape))).eval()
    if arch == "qwen2":  # random biases, so that dropping or misplacing one shows
        for layer in model.model.layers:
            for proj in (layer.self_attn.q_proj, layer.self_attn.k_proj, layer.self_attn.v_proj):
                torch.nn.init.normal_(proj.bias, std=0.5)
    folder = tmp_path / arch
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    write_gguf(folder, tmp_path / f"{arch}.gguf", name="tiny")  # transformers reads "mistral" in a name as a type
    reread = AutoModelForCausalLM.from_pretrained(tmp_path, gguf_file=f"{arch}.gguf").eval()
    ids = tokenizer("Hey Sam! Day 3 works. Cheers, Ada", return_tensors="pt")["input_ids"]
    want_logits, _ = _logits_and_tokens(model, ids, steps=1)
    got_logits, _ = _logits_and_tokens(reread, ids, steps=1)
    assert float((want_logits - got_logits).abs().max()) < F16_LOGIT_TOLERANCE  # untrained: near-tied greedy picks


def test_an_interrupted_export_leaves_nothing_and_keeps_what_was_there(tuned, tmp_path, monkeypatch):
    import ftcook.export.gguf as gguf_writer

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(gguf_writer, "write_gguf", interrupted)
    result = invoke("export", tuned, "--to", "ollama", "--out", tmp_path / "ollama")
    assert result.exit_code == 130 and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "home"]  # no folder, no .partial left
    (tmp_path / "old.gguf").write_text("the earlier export")
    assert invoke("export", tuned, "--to", "gguf", "--out", tmp_path / "old", "--force").exit_code == 130
    assert (tmp_path / "old.gguf").read_text() == "the earlier export"  # --force replaces only a whole export
    assert invoke("export", tuned, "--to", "gguf", "--out", tmp_path / "old").exit_code == 2  # ada -> old.gguf exists
