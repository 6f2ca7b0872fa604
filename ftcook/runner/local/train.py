"""LoRA training with PEFT and TRL's SFTTrainer: prompt/completion data in TRL's conversational form (loss on the
completions only, chat template applied as at generation time), a device chosen for the machine, defaults sized
to the dataset, evaluation each epoch, checkpoints, resume, and a clean stop."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from ...state import Event
from ..base import Dataset, TrainParams
from . import distributed
from . import quantize as quantization
from .defaults import defaults

def device() -> tuple[str, str]:
    """(device, dtype name): CUDA in bf16 where supported, Apple MPS or CPU in float32. On CPU, bf16 and gradient
    checkpointing (TRL's defaults) make a step about 5× slower (FACTS.md)."""
    import torch

    if torch.cuda.is_available():
        return "cuda", "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps", "float32"
    return "cpu", "float32"


def run_training(job_id: str, dataset: Dataset, base_dir: Path, params: TrainParams, output: Path, on_event,
                 should_stop, resume: bool) -> dict:
    """Train a LoRA adapter on ``base_dir`` into ``output``; checkpoints go to ``$FTCOOK_HOME/jobs/JOB``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from . import require_extra

    require_extra()  # also in the workers of a run on several processes: the libraries' own bars and warnings off
    where, dtype = device()
    checkpoints = output.parent.parent / "jobs" / job_id
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = token_rows(tokenizer, dataset)
    settings = defaults(len(dataset.train), params, where, max(map(len, rows), default=0))
    quantize = params.options.quantize
    quantization.check(quantize, where)
    plan = training_plan(base_dir, rows, params, settings, (where, dtype))  # refuses what won't fit
    on_event(Event("message", message=describe_settings(settings, len(dataset.train), where, dtype)))
    for line in plan.lines():
        on_event(Event("message", message=line))
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=getattr(torch, dtype),
                                                 **quantization.load_options(quantize, dtype))
    model = quantization.prepare(model, quantize, settings["gradient_checkpointing"])
    reporter = _Reporter(on_event, should_stop, checkpoints / "elapsed.json")
    trainer, has_valid = _trainer(model, tokenizer, dataset, params, settings, (where, dtype), checkpoints, reporter)
    last = _last_checkpoint(checkpoints) if resume else None
    if resume and last is None:
        on_event(Event("message", message="no checkpoint yet: starting from the beginning"))
    reporter.begin(resumed=last is not None)
    result = trainer.train(resume_from_checkpoint=str(last) if last else None)
    if reporter.stopped:
        raise reporter.stopped(job_id)
    metrics = {"device": where, "dtype": dtype, **settings, "format": "text" if plain_text(dataset.train) else "chat",
               "steps": trainer.state.global_step,
               "train_loss": round(result.training_loss, 4), "seconds": round(reporter.elapsed(), 1),
               "tokens_per_s": reporter.tokens_per_s(), "first_loss": reporter.first_loss,
               "last_loss": reporter.last_loss}
    if has_valid:
        if reporter.last_eval and reporter.last_eval[0] == trainer.state.global_step:
            metrics["valid_loss"] = round(reporter.last_eval[1], 4)  # the last epoch's evaluation is the final one
        else:
            reporter.quiet = True  # the final evaluation is reported in the metrics, not as another epoch
            metrics["valid_loss"] = round(trainer.evaluate()["eval_loss"], 4)
    if not distributed.is_main():  # rank 0 writes the adapter and reports
        return metrics
    _save(trainer.model, tokenizer, output, params.options.merge, metrics)
    (output / "ftcook.json").write_text(json.dumps({"base_model": str(base_dir.name), "dataset_sha256": dataset.sha256,
                                                    "system": dataset.system, "metrics": metrics}, indent=2))
    return metrics


def describe_settings(settings: dict, examples: int, where: str, dtype: str) -> str:
    world = distributed.world_size()
    where = f"{world} processes on {where}" if world > 1 else where
    return (f"{where} ({dtype}), {examples} examples, {settings['epochs']} epochs, LoRA rank {settings['rank']}, "
            f"batch {settings['batch_size']} ({settings['micro_batch']} per pass"
            f"{', gradient checkpointing' if settings['gradient_checkpointing'] else ''}), "
            f"learning rate {settings['learning_rate']:g}")


def training_plan(base_dir: Path, rows: list[list[int]], params: TrainParams, settings: dict,
                  hardware: tuple[str, str], measure: bool = False):
    """The run's plan (``plan.py``) from the examples' token ids (``token_rows``), with the speed of a warm-up
    (``measure``) or of this machine's fastest recent run of the same base model. A run that will not fit is
    refused here, before the weights are loaded."""
    import torch

    from ...errors import UsageError
    from .plan import make_plan, warm_up

    where, dtype = hardware
    measured = (warm_up(base_dir, rows, settings, where, dtype) if measure
                else _measured_speed(base_dir.name, where))
    threads = torch.get_num_threads() * distributed.world_size()  # all processes' threads
    plan = make_plan(base_dir, [len(r) for r in rows], settings, where, dtype, threads=threads,
                     measured=measured, max_steps=params.options.max_steps)
    if not plan.fits and not measure:
        raise UsageError("\n".join(plan.lines()))
    return plan


def token_rows(tokenizer, dataset: Dataset) -> list[list[int]]:
    """Each training example's token ids as the trainer sees them (chat template or plain text)."""
    rows = _rows(dataset.train, tokenizer, plain_text(dataset.train))
    if rows and "text" in rows[0]:
        return [tokenizer(r["text"])["input_ids"] for r in rows]
    if tokenizer.chat_template:
        return [list(tokenizer.apply_chat_template(r["prompt"] + r["completion"], tokenize=True,
                                                   return_dict=True)["input_ids"]) for r in rows]
    return [tokenizer(r["prompt"] + r["completion"])["input_ids"] for r in rows]


def _measured_speed(base_dir: str, where: str) -> tuple[float, str] | None:
    """(tokens/s, whose) of the fastest of the five newest local runs of the same base model on this device: a run
    slowed by other work on the machine does not make every later estimate pessimistic."""
    from ...state import open_state

    name = Path(base_dir).name
    with open_state() as state:
        runs = [row for row in sorted(state.models(), key=lambda m: m.created, reverse=True)
                if row.backend == "local" and row.base_model == name and row.metrics.get("device") == where
                and row.metrics.get("tokens_per_s")][:5]
    if not runs:
        return None
    best = max(runs, key=lambda row: row.metrics["tokens_per_s"])
    return float(best.metrics["tokens_per_s"]), f"your run of {best.name}"


def _trainer(model, tokenizer, dataset: Dataset, params: TrainParams, settings: dict, hardware: tuple[str, str],
             checkpoints: Path, reporter):
    """TRL's SFTTrainer with a LoRA config: (trainer, whether it evaluates on valid.jsonl)."""
    from datasets import Dataset as HFDataset
    from peft import LoraConfig
    from transformers import PrinterCallback
    from trl import SFTConfig, SFTTrainer

    where, dtype = hardware
    text = plain_text(dataset.train)
    train_rows, valid_rows = _rows(dataset.train, tokenizer, text), _rows(dataset.valid, tokenizer, text)
    config = SFTConfig(
        output_dir=str(checkpoints), num_train_epochs=settings["epochs"], max_steps=params.options.max_steps or -1,
        per_device_train_batch_size=settings["micro_batch"], per_device_eval_batch_size=settings["micro_batch"],
        gradient_accumulation_steps=max(1, -(-settings["batch_size"] // (settings["micro_batch"] *
                                                                   distributed.world_size()))),
        learning_rate=settings["learning_rate"], lr_scheduler_type="cosine", warmup_steps=0.05,
        logging_steps=1, save_strategy="epoch", save_total_limit=2, eval_strategy="epoch" if valid_rows else "no",
        bf16=dtype == "bfloat16", fp16=dtype == "float16", use_cpu=where == "cpu",
        gradient_checkpointing=settings["gradient_checkpointing"],
        max_length=settings["max_length"], seed=params.seed, data_seed=params.seed, report_to="none",
        disable_tqdm=True, dataloader_num_workers=0, dataset_num_proc=None, save_only_model=False,
        completion_only_loss=not text, optim=quantization.optimizer(params.options.quantize),
    )
    lora = LoraConfig(r=settings["rank"], lora_alpha=settings["alpha"], lora_dropout=params.options.dropout,
                      target_modules="all-linear", task_type="CAUSAL_LM")
    trainer = SFTTrainer(model=model, args=config, train_dataset=HFDataset.from_list(train_rows),
                         eval_dataset=HFDataset.from_list(valid_rows) if valid_rows else None,
                         processing_class=tokenizer, peft_config=lora, callbacks=[reporter])
    trainer.remove_callback(PrinterCallback)  # ftcook reports through its events
    return trainer, bool(valid_rows)


def _save(model, tokenizer, output: Path, merge: bool, metrics: dict) -> None:
    """The adapter (and, with ``merge``, a merged model in ``merged/``)."""
    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    if merge:
        merged = model.merge_and_unload()
        merged.save_pretrained(output / "merged")
        tokenizer.save_pretrained(output / "merged")
        metrics["merged"] = "merged"


def plain_text(examples: list[dict]) -> bool:
    """Whether a dataset is text to learn with no prompt (the language recipe): every example has no user turn.
    It trains as plain language-model text, without the chat template: there is no conversation to format, and
    the model learns the language itself, as in pretraining (docs/recipes/language.md)."""
    return bool(examples) and all(not any(m["role"] == "user" for m in e["prompt"]) for e in examples)


def _rows(examples: list[dict], tokenizer, text: bool = False) -> list[dict]:
    """TRL's rows: plain ``text`` for prompt-less data, else conversational prompt/completion (plain text ones
    when the tokenizer has no chat template)."""
    if text:
        return [{"text": "\n\n".join(m["content"] for m in e["completion"]) + (tokenizer.eos_token or "")}
                for e in examples]
    if tokenizer.chat_template:
        return [{"prompt": e["prompt"], "completion": e["completion"]} for e in examples]
    return [{"prompt": "\n\n".join(m["content"] for m in e["prompt"]) + "\n\n",
             "completion": "\n\n".join(m["content"] for m in e["completion"]) + (tokenizer.eos_token or "")}
            for e in examples]


def _last_checkpoint(folder: Path) -> Path | None:
    found = sorted((p for p in folder.glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
                   key=lambda p: int(p.name.split("-")[-1])) if folder.is_dir() else []
    return found[-1] if found else None


def peak_memory_mb() -> float | None:
    """The training process's peak resident memory so far, in MB (None where the platform does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)  # bytes on macOS, KB on Linux


def _callback_base():
    from transformers import TrainerCallback

    return TrainerCallback


class _Reporter(_callback_base()):
    """Training numbers as ftcook Events; stops at the next step (saving a checkpoint) when asked."""

    def __init__(self, on_event, should_stop, elapsed_file: Path):
        self.on_event, self.should_stop = on_event, should_stop
        self.elapsed_file = elapsed_file
        self._start: float | None = None
        self._before = 0.0  # training seconds of the runs before a resume
        self._saved_at: int | None = None
        self.stopped = None  # the outcome (Interrupted, Cancelled) once should_stop() gave one
        self.quiet = False
        self.last_eval: tuple[int, float] | None = None  # (step, valid loss) of the newest evaluation
        self.first_loss: float | None = None
        self.last_loss: float | None = None
        self._tokens: list[tuple[float, float]] = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" in logs:
            tokens = logs.get("num_tokens")
            if tokens is not None:
                self._tokens.append((time.perf_counter(), float(tokens)))
            if self.first_loss is None:
                self.first_loss = round(float(logs["loss"]), 4)
            self.last_loss = round(float(logs["loss"]), 4)
            rate = logs.get("learning_rate")
            self.on_event(Event("log", step=state.global_step, total_steps=state.max_steps, epoch=state.epoch,
                                train_loss=float(logs["loss"]), tokens_per_s=self.tokens_per_s(recent=True),
                                learning_rate=float(rate) if rate is not None else None, memory_mb=peak_memory_mb()))

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics and "eval_loss" in metrics:
            self.last_eval = (state.global_step, float(metrics["eval_loss"]))
        if metrics and "eval_loss" in metrics and not self.quiet:
            self.on_event(Event("eval", step=state.global_step, total_steps=state.max_steps, epoch=state.epoch,
                                valid_loss=float(metrics["eval_loss"])))

    def on_save(self, args, state, control, **kwargs):
        """Once per step (a stop asked for at an epoch's end saves once, not twice); the training time so far goes
        beside the checkpoints, so a resumed run reports the whole time."""
        if state.global_step == self._saved_at or not state.is_world_process_zero:
            return
        self._saved_at = state.global_step
        self.elapsed_file.parent.mkdir(parents=True, exist_ok=True)
        self.elapsed_file.write_text(json.dumps({"seconds": self.elapsed(), "step": state.global_step}))
        self.on_event(Event("checkpoint", step=state.global_step, total_steps=state.max_steps, epoch=state.epoch))

    def begin(self, resumed: bool) -> None:
        """Start the clock; a resumed run starts from the time its checkpoint recorded."""
        self._start = time.perf_counter()
        if resumed and self.elapsed_file.is_file():
            self._before = float(json.loads(self.elapsed_file.read_text()).get("seconds", 0.0))

    def elapsed(self) -> float:
        return self._before + (time.perf_counter() - self._start if self._start is not None else 0.0)

    def on_step_end(self, args, state, control, **kwargs):
        reason = self.should_stop()
        if reason and not self.stopped:
            self.stopped = reason
            control.should_save = True
            control.should_training_stop = True

    def tokens_per_s(self, recent: bool = False) -> float | None:
        points = self._tokens[-10:] if recent else self._tokens
        if len(points) < 2 or points[-1][0] <= points[0][0]:
            return None
        return round((points[-1][1] - points[0][1]) / (points[-1][0] - points[0][0]), 1)

