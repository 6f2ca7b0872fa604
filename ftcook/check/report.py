"""Rendering a check ``Report`` for people (rich) - the JSON form is ``Report.to_dict``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .findings import ERROR, INFO, WARNING

MARKS = {ERROR: ("✗ error", "bold red"), WARNING: ("! warning", "yellow"), INFO: ("i info", "cyan")}


def _lines(finding) -> str:
    if not finding.lines:
        return ""
    shown = ", ".join(map(str, finding.lines))
    more = finding.count - len(finding.lines)
    return f"line{'s' if finding.count > 1 else ''} {shown}" + (f" (+{more:,} more)" if more > 0 else "")


def _number(x) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def money(usd: float | None) -> str:
    return "unknown" if usd is None else f"${usd:,.2f}"


def render(report, console: Console, quiet: bool = False) -> None:
    m = report.model
    if not quiet:
        console.print(Text.assemble(("ftcook check ", "bold"), report.path,
                                    f"  ({report.kind}, {report.size:,} bytes, {report.source_format} format)"))
        console.print(f"target   {m.id}  ({m.provider}, {m.format}, {report.tokenizer}, "
                      f"≤ {m.max_tokens:,} tokens per example)")
        if m.encoding_note:
            console.print(f"         tokens: {m.encoding_note}", style="dim")
        if m.status != "available" or m.status_note:
            console.print(f"         {m.status_note}", style="yellow" if m.status != "available" else "dim")
        console.print(f"examples {report.n_examples:,}" + (f"   task: {report.task}" if report.task else ""))
    shown = [f for f in report.findings if not quiet or f.severity == ERROR]
    if shown:
        table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column()
        for f in shown:
            mark, style = MARKS[f.severity]
            body = Text(f.message)
            where = _lines(f)
            if where:
                body.append(f"\n{where}", style="dim")
            if f.fix:
                body.append(f"\n--fix: {f.fix}" + (" (declined)" if f.declined else ""), style="green dim")
            table.add_row(Text(mark, style=style), Text(f.code, style="bold"), body)
        console.print()
        console.print(table)
    if not quiet:
        _stats(report, console)
        _cost(report, console)
    console.print()
    console.print(summary(report), style="bold red" if report.errors else "bold green")


def _stats(report, console: Console) -> None:
    if not report.tokens:
        return
    table = Table(title="per example", title_justify="left", box=None, padding=(0, 2))
    for column in ("", "min", "max", "mean", "median", "p10", "p90"):
        table.add_column(column, justify="left" if not column else "right")
    rows = [("tokens", report.tokens), ("trained-on tokens", report.trainable_tokens),
            ("messages", report.messages)]
    for name, d in rows:
        if d:
            table.add_row(name, *(_number(d[k]) for k in ("min", "max", "mean", "median", "p10", "p90")))
    console.print()
    console.print(table)
    if report.over_limit:
        console.print(f"{report.over_limit:,} examples over the {report.model.max_tokens:,}-token limit "
                      "(counted at the limit below)", style="yellow")


def _cost(report, console: Console) -> None:
    c = report.cost
    console.print()
    console.print(f"billing tokens  {c.billing_tokens:,}   epochs  {c.epochs} ({c.epochs_source})   "
                  f"charged tokens  {c.charged_tokens:,}")
    if c.price is None:
        console.print(f"estimated cost  unknown: {c.price_source}", style="yellow")
    else:
        as_of = f", as of {c.price_as_of}" if c.price_as_of else ""
        console.print(f"estimated cost  {money(c.usd)} at ${c.price:g} per 1M training tokens "
                      f"({c.price_source}{as_of})")


def summary(report) -> str:
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in (ERROR, WARNING, INFO)}
    text = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in
                     ((counts[ERROR], "error"), (counts[WARNING], "warning"), (counts[INFO], "note"))) + ". "
    fixable = any(f.fix and not f.declined and f.severity != INFO for f in report.findings)
    if report.errors:
        text += "Not ready to train: fix the errors"
        return text + (f" (ftcook check {report.path} --model {report.model.id} --fix)." if fixable else ".")
    text += f"Ready to train {report.model.id}."
    if fixable:
        text += " --fix would apply the recommended changes."
    return text


def render_fix(info: dict, report, out: Console) -> None:
    """What ``--fix`` did (``fix_and_recheck``'s result), for a terminal."""
    if not info["outputs"]:
        out.print("\n--fix: nothing to change; no file written.")
        return
    out.print("\n[bold]--fix[/bold] " + "; ".join(info["changes"]) + ".")
    for path in info["outputs"]:
        out.print(f"wrote {path}")
    out.print(f"{info['written']:,} examples written. Re-checked {info['outputs'][0]}: {info['recheck']['summary']}")
    out.print(f"Next: ftcook check {info['outputs'][0]} --model {report.model.id}")
