"""Options the service validates: every bad spelling is one plain sentence, never a crash."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.errors import BadInput
from bot.insights import parse_horizons


def test_horizons_are_parsed_sorted_and_deduplicated():
    assert parse_horizons("365, 30d,90,30") == (30, 90, 365)
    assert parse_horizons([7, 7, 1]) == (1, 7)
    assert parse_horizons(None) == (30, 90, 180, 365)


@pytest.mark.parametrize("text", ["--5", "²", "①", "٣٠", "3.5", "", "1e3", "-5", "0", "3651"])
def test_bad_horizons_are_one_sentence(text):
    with pytest.raises(BadInput) as info:
        parse_horizons(text)
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")


@pytest.mark.parametrize("text", ["--5", "²", "①"])
def test_the_terminal_answers_bad_horizons_with_one_line(tmp_path, capsys, text):
    code = main(["ask", "after", "^RUT", "BTC-USD", f"--horizons={text}", "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Horizons are whole numbers" in err
