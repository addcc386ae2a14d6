"""Charts: valid PNGs of the promised size, not blank, deterministic, thread-safe, edge-proof.

All data is generated here; no network and no shared market files.
"""

from __future__ import annotations

import struct
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from bot.charts import (
    MAIN_SIZE,
    SMALL_SIZE,
    ath_chart,
    brief_chart,
    brief_size,
    correlation_chart,
    decimate,
    event_chart,
    quote_chart,
)

PNG_SIG = b"\x89PNG\r\n\x1a\n"
FOOT = "Source: test · as of 2024-01-02"


def walk(n: int, seed: int = 0, start: str = "1990-01-01", drift: float = 0.0004) -> pd.Series:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range(start, periods=n)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(drift, 0.012, n))), index=idx)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIG
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def assert_chart(png: bytes, size: tuple[int, int]) -> None:
    assert png_size(png) == size
    img = mpimg.imread(BytesIO(png))
    assert img.shape[:2] == (size[1], size[0])
    rgb = img[..., :3].reshape(-1, 3)
    assert rgb.std() > 0.02, "image looks blank"
    colours = np.unique((rgb[:: 7] * 255).astype(np.uint8), axis=0)
    assert len(colours) > 20


def event_inputs(n_eps: int = 6, seed: int = 1):
    rng = np.random.default_rng(seed)
    days = np.arange(0, 366)
    cols = {}
    for i in range(n_eps):
        cols[f"{1995 + 2 * i}-03-0{1 + i % 9}"] = 100 * np.exp(
            np.cumsum(rng.normal(0.0003, 0.01, days.size)) - 0)
    paths = pd.DataFrame(cols, index=days)
    if n_eps:
        paths.iloc[0] = 100.0
    band = pd.DataFrame({"q25": 100 - days * 0.02, "q50": 100 + days * 0.02,
                         "q75": 100 + days * 0.06}, index=days)
    hs = (30, 90, 180, 365)
    hr = {h: list(rng.normal(0.01 * h / 30, 0.05, n_eps)) for h in hs}
    base = {h: (-0.02 * h / 90, 0.008 * h / 30, 0.04 * h / 60) for h in hs}
    return paths, band, hr, base


def render_ath(seed: int = 0) -> bytes:
    s = walk(10_000, seed)
    ath = s.cummax()
    events = list(s.index[(s > ath.shift(1)).to_numpy()][::40])
    return ath_chart(s, events=events, title="Test index: 1.2% below its high",
                     subtitle="Closing high 123 on 2020-01-01", footer=FOOT)


def render_event(seed: int = 1, n_eps: int = 8, running: int = 0, title: str = "Y after X highs",
                 subtitle: str = "8 events") -> bytes:
    paths, band, hr, base = event_inputs(n_eps, seed)
    for j, c in enumerate(paths.columns[len(paths.columns) - running:]):
        paths.loc[60 + 100 * j:, c] = np.nan  # windows still open, one stopping late
    return event_chart(paths, band=band, horizon_returns=hr, base_returns=base,
                       title=title, subtitle=subtitle, footer=FOOT)


def render_event_wide() -> bytes:
    """The widest labels either side of the gap between the panels: same-year episodes (their
    labels carry the month, '2018-02'), a path to 100x ('10,000' on the left axis) and 1-year
    returns from -80% to +800% (the right panel on a log scale, with its "log scale" label)."""
    paths, band, hr, base = event_inputs(6, seed=5)
    paths.columns = ["2018-02-05", "2018-12-21", "2020-02-27", "2021-12-01", "2022-09-26",
                     "2024-08-05"]
    paths["2020-02-27"] = 100 * np.exp(np.linspace(0, np.log(100), len(paths)))
    hr[365] = [8.0, -0.8, 0.5, 1.2, -0.3, 0.1]
    return event_chart(paths, band=band, horizon_returns=hr, base_returns=base,
                       title="Bitcoin after ^VIX close > 30", subtitle="6 events", footer=FOOT)


def render_corr(seed: int = 2) -> bytes:
    idx = pd.bdate_range("2000-01-01", periods=6000)
    rng = np.random.default_rng(seed)
    roll = pd.Series(np.tanh(np.cumsum(rng.normal(0, 0.05, idx.size))), index=idx)
    return correlation_chart(roll, full=0.3, current=float(roll.iloc[-1]), percentile=71.0,
                             window=90, title="A vs B: 90-day correlation", footer=FOOT)


def render_quote(seed: int = 3) -> bytes:
    return quote_chart(walk(3000, seed), title="TEST $123.45 +1.0%", footer=FOOT)


def render_brief(seed: int = 4) -> bytes:
    panels = [(f"SYM{i}", walk(2000, seed + i)) for i in range(6)]
    return brief_chart(panels, title="Morning brief", footer=FOOT)


def render_signal(seed: int = 8, n: int = 3000, drift: float = 0.0004, title: str = "t",
                  subtitle: str = "10 events", footer: str = FOOT) -> bytes:
    from bot.charts.signal import SignalPanel, signal_chart

    close = walk(n, seed, drift=drift)
    rsi = pd.Series(50 + 20 * np.sin(np.arange(close.size) / 15), index=close.index)
    panel = SignalPanel("^RUT rsi 14 < 30", rsi, rsi * 0 + 30, "RSI 14", "< 30", "rsi")
    return signal_chart(close, events=list(close.index[::300]), panel=panel, title=title,
                        subtitle=subtitle, footer=footer)


# One sample per chart module (the key is the module's name in bot/charts/): every chart test,
# the readability check in tests/test_charts_readable.py included, iterates this.
RENDERERS = {
    "ath": (render_ath, MAIN_SIZE),
    "event": (render_event, MAIN_SIZE),
    "correlation": (render_corr, MAIN_SIZE),
    "quote": (render_quote, SMALL_SIZE),
    "brief": (render_brief, brief_size(6)),
    "signal": (render_signal, MAIN_SIZE),
}

def _scaled(s: pd.Series, last: float) -> pd.Series:
    return s / s.iloc[-1] * last


LONG_TITLE = ("Bitcoin (BTC-USD) after fresh all-time highs of the Russell 2000 (^RUT), "
              "a gap of 63 sessions")
LONG_SIGNAL_TITLE = ("^GSPC: close above its 200-day average, RSI 14 below 35 and a drawdown "
                     "of at least 5% (gap 63 sessions)")
LONG_FOOT = ("Source: Yahoo Finance (stale: cached 3 days ago, the provider did not answer) "
             "· as of 2024-01-02 · past results say little about the future")

# The hard cases of each chart for the readability check: long titles and footers, the most
# episodes, the widest numbers, the most panels.
STRESS = {
    "ath": [lambda: ath_chart(_scaled(walk(8000, 5, drift=0.0012), 123_456.78),
                              title=LONG_TITLE, subtitle=LONG_TITLE, footer=LONG_FOOT)],
    "event": [lambda: render_event(n_eps=25, running=3, title=LONG_TITLE, subtitle=LONG_TITLE),
              render_event_wide],
    "correlation": [lambda: correlation_chart(
        -walk(5000, 6).pct_change().rolling(60).mean().dropna().clip(-1, 1) * 50,
        full=-0.31, current=-0.9, percentile=3.0, window=60, title=LONG_TITLE,
        subtitle=LONG_TITLE, footer=LONG_FOOT)],
    "quote": [lambda: quote_chart(walk(3000, 7, drift=0.002) * 1000, title=LONG_TITLE,
                                  footer=LONG_FOOT),
              lambda: quote_chart(walk(3000, 8), title="1M", footer=FOOT,
                                  lookback=pd.Timedelta(days=30)),
              lambda: quote_chart(walk(9000, 9, drift=0.001), title="Max", footer=FOOT,
                                  lookback=None)],
    # ~35 years from 100 to ~25,000: a log axis and a five-digit price tag.
    "signal": [lambda: render_signal(n=9000, seed=3, drift=0.0006,
                                     title="^RUT: RSI 14 below 30 (gap 63 sessions)"),
               # a 3-clause definition as the title: it wraps, and so do subtitle and footer
               lambda: render_signal(n=9000, seed=3, drift=0.0006, title=LONG_SIGNAL_TITLE,
                                     subtitle=LONG_TITLE, footer=LONG_FOOT)],
    "brief": [lambda: brief_chart([(f"SYMBOL-{i}-LONGNAME", walk(2000, i) * 10 ** (i % 6))
                                   for i in range(16)], title=LONG_TITLE, footer=LONG_FOOT),
              lambda: brief_chart([("^GSPC", walk(600, 1))], title="Brief", footer=FOOT)],
}


@pytest.mark.parametrize("name", list(RENDERERS))
def test_chart_is_valid_png_of_expected_size(name: str) -> None:
    fn, size = RENDERERS[name]
    assert_chart(fn(), size)


@pytest.mark.parametrize("name", list(RENDERERS))
def test_different_data_gives_different_png(name: str) -> None:
    fn, _ = RENDERERS[name]
    assert fn() == fn()
    assert fn() != fn(seed=42)


def test_concurrent_rendering_matches_serial() -> None:
    keys = [(name, seed) for name in RENDERERS for seed in (0, 5)]
    serial = {(name, seed): RENDERERS[name][0](seed=seed) for name, seed in keys}
    jobs = keys + keys[::-1]  # each input rendered twice, interleaved with different charts
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda j: (j, RENDERERS[j[0]][0](seed=j[1])), jobs))
    for job, png in results:
        assert png == serial[job], job


def test_brief_size_grows_with_panels() -> None:
    assert brief_size(12)[1] > brief_size(4)[1] >= 300
    png = brief_chart([(f"S{i}", walk(400, i)) for i in range(12)], title="t", footer=FOOT)
    assert_chart(png, brief_size(12))


# ------------------------------------------------------------------ edge cases

def test_ath_edge_cases() -> None:
    one = walk(1)
    for s in (one, walk(3), pd.Series(dtype=float), walk(300) * 0 + 5.0):
        assert png_size(ath_chart(s, title="t", footer=FOOT)) == MAIN_SIZE
    s = walk(500)
    # events outside the index, between sessions, or duplicated must not raise
    evs = [pd.Timestamp("1980-01-01"), s.index[10] + pd.Timedelta(hours=5), s.index[10]]
    assert png_size(ath_chart(s, events=evs, title="t", footer=FOOT)) == MAIN_SIZE
    tz = walk(300)
    tz.index = tz.index.tz_localize("America/New_York")
    assert png_size(ath_chart(tz, events=[tz.index[5]], title="t", footer=FOOT)) == MAIN_SIZE


def test_ath_uses_log_scale_only_for_wide_ranges() -> None:
    # Same shape at two amplitudes: a 100x trend and a 1.5x one must render differently in
    # ways beyond scale, but both render. (The scale choice itself is a pure helper.)
    from bot.charts.theme import wants_log

    assert wants_log(np.array([1.0, 50.0]))
    assert not wants_log(np.array([100.0, 150.0]))
    assert not wants_log(np.array([-1.0, 50.0]))


@pytest.mark.parametrize("n_eps", [0, 1, 25])
def test_event_episode_counts(n_eps: int) -> None:
    paths, _band, hr, base = event_inputs(n_eps)
    png = event_chart(paths, band=None, horizon_returns=hr, base_returns=base, title="t",
                      footer=FOOT)
    assert_chart(png, MAIN_SIZE)


def test_event_pending_and_partial_episodes() -> None:
    paths, band, hr, base = event_inputs(5)
    paths["2024-12-01"] = np.nan  # window not started: pending
    paths.loc[200:, paths.columns[1]] = np.nan  # window half done
    hr[365] = [*hr[365][:3], float("nan")]
    png = event_chart(paths, band=band, horizon_returns=hr, base_returns=base, title="t",
                      subtitle="s", footer=FOOT)
    assert_chart(png, MAIN_SIZE)


def test_event_nothing_at_all() -> None:
    png = event_chart(pd.DataFrame(), band=None, horizon_returns={}, base_returns={},
                      title="t", footer=FOOT)
    assert png_size(png) == MAIN_SIZE


def test_event_huge_returns_use_growth_scale() -> None:
    paths, band, hr, base = event_inputs(4)
    hr[365] = [9.0, -0.7, 0.1, 2.0]  # +900% next to -70%
    assert_chart(event_chart(paths, band=band, horizon_returns=hr, base_returns=base,
                             title="t", footer=FOOT), MAIN_SIZE)


def test_correlation_edge_cases() -> None:
    idx = pd.bdate_range("2020-01-01", periods=50)
    roll = pd.Series(np.r_[[np.nan] * 20, np.linspace(-1, 1, 30)], index=idx)
    for s in (roll, roll.iloc[-1:], pd.Series(dtype=float, index=pd.DatetimeIndex([]))):
        png = correlation_chart(s, full=float("nan"), current=float("nan"),
                                percentile=float("nan"), window=20, title="t", footer=FOOT)
        assert png_size(png) == MAIN_SIZE


def test_quote_and_brief_edge_cases() -> None:
    assert png_size(quote_chart(walk(1), title="t", footer=FOOT)) == SMALL_SIZE
    assert png_size(quote_chart(pd.Series(dtype=float), title="t", footer=FOOT)) == SMALL_SIZE
    assert png_size(brief_chart([], title="t", footer=FOOT)) == brief_size(0)
    panels = [("empty", pd.Series(dtype=float)), ("one", walk(1)), ("x" * 40, walk(30))]
    assert png_size(brief_chart(panels, title="t", footer=FOOT)) == brief_size(3)


def test_dollar_signs_do_not_trigger_mathtext() -> None:
    png = quote_chart(walk(300), title="$BTC at $60,000 and $70,000", footer="$ $ $")
    assert png_size(png) == SMALL_SIZE


# ------------------------------------------------------------------ decimation

def test_decimate_keeps_extremes_and_bounds_size() -> None:
    s = walk(10_000, 9)
    d = decimate(s, 1000)
    assert len(d) <= 1002
    assert d.max() == s.max() and d.min() == s.min()
    assert d.index[0] == s.index[0] and d.index[-1] == s.index[-1]
    assert d.index.is_monotonic_increasing
    assert decimate(s.iloc[:500], 1000) is not None and len(decimate(s.iloc[:500], 1000)) == 500


# ------------------------------------------------------------------ text cache

def test_text_cache_does_not_change_output() -> None:
    from bot.charts import theme

    warm = render_brief()
    theme.clear_text_cache()
    assert render_brief() == warm  # cold cache draws the same bytes as a warm one
    # A string first seen in one chart and reused in another lands on the same pixels.
    theme.clear_text_cache()
    render_quote()
    assert render_brief() == warm


def test_baked_ticks_draw_like_matplotlib_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    """to_png swaps each axis's Tick objects for three plain artists; the pixels must match what
    Matplotlib's own ticks draw (dates, log scale, percent labels, an x label below them)."""
    from bot.charts import render, theme

    def figure() -> object:
        fig = theme.new_figure(theme.MAIN_SIZE)
        s = walk(3000, 11)
        ax = theme.add_axes(fig, theme.rect(fig, 70, 90, 110, 60))
        ax.plot(theme.xdates(s.index), s.to_numpy(), color=theme.SKY)
        theme.price_axis(ax, s.to_numpy() * np.linspace(1, 30, s.size))
        theme.date_axis(ax)
        ax.set_xlabel("Date", color=theme.MUTED, fontsize=theme.FS_SMALL)
        return fig

    def pixels(png: bytes) -> np.ndarray:
        return (mpimg.imread(BytesIO(png))[..., :3] * 255).astype(int)

    baked = pixels(theme.to_png(figure()))
    monkeypatch.setattr(render, "_bake_ticks", lambda ax: None)
    stock = pixels(theme.to_png(figure()))
    assert np.abs(baked - stock).max() <= 16  # palette rounding only


# ------------------------------------------------------------------ short and absurd histories

def _figure_texts(monkeypatch: pytest.MonkeyPatch, draw) -> list[str]:
    """Every text a chart drew (the Figure is caught on its way to PNG)."""
    from bot.charts import theme

    seen = []
    real = theme.to_png

    def catch(fig):
        seen.append(fig)
        return real(fig)

    monkeypatch.setattr(theme, "to_png", catch)
    png = draw()
    assert png[:8] == PNG_SIG
    fig = seen[-1]
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_event_chart_with_too_short_a_history_says_what_is_missing(monkeypatch) -> None:
    """A target listed ~100 days ago: no completed window, no any-day range (None quantiles,
    an all-NaN band). The chart draws what it can and says what it cannot."""
    days = range(366)
    paths = pd.DataFrame({"2025-01-02": [100.0 + d * 0.1 if d < 100 else np.nan for d in days]},
                         index=days)
    band = pd.DataFrame(np.nan, index=days, columns=["q25", "q50", "q75"])
    texts = _figure_texts(monkeypatch, lambda: event_chart(
        paths, band=band, horizon_returns={30: [], 365: []},
        base_returns={30: (None, None, None), 365: (float("nan"),) * 3},
        title="t", footer=FOOT))
    joined = "\n".join(texts)
    assert "No any-day band" in joined
    assert "No completed window\nand no any-day range" in joined
    # Base rate for one horizon only: that one is drawn, the other named as missing.
    texts = _figure_texts(monkeypatch, lambda: event_chart(
        paths, band=band, horizon_returns={30: [0.02], 365: []},
        base_returns={30: (-0.01, 0.01, 0.03), 365: (None, None, None)},
        title="t", footer=FOOT))
    assert any("No any-day range\nfor 1y:" in s for s in texts)


ABSURD = pd.Series(np.where(np.arange(400) % 2, 1e300, 1e-300),
                   index=pd.bdate_range("2020-01-01", periods=400))


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")  # numpy inside Matplotlib
@pytest.mark.parametrize("chart", ["ath", "quote", "brief", "corr", "event"])
def test_closes_at_the_edge_of_float_range_still_draw(chart: str) -> None:
    """Closes alternating 1e-300 / 1e300 used to give NaN axis limits and an exception."""
    s = ABSURD
    if chart == "ath":
        png = ath_chart(s, events=[s.index[3]], title="t", footer=FOOT)
    elif chart == "quote":
        png = quote_chart(s, title="t", footer=FOOT)
    elif chart == "brief":
        png = brief_chart([("a", s), ("b", s[::-1].set_axis(s.index))], title="t", footer=FOOT)
    elif chart == "corr":
        roll = pd.Series(np.where(np.arange(400) % 2, 1.0, -1.0), index=s.index)
        png = correlation_chart(roll, full=1.0, current=-1.0, percentile=50.0, window=20,
                                title="t", footer=FOOT)
    else:
        paths = pd.DataFrame({"2020-01-01": (s.iloc[:366] / s.iloc[0] * 100).to_numpy()},
                             index=range(366))
        png = event_chart(paths, band=None, horizon_returns={30: [1e300, -1.0, float("inf")]},
                          base_returns={30: (-1.0, 1e300, float("inf"))}, title="t",
                          footer=FOOT)
    assert png_size(png) in (MAIN_SIZE, SMALL_SIZE, brief_size(2))


def test_event_median_path_uses_completed_episodes_only(monkeypatch) -> None:
    """Two completed episodes flat at 100 and 120 and a running one at 300 that stops at day
    200: a median over whoever reaches a day reads 120 until day 200, then jumps to 110; over
    the completed ones it is 110 all along."""
    from matplotlib.lines import Line2D

    from bot.charts import theme

    days = range(366)
    paths = pd.DataFrame({"2010-01-04": [100.0] * 366, "2012-01-03": [120.0] * 366},
                         index=days)
    paths["2025-06-02"] = [300.0 if d <= 200 else np.nan for d in days]
    seen = []
    real = theme.to_png
    monkeypatch.setattr(theme, "to_png", lambda fig: seen.append(fig) or real(fig))
    event_chart(paths, band=None, horizon_returns={365: [0.0, 0.2]}, base_returns={},
                title="t", footer=FOOT)
    thick = [ln for ln in seen[0].axes[0].get_lines() if ln.get_linewidth() == 3.2]
    assert len(thick) == 1
    assert np.allclose(thick[0].get_ydata(), 110.0) and len(thick[0].get_ydata()) == 366
    labels = [t.get_text() for t in seen[0].legends[0].get_texts()]
    assert "Median of 2 completed episodes" in labels
    assert all(isinstance(h, Line2D) for h in seen[0].legends[0].legend_handles)
