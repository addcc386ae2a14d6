"""Classes of upstream fault found by benchmarks/adversarial.py, a few representatives each: the
answer goes out with what can be shown, never 'nan' or Infinity in its text or JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd
import pytest

from bot.answers.brief import BriefInputs, answer_brief
from bot.errors import ProviderError, UnknownSymbol
from bot.market.data import PriceHistory
from bot.market.symbols import resolve
from bot.market.yahoo import YahooProvider
from tests.fake_yahoo import FakeYahoo, reset_yfinance
from tests.market_fixtures import daily_crypto

LIQUIDITY = ("WALCL", "WTREGEN", "RRPONTSYD")
HY = "BAMLH0A0HYM2"


def brief_with_macro(values: dict[str, list[float]]) -> tuple[dict, list[str], list[str]]:
    btc = daily_crypto(start="2015-01-01", end="2015-12-31")
    history = PriceHistory("BTC-USD", btc, datetime(2016, 1, 1, tzinfo=UTC), "test")
    macro = {
        series: pd.Series(v, index=pd.date_range("2015-12-02", periods=len(v), freq="7D"),
                          name=series, dtype="float64")
        for series, v in values.items()
    }
    insight = answer_brief(BriefInputs(watchlist=[(resolve("BTC-USD"), history)], macro=macro))
    # JSON has no NaN or Infinity: a strict encoder must accept the payload as it is.
    payload = json.loads(json.dumps(insight.to_json(), allow_nan=False))
    figures = [f"{name}: {value}" for name, value in insight.figures]
    return payload, figures, list(insight.notes)


@pytest.mark.parametrize("weeks", [1, 2, 4])  # a series younger than its 4-week look-back
def test_fred_history_under_four_weeks_shows_the_level_without_a_made_up_change(weeks) -> None:
    values = {s: [7_000_000.0 + i for i in range(weeks)] for s in LIQUIDITY}
    values["RRPONTSYD"] = [500.0] * weeks
    values[HY] = [3.5 + i / 10 for i in range(weeks)]
    payload, figures, _ = brief_with_macro(values)
    liquidity = next(f for f in figures if f.startswith("Fed net liquidity"))
    spread = next(f for f in figures if f.startswith("High-yield spread"))
    assert "nan" not in liquidity.lower() and "over 4 weeks" not in liquidity, liquidity
    assert spread == f"High-yield spread: {3.5 + (weeks - 1) / 10:.2f}%"
    assert payload["risk"]["hy_spread"]["change_4w"] is None
    assert payload["risk"]["net_liquidity_tn"]["change_4w"] is None


def test_fred_figures_past_float_range_leave_liquidity_out_with_a_note() -> None:
    values = {s: [1e308, 1e308] for s in LIQUIDITY}
    values[HY] = [3.5, 3.6]
    payload, figures, notes = brief_with_macro(values)
    assert not any(f.startswith("Fed net liquidity") for f in figures)
    assert "Fed net liquidity left out: FRED's figures are out of range." in notes
    assert "net_liquidity_tn" not in payload["risk"]


# ---- Yahoo: an error page is an outage, not the asker's unknown symbol -------------------------


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, b'{"chart":{"result":null,"error":{"code":"Service Unavailable"}}}'),
        (500, b'{"chart":{"result":null,"error":{"code":"Internal Server Error"}}}'),
        (502, b'{"chart":{"result":[],"error":null}}'),
    ],
)
async def test_a_yahoo_5xx_with_a_json_error_is_an_outage_not_an_unknown_symbol(
    tmp_path, status, body
) -> None:
    fake = FakeYahoo({"BTC-USD": daily_crypto()})
    reset_yfinance(tmp_path / "yf")
    fake.answer_with("BTC-USD", status, body)
    waits: list[float] = []

    async def wait(delay: float) -> None:
        waits.append(delay)

    provider = YahooProvider(data_dir=tmp_path, session=fake.session(), retries=1, sleep=wait)
    with pytest.raises(ProviderError) as info:
        await provider.daily("BTC-USD")
    assert f"HTTP {status} from Yahoo" in str(info.value) and len(waits) == 1  # retried once
    fake.answer_with("BTC-USD", None)
    assert len((await provider.daily("BTC-USD")).index) == len(daily_crypto())


async def test_yahoos_not_found_is_still_an_unknown_symbol(tmp_path) -> None:
    fake = FakeYahoo({})
    reset_yfinance(tmp_path / "yf")
    provider = YahooProvider(data_dir=tmp_path, session=fake.session(), retries=1)
    with pytest.raises(UnknownSymbol):
        await provider.daily("ZZZZ")
