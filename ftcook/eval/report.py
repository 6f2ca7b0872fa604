"""What ``ftcook eval style`` and ``ftcook eval blind`` print."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

LABELS = {"real": "real (held out)", "base": "base, zero-shot", "few-shot": "base, few-shot", "tuned": "tuned"}
PROFILE_ROWS = {"words": "words", "words_per_sentence": "words/sentence", "chars_per_word": "chars/word",
                "function_words": "function words", "greeting": "greeting", "sign_off_lines": "sign-off lines",
                "dialogue_share": "dialogue share", "comma_per_100_chars": ", per 100 chars",
                "exclamation_per_100_chars": "! per 100 chars", "question_per_100_chars": "? per 100 chars"}


def render_style(out: Console, result: dict) -> None:
    c = result["classifier"]
    sampling = result.get("sampling") or {"samples": 1, "temperature": 0}
    replies = ("one greedy reply" if not sampling["temperature"] else
               f"{sampling['samples']} sampled repl{'y' if sampling['samples'] == 1 else 'ies'} at temperature "
               f"{sampling['temperature']:g}")
    out.print(f"[bold]{result['model']}[/bold] on {result['examples']} held-out examples of "
              f"{result['held_out_from']} (base {result['base_model']}, few-shot with {result['shots']}; "
              f"{replies} per prompt and variant)")
    out.print(f"classifier: {c['writer_texts']} texts by the writer against {c['background_texts']} by others; "
              f"cross-validated balanced accuracy {c['cv_accuracy']:.0%}" + ("  (weak: read the shares with care)"
                                                                    if c["cv_accuracy"] < 0.8 else ""))
    table = Table(box=None, padding=(0, 1))
    for column in ("", "attributed to the writer", "mean probability", "profile distance"):
        table.add_column(column, no_wrap=True)
    for key, row in result["variants"].items():
        share = "-" if row["attributed_to_writer"] is None else f"{row['attributed_to_writer']:.0%}"
        distance = "-" if row["profile_distance"] is None else f"{row['profile_distance']:.3f}"
        table.add_row(LABELS[key], share, f"{row['writer_probability'] or 0:.2f}", distance)
    out.print(table)
    loss = result["loss"]
    if loss["base"]["loss"] is None:
        out.print("held-out loss: not available from this backend")
    else:
        out.print(f"held-out loss: base {loss['base']['loss']} (perplexity {loss['base']['perplexity']}), tuned "
                  f"{loss['tuned']['loss']} (perplexity {loss['tuned']['perplexity']})")
    out.print(_profile_table(result))
    out.print("Read: docs/evaluate.md. '--json' prints every number and every output.", style="dim")


def _profile_table(result: dict) -> Table:
    table = Table(box=None, padding=(0, 1), title="profile (mean per text)", title_justify="left")
    table.add_column("measure", no_wrap=True)
    for key in result["variants"]:
        table.add_column({"base": "zero-shot"}.get(key, key), no_wrap=True, justify="right")
    for measure, label in PROFILE_ROWS.items():
        values = [result["variants"][k]["profile"].get(measure) for k in result["variants"]]
        table.add_row(label, *("-" if v is None else f"{v:.2f}" for v in values))
    return table


def render_compare(out: Console, result: dict) -> None:
    """``ftcook compare``: each held-out prompt with the real and the three generated texts (each with the
    classifier's probability that the writer wrote it), then the measures of ``eval style``."""
    for number, row in enumerate(result["outputs"], 1):
        out.rule(f"{number}")
        out.print("[bold]prompt[/bold]")
        out.print(row["prompt"], markup=False)
        for key, label in LABELS.items():
            label = f"base, {result['shots']}-shot" if key == "few-shot" else label
            out.print(f"\n[bold]{label}[/bold]  (by the writer: {row['writer_probability'][key]:.2f})")
            out.print(row[key], markup=False)
    out.rule()
    render_style(out, result)


def render_blind_summary(out: Console, summary: dict) -> None:
    if not summary["answered"]:
        out.print("No answers: nothing to report.")
        return
    out.print(f"\n{summary['answered']} answered ({summary['skipped']} skipped): you picked the model's reply as "
              f"yours {summary['picked_generated']} times ({summary['mistaken_share']:.0%}). 50 % means you could not "
              f"tell them apart; 0 % means the model never fooled you.")
