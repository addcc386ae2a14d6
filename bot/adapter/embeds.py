"""An Insight as a Discord embed plus its chart attachment.

Discord's limits are hard (a field value 1,024 characters, an embed 6,000 in all, 25 fields), so
this module trims rather than fails: a long episode table keeps its latest rows and says how many
it left out. The chart is attached as a file and shown via `attachment://`, as discord.py's FAQ
recommends, so no image host is involved.
"""

from __future__ import annotations

import io

import discord

from bot.answers.model import Insight, Table
from bot.report import render_table

FIELD_LIMIT = 1024
TABLE_WIDTH = 56  # characters: what a phone shows of a code block without wrapping
GLOSSARY_HINT = "Terms: /help topic"
EMBED_LIMIT = 6000
COLOURS = {
    "ath": 0x56B4E9,
    "after": 0xE69F00,
    "corr": 0x009E73,
    "quote": 0xCC79A7,
    "brief": 0x0072B2,
}
STALE_COLOUR = 0x999999


def _clip(text: str, limit: int = FIELD_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def narrow(table: Table, width: int = TABLE_WIDTH) -> Table:
    """Drop middle columns (prices come first after the date) until the table fits `width`.

    The date and the returns are what a reader compares; the trigger's close and the entry price
    are in the terminal, the JSON and the "All episodes" view.
    """
    columns, rows = list(table.columns), [list(r) for r in table.rows]

    def wide() -> bool:
        lines = render_table(Table(columns, rows), indent="")
        return max(len(line.rstrip()) for line in lines) > width

    while len(columns) > 2 and wide():
        del columns[1]
        for row in rows:
            del row[1]
    return Table(columns, rows, list(table.pending))


def table_block(table: Table, limit: int = FIELD_LIMIT, width: int = TABLE_WIDTH) -> str:
    """The episode table as a code block at most `width` characters wide (a phone's width).

    When it must be cut, running (pending) episodes go first, then the oldest completed ones:
    the completed episodes are what the statistics rest on, so they are what the embed keeps.
    """
    table = narrow(table, width)
    pending = table.pending or [False] * len(table.rows)
    keep = list(range(len(table.rows)))
    order = [i for i in keep if pending[i]] + [i for i in keep if not pending[i]]
    dropped_running = dropped_done = 0
    while True:
        shown = Table(table.columns, [table.rows[i] for i in keep])
        text = "\n".join(line.rstrip() for line in render_table(shown, indent=""))
        left_out = []
        if dropped_done:
            left_out.append(f"{dropped_done} earlier")
        if dropped_running:
            left_out.append(f"{dropped_running} running")
        note = (
            f"\n… {' and '.join(left_out)} episode(s) not shown: see All episodes"
            if left_out
            else ""
        )
        block = f"```\n{text}\n```{note}"
        if len(block) <= limit or not keep:
            return _clip(block, limit)
        victim = order.pop(0)
        keep.remove(victim)
        if pending[victim]:
            dropped_running += 1
        else:
            dropped_done += 1


def insight_embed(insight: Insight) -> tuple[discord.Embed, discord.File | None]:
    colour = STALE_COLOUR if insight.stale else COLOURS.get(insight.kind, 0x56B4E9)
    embed = discord.Embed(
        title=_clip(insight.title, 256), description=_clip(insight.verdict, 4096), colour=colour
    )
    for label, value in insight.figures[:20]:
        embed.add_field(name=_clip(label, 256), value=_clip(value), inline=len(value) < 40)
    if insight.table and insight.table.rows:
        embed.add_field(name="Every episode", value=table_block(insight.table), inline=False)
    for note in insight.notes:
        embed.add_field(name="Note", value=_clip(note), inline=False)
    if insight.caveats:
        bullets = "\n".join(f"• {c}" for c in insight.caveats)
        embed.add_field(name="Caveats", value=_clip(bullets), inline=False)
    embed.set_footer(text=_clip(f"{insight.footer} · {GLOSSARY_HINT}", 2048))
    if insight.fetched_at is not None:
        embed.timestamp = insight.fetched_at
    file = None
    if insight.chart_png:
        file = discord.File(io.BytesIO(insight.chart_png), filename=insight.chart_name)
        embed.set_image(url=f"attachment://{insight.chart_name}")
    while len(embed) > EMBED_LIMIT and len(embed.fields) > 1:
        embed.remove_field(len(embed.fields) - 2)  # keep caveats: they are the last field
    return embed, file
