"""An Insight as a terminal report: what `python -m bot ask` prints."""

from __future__ import annotations

import textwrap

from bot.answers.model import Insight, Table

TERMS_HINT = "Terms explained: python -m bot help TERM (in Discord: /help topic)"


def render_table(table: Table, indent: str = "  ") -> list[str]:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    def line(cells):
        return (
            indent
            + "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
    return [
        line(table.columns),
        indent + "  ".join("-" * w for w in widths),
        *(line(row) for row in table.rows),
    ]


def render_text(insight: Insight, chart_path: str | None) -> str:
    out = [insight.title, "=" * len(insight.title), ""]
    out += [*textwrap.wrap(insight.verdict, 96), ""]
    if insight.figures:
        width = max(len(label) for label, _ in insight.figures)
        out += [f"  {label.ljust(width)}  {value}" for label, value in insight.figures] + [""]
    if insight.table and insight.table.rows:
        out += ["Every episode:", *render_table(insight.table), ""]
    for note in insight.notes:
        out.append(f"Note: {note}")
    if insight.caveats:
        out.append("Caveats:")
        for caveat in insight.caveats:
            out += textwrap.wrap(caveat, 94, initial_indent="  - ", subsequent_indent="    ")
        out.append("")
    if chart_path:
        out.append(f"Chart: {chart_path}")
    out.append(insight.footer)
    out.append(TERMS_HINT)
    return "\n".join(out)
