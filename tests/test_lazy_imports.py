"""A terminal question loads only what it answers with; lazily exported names stay the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import bot.analytics
import bot.charts
from bot.lazy import lazy_exports
from tests.market_fixtures import market_folder

# What a quote never uses: event studies, signals' answers, the brief, correlation's chart.
NOT_FOR_A_QUOTE = (
    "bot.answers.after",
    "bot.answers.brief",
    "bot.answers.corr",
    "bot.answers.signal",
    "bot.analytics.events",
    "bot.charts.brief",
    "bot.charts.event",
    "bot.charts.signal",
    "yfinance",
    "aiohttp",
    "discord",
)


def test_a_quote_in_the_terminal_imports_no_study_or_network_module(tmp_path) -> None:
    folder = tmp_path / "prices"
    market_folder(folder)
    probe = (
        "import json, sys\n"
        "from bot.cli import main\n"
        f"code = main(['ask', 'quote', '^RUT', '--data', {str(folder)!r}, '--chart', 'q.png'])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "RISKON_CONFIG"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, check=True, env=env)
    code, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0 and (tmp_path / "q.png").read_bytes().startswith(b"\x89PNG")
    assert "bot.answers.quote" in modules and "bot.charts.quote" in modules
    assert sorted(set(NOT_FOR_A_QUOTE) & set(modules)) == []


@pytest.mark.parametrize("package", [bot.analytics, bot.charts])
def test_every_exported_name_is_the_object_its_module_defines(package) -> None:
    for name in package.__all__:
        value = getattr(package, name)
        assert not isinstance(value, type(sys)), f"{package.__name__}.{name} is a module"
        defined_in = sys.modules[f"{package.__name__}.{package._EXPORTS[name].lstrip('.')}"] \
            if name in getattr(package, "_EXPORTS", {}) else None
        if defined_in is not None:
            assert value is getattr(defined_in, name)
    assert set(package.__all__) <= set(dir(package))


def test_a_name_that_is_also_its_module_cannot_be_lazy() -> None:
    # Importing bot.analytics.quote binds the package's `quote` to the module: a lazy `quote`
    # function would silently become a module object.
    with pytest.raises(ValueError, match="quote"):
        lazy_exports("bot.analytics", {"quote": ".quote", "Quote": ".quote"})


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_chart"):
        bot.charts.no_such_chart  # noqa: B018
