"""`Insight`: an answer as plain data, the one shape every front end lays out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    # Per row: a pending (unfinished) episode. Shortened tables keep completed rows first.
    pending: list[bool] = field(default_factory=list)


@dataclass
class Insight:
    """An answer as plain data: front ends only lay it out.

    `data` is the machine-readable payload (`--json`, tests); everything else is for people.
    """

    kind: str
    title: str
    verdict: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    table: Table | None = None
    caveats: list[str] = field(default_factory=list)
    chart_png: bytes | None = None
    chart_name: str = "chart.png"
    as_of: str = ""  # the last data date the answer rests on, YYYY-MM-DD
    fetched_at: datetime | None = None
    sources: list[str] = field(default_factory=list)
    stale: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. sections left out of a brief
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def footer(self) -> str:
        source = ", ".join(dict.fromkeys(self.sources)) or "n/a"
        text = f"Source: {source} · data to {self.as_of or 'n/a'}"
        if self.stale:
            text += " · STALE (source unreachable)"
        return text + " · not investment advice"

    def to_json(self, chart_path: str | None = None) -> dict[str, Any]:
        payload = {"kind": self.kind, **self.data}
        payload.update(
            caveats=list(self.caveats),
            as_of=self.as_of,
            fetched_at=self.fetched_at.isoformat() if self.fetched_at else None,
            stale=self.stale,
            sources=list(dict.fromkeys(self.sources)),
            chart=chart_path,
            title=self.title,
            verdict=self.verdict,
        )
        return payload
