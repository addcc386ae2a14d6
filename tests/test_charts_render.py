"""The private-API speed-ups of bot/charts/render.py: on where they were checked, off (with one
log line) on any Matplotlib drift, and the charts render either way."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import matplotlib
import pytest

from bot.charts import render

ROOT = Path(__file__).resolve().parents[1]


def _declared_matplotlib() -> tuple[tuple[int, int], tuple[int, int]]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if d.startswith("matplotlib"))
    lo = re.search(r">=(\d+)\.(\d+)", spec)
    hi = re.search(r"<(\d+)\.(\d+)", spec)
    assert lo and hi, f"pyproject.toml must bound matplotlib both ways: {spec}"
    return (int(lo[1]), int(lo[2])), (int(hi[1]), int(hi[2]))


def test_fast_paths_are_active_on_the_declared_matplotlib() -> None:
    """The pin in pyproject.toml is the range the speed-ups were checked on: there, both pass
    their self-check (else the charts are silently ~20% slower than the benchmark says)."""
    lo, hi = _declared_matplotlib()
    version = tuple(int(p) for p in matplotlib.__version__.split(".")[:2])
    assert lo <= version < hi, matplotlib.__version__
    assert render.fast_paths() == render.FastPaths(text_cache=True, baked_ticks=True)
    from bot.charts import theme

    fig = theme.new_figure((200, 100))
    assert isinstance(fig.canvas.get_renderer(), render._CachedTextRenderer)


# Each drift scenario runs in a fresh interpreter: the self-checks run once per process.
_DRIFT = {
    # Matplotlib 3.8-3.10 have no ft2font.RenderMode: importing it used to kill the bot. (Agg
    # itself needs it on 3.11, so it is taken away once Agg has loaded.)
    "import": "import matplotlib.backends.backend_agg\n"
              "import matplotlib.ft2font as f\n"
              "del f.RenderMode",
    # Baked ticks that no longer land where Matplotlib's own would (a layout change upstream).
    "ticks": """
import bot.charts.render as r
_orig = r._bake_axis
def _shifted(ax, axis):
    done = _orig(ax, axis)
    lo, hi = axis.get_view_interval()
    for a in ax.texts:  # the baked labels, 1% of the axis further right or up
        x, y = a.get_position()
        dx, dy = ((hi - lo) / 100, 0) if axis.axis_name == "x" else (0, (hi - lo) / 100)
        a.set_position((x + dx, y + dy))
    return done
r._bake_axis = _shifted
""",
    # Older ConciseDateFormatter: an IndexError on an empty tick list (3.8's failure mode).
    "formatter": """
import matplotlib.dates as md
_orig = md.ConciseDateFormatter.format_ticks
def _fragile(self, values):
    if len(values) == 0:
        raise IndexError("index 0 is out of bounds for axis 0 with size 0")
    return _orig(self, values)
md.ConciseDateFormatter.format_ticks = _fragile
""",
}

_RENDER_ALL = """
import logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(message)s")
sys.path.insert(0, {root!r})
from tests.test_charts import RENDERERS, assert_chart
from bot.charts import render
for name, (fn, size) in RENDERERS.items():
    assert_chart(fn(), size)
fp = render.fast_paths()
print("FAST", fp.text_cache, fp.baked_ticks)
"""


@pytest.mark.parametrize("drift", list(_DRIFT))
def test_drift_falls_back_to_stock_matplotlib_and_says_so_once(drift: str) -> None:
    code = _DRIFT[drift] + "\n" + _RENDER_ALL.format(root=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text_on, ticks_on = proc.stdout.split("FAST ")[1].split()
    if drift == "import":
        assert text_on == "False"
    elif drift == "ticks":
        assert (text_on, ticks_on) == ("True", "False")
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("bot.charts.render")]
    if drift == "formatter":
        # Baking no longer asks a formatter about zero ticks, so this drift is harmless.
        assert (text_on, ticks_on) == ("True", "True") and warnings == []
        return
    assert len(warnings) == 1, proc.stderr
    assert "stock Matplotlib" in warnings[0] and matplotlib.__version__ in warnings[0]
