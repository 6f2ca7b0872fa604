"""The model part of a report: what the tuned model is, the evaluations run on it (eval style: attribution,
held-out loss, profile; eval memorization; eval blind) and the commands that use it."""

from __future__ import annotations

import datetime

from ..state import ModelRow
from . import charts
from .page import Section, Table, number

VARIANT_NAMES = {"real": "real text (the ceiling)", "base": "base model, zero-shot",
                 "few-shot": "base model, few-shot", "tuned": "tuned model"}


def model_section(row: ModelRow, evaluations: dict[str, dict]) -> Section:
    m = row.metrics
    section = Section("model", f"Tuned model {row.name}")
    section.facts = [("backend", row.backend), ("base model", row.base_model), ("adapter", row.path or "-"),
                     ("trained", datetime.datetime.fromtimestamp(row.created).strftime("%Y-%m-%d %H:%M")),
                     ("examples", number(m.get("examples"))), ("valid loss", number(m.get("valid_loss"))),
                     ("format", m.get("format", "chat"))]
    if "style" in evaluations:
        _style(section, evaluations["style"])
    if "memorization" in evaluations:
        _memorization(section, evaluations["memorization"])
    if "blind" in evaluations:
        b = evaluations["blind"]
        share = b.get("mistaken_share")
        section.tables.append(Table("Blind test (ftcook eval blind)", ["pairs", "answered", "picked the model's",
                                                                       "mistaken share"],
                                    [[b["trials"], b["answered"], b["picked_generated"],
                                      f"{share:.0%}" if share is not None else "-"]],
                                    note="50 % means the person could not tell the model's reply from their own."))
    missing = [kind for kind in ("style", "memorization") if kind not in evaluations]
    section.notes += [f"Not evaluated yet: run 'ftcook eval {kind} {row.name}' and write the report again."
                      for kind in missing]
    section.commands = _commands(row)
    return section


def _style(section: Section, result: dict) -> None:
    variants = result["variants"]
    shares = {VARIANT_NAMES.get(v, v): round(100 * numbers["attributed_to_writer"]) for v, numbers in variants.items()}
    section.charts.append(charts.bars("attribution", "Outputs attributed to the writer (%)", shares,
                                      xlabel="% of outputs the classifier attributes to the writer"))
    section.tables.append(Table(
        f"Does it write like its source? (ftcook eval style, {result['examples']} held-out examples from "
        f"{result['held_out_from']})",
        ["variant", "attributed to the writer", "writer probability", "profile distance"],
        [[VARIANT_NAMES.get(v, v), f"{n['attributed_to_writer']:.0%}", number(n.get("writer_probability"), 3),
          number(n.get("profile_distance"), 3)] for v, n in variants.items()],
        note=f"The classifier's own cross-validated balanced accuracy: {result['classifier']['cv_accuracy']:.0%} "
             f"({result['classifier']['writer_texts']} texts of the writer, "
             f"{result['classifier']['background_texts']} of others). docs/evaluate.md explains each number."))
    measures = list(next(iter(variants.values())).get("profile") or {})
    if measures:
        section.tables.append(Table("Stylometric profile (means over the outputs)",
                                    ["measure", *(VARIANT_NAMES.get(v, v) for v in variants)],
                                    [[m.replace("_", " "), *(number(n["profile"].get(m), 3) for n in variants.values())]
                                     for m in measures]))
    loss = result.get("loss", {})
    section.tables.append(Table("Held-out loss", ["model", "loss per token", "perplexity"],
                                [[k, number(v.get("loss")), number(v.get("perplexity"))] for k, v in loss.items()]))


def _memorization(section: Section, result: dict) -> None:
    section.tables.append(Table(
        "Memorisation (ftcook eval memorization)", ["samples", "copied 8-grams", "longest copied run", "warning"],
        [[result["samples"], f"{result['copied_share']:.1%}", f"{result['longest_copied_words']} words",
          "yes" if result["warning"] else "no"]],
        note="The share of the model's 8-word runs found verbatim in the dataset; a warning above "
             f"{result['threshold']:.0%} or at {result['longest_warning']} copied words in a row."))


def _commands(row: ModelRow) -> list[tuple[str, str]]:
    name = row.name
    commands = [("ask it", f'ftcook ask {name} "..."'), ("fine-tuning against prompting", f"ftcook compare {name}")]
    if row.backend == "local":
        commands += [("serve it behind OpenAI's API", f"ftcook serve {name}"),
                     ("use it in Ollama", f"ftcook export {name} --to ollama --out {name}-ollama"),
                     ("one GGUF file for llama.cpp and LM Studio", f"ftcook export {name} --to gguf --out {name}.gguf"),
                     ("the adapter and the command for vLLM", f"ftcook export {name} --to lora --out {name}-lora")]
    return commands
