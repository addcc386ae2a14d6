"""Every chart reads at Discord's preview size: measured on the drawn text, not assumed.

Discord shows an attached image about 550 px wide in a channel. Each chart kind is rendered
(``RENDERERS`` in tests/test_charts.py is the one list, and it must name every chart module in
bot/charts/), every string the renderer actually drew is collected, and its laid-out box is
measured at the figure's real size and dpi, then scaled to 550 px wide.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont, get_font
from matplotlib.text import Text

from tests.test_charts import RENDERERS, STRESS

PREVIEW_WIDTH = 550
MIN_TEXT_PX = 11.0  # one line of text, ascender to descender, at 550 px wide
MAX_LABELLED_PATHS = 8
OVERLAP_PX = 3.0  # boxes include line spacing: a corner touch this small is not a collision
CHART_DIR = Path(__file__).resolve().parents[1] / "bot" / "charts"
NOT_CHARTS = {"__init__", "theme", "style", "render"}


def drawn(monkeypatch: pytest.MonkeyPatch, draw) -> tuple[Figure, list[Text]]:
    """Render through the real path and return the figure and every Text the renderer drew."""
    from bot.charts import theme

    seen: list[tuple[Figure, list[Text]]] = []
    real = theme.to_png

    def catch(fig: Figure) -> bytes:
        texts: list[Text] = []
        renderer = fig.canvas.get_renderer()  # to_png draws with this same renderer
        draw_text = renderer.draw_text

        def record(gc, x, y, s, prop, angle, ismath=False, mtext=None):
            if mtext is not None and s.strip() and mtext not in texts:
                texts.append(mtext)
            return draw_text(gc, x, y, s, prop, angle, ismath, mtext)

        renderer.draw_text = record
        seen.append((fig, texts))
        return real(fig)

    monkeypatch.setattr(theme, "to_png", catch)
    draw()
    assert len(seen) == 1
    return seen[0]


def test_every_chart_module_has_a_sample() -> None:
    modules = {p.stem for p in CHART_DIR.glob("*.py")} - NOT_CHARTS
    assert modules == set(RENDERERS), "add a sample for each chart module to RENDERERS"


@pytest.mark.parametrize(("name", "i"), [(n, 0) for n in RENDERERS]
                         + [(n, i + 1) for n in STRESS for i in range(len(STRESS[n]))])
def test_text_is_readable_at_preview_size(monkeypatch, name: str, i: int) -> None:
    draw = RENDERERS[name][0] if i == 0 else STRESS[name][i - 1]
    fig, texts = drawn(monkeypatch, draw)
    renderer = fig.canvas.get_renderer()
    scale = PREVIEW_WIDTH / fig.bbox.width
    frame = fig.bbox.padded(1.0)
    assert len(texts) >= 5, "the chart drew almost no text"
    too_small, outside, families = [], [], set()
    for t in texts:
        box = t.get_window_extent(renderer)
        lines = t.get_text().count("\n") + 1
        height = (box.width if t.get_rotation() % 180 else box.height) / lines * scale
        if height < MIN_TEXT_PX:
            too_small.append(f"{t.get_text()!r}: {height:.1f} px")
        if not (frame.x0 <= box.x0 and box.x1 <= frame.x1
                and frame.y0 <= box.y0 and box.y1 <= frame.y1):
            outside.append(f"{t.get_text()!r} at {box.bounds}")
        families.add(get_font(findfont(t.get_fontproperties())).family_name)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    collide = [
        (a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
        if min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0) > OVERLAP_PX
        and min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0) > OVERLAP_PX
    ]
    assert not collide, f"texts drawn over each other: {collide}"
    assert not too_small, f"text under {MIN_TEXT_PX} px at {PREVIEW_WIDTH} px wide: {too_small}"
    assert not outside, f"text cut off at the figure edge: {outside}"
    assert len(families) == 1, families
    for ax in fig.axes:  # a log axis says so (its tick spacing is not an even step)
        if ax.get_yscale() != "linear":
            assert "log scale" in ax.get_ylabel(), (name, ax.get_yscale())


def test_event_chart_labels_at_most_eight_paths(monkeypatch) -> None:
    """25 episodes (3 still running): every path is drawn, 8 carry a label and a colour, the
    rest are thinner and unlabelled, so the labels stay readable."""
    from tests.test_charts import render_event

    fig, texts = drawn(monkeypatch, lambda: render_event(n_eps=25, running=3))
    paths = fig.axes[0]
    labelled = [ln for ln in paths.get_lines() if ln.get_gid() == "episode-labelled"]
    plain = [ln for ln in paths.get_lines() if ln.get_gid() == "episode"]
    assert len(labelled) == MAX_LABELLED_PATHS and len(plain) == 25 - MAX_LABELLED_PATHS
    assert max(ln.get_linewidth() for ln in plain) < min(ln.get_linewidth() for ln in labelled)
    years = [t.get_text() for t in texts if t.get_gid() == "episode-label"]
    assert len(years) == MAX_LABELLED_PATHS
    assert sum("so far" in y for y in years) == 3  # the running ones are among the labelled


def test_fixed_header_and_footer_heights_match_one_line_of_text() -> None:
    """HEADER_PX and friends are for layouts set before the text is placed: they must be what
    header() and footer() take when nothing wraps (rounded up)."""
    import math

    from bot.charts import theme

    def fresh():
        return theme.new_figure(theme.MAIN_SIZE)

    assert theme.HEADER_PX_NO_SUB == math.ceil(theme.header(fresh(), "BTC after ^RUT highs"))
    assert theme.HEADER_PX == math.ceil(theme.header(fresh(), "A title", "A (subtitle) $5"))
    assert theme.FOOTER_PX == math.ceil(theme.footer(fresh(), "Source: Yahoo · as of 2024"))


@pytest.mark.parametrize("i", range(len(STRESS["signal"])))
def test_signal_header_and_footer_clear_the_panels(monkeypatch, i: int) -> None:
    """The panels sit below the header and above the footer at the heights those actually
    took: a wrapped 2- or 3-line title (a signal's title is its whole definition) would
    otherwise cover the price panel, and a wrapped footer the date labels."""
    fig, _ = drawn(monkeypatch, STRESS["signal"][i])
    renderer = fig.canvas.get_renderer()
    assert len(fig.axes) == 2 and len(fig.texts) >= 2  # two panels; header and footer
    for text in fig.texts:
        box = text.get_window_extent(renderer)
        for ax in fig.axes:  # the panel with its tick labels, legend and tags
            assert not box.overlaps(ax.get_tightbbox(renderer)), (text.get_text(), ax)
