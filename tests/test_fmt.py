"""The number-formatting rules, one each, by construction."""

from __future__ import annotations

import math

import pytest

from bot import fmt


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.1234, 1, "+12.3%"),
        (-0.1234, 1, "-12.3%"),
        (0.0, 1, "0%"),
        (-0.0, 0, "0%"),
        (-0.0004, 0, "-0.04%"),  # rounds to zero at 0 digits: one more decimal... twice is 0
        (0.0004, 1, "+0.04%"),
        (-0.00001, 1, "0%"),  # still zero with one more decimal: no sign at all
        (0.004, 0, "+0.4%"),
        (12.5, 1, "+1,250.0%"),
        (-9.99, 0, "-999%"),
        (10.0, 0, "+1,000%"),
        (None, 1, "n/a"),
        (math.nan, 1, "n/a"),
    ],
)
def test_pct_has_no_signed_zero_and_separates_thousands(value, digits, text) -> None:
    if text == "-0.04%":  # 0 digits -> -0%, 1 digit -> -0.0%: falls back to "0%"
        assert fmt.pct(value, digits) == "0%"
        assert fmt.pct(value, 1) == "-0.04%"
        return
    assert fmt.pct(value, digits) == text
    assert "-0%" not in fmt.pct(value, digits) and "+0%" not in fmt.pct(value, digits)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (104_512.372, "104,512.37"),
        (1_234_567.8, "1,234,567.80"),
        (2467.7, "2,467.70"),
        (1.0, "1.00"),
        (0.5, "0.50"),
        (0.012345, "0.0123"),
        (0.00012345, "0.000123"),
        (0.0, "0.00"),
        (None, "n/a"),
    ],
)
def test_prices_keep_two_decimals_at_any_size(value, text) -> None:
    assert fmt.price(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(-0.456, "-46%"), (0.0, "none"), (0.12, "none"), (-0.003, "-0.3%"), (None, "n/a")],
)
def test_drawdown_is_never_positive(value, text) -> None:
    assert fmt.drawdown(value) == text
    assert not fmt.drawdown(value).startswith("+")


def test_words() -> None:
    assert fmt.lookback(252) == "52-week" and fmt.lookback(100) == "100-session"
    assert fmt.number(2998) == "2,998" and fmt.count(2998, "session") == "2,998 sessions"
    assert fmt.of(3, 5) == "3 of 5"
    assert [fmt.horizon_words(h) for h in (1, 30, 365, 730)] == [
        "1 day", "30 days", "1 year", "2 years",
    ]
    assert fmt.and_list(["a", "b", "c"]) == "a, b and c"
    assert fmt.MANAGE_SERVER == "Manage Server"


def test_episode_table_fits_a_phone_and_keeps_completed_episodes() -> None:
    from bot.adapter.embeds import TABLE_WIDTH, table_block
    from bot.answers.model import Table

    done = ["2014-12-26", "1,215.21", "327.92", "-23%", "-24%", "-27%", "+27%", "+841%", "-46%"]
    running = ["2025-09-18", "2,467.70", "117,137.20", "-8%", "-26%", "pending", "pending",
               "pending", "…"]  # fmt: skip
    columns = ["Event", "^RUT close", "BTC-USD entry", "30d", "90d", "180d", "1y", "2y", "worst"]
    rows = [[f"{2000 + i}-01-01", *done[1:]] for i in range(25)] + [running] * 3
    block = table_block(Table(columns, rows, [False] * 25 + [True] * 3))
    code = block.split("```")[1].strip("\n").splitlines()
    assert max(len(line) for line in code) <= TABLE_WIDTH
    assert "pending" not in block  # running episodes go first when the table must be cut
    assert "2024-01-01" in block  # ...then the oldest completed: the newest completed stay
    assert "earlier and 3 running episode(s) not shown" in block
    assert len(block) <= 1024


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"), (-0.0, "0"), (-0.0001, "-0.0001"), (0.0123, "0.0123"), (0.00001, "0.00001"),
        (0.5, "0.5"), (99.99, "99.99"), (123.4, "123"), (1234, "1,234"), (-1234, "-1,234"),
        (12_345, "12.3k"), (123_456, "123k"), (1.2e6, "1.2M"), (3.4e9, "3.4B"), (1.234e12, "1.23T"),
        (math.nan, ""), (None, ""), (math.inf, ""),
    ],
)
def test_compact_axis_numbers_are_short_separated_and_never_scientific(value, text) -> None:
    assert fmt.compact(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0%"), (-0.0, "0%"), (-1e-9, "0%"), (0.25, "25%"), (0.125, "12.5%"),
     (-0.2, "-20%"), (12.5, "1,250%"), (math.nan, "")],
)
def test_pct_tick_drops_needless_decimals_and_the_sign_of_zero(value, text) -> None:
    assert fmt.pct_tick(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.321, "+0.32"), (-0.456, "-0.46"), (-0.001, "0.00"), (0.0, "0.00"), (None, "n/a")],
)
def test_correlations_have_two_decimals_and_no_signed_zero(value, text) -> None:
    assert fmt.corr(value) == text


@pytest.mark.parametrize("value", [-123_456.789, -0.0004, -0.0, 0.0, 0.07, 1_234.5, 2.5e6])
def test_chart_numbers_are_fmt_numbers_with_a_true_minus(value) -> None:
    """One set of rules: the chart theme's formatters are fmt's, typeset with U+2212."""
    from bot.charts import theme

    def typeset(text: str) -> str:
        return text.replace("-", "\u2212")

    assert theme.fmt_num(value) == typeset(fmt.compact(value))
    assert theme.fmt_price(value) == typeset(fmt.price(value))
    assert theme.fmt_pct(value, 2) == typeset(fmt.pct(value, 2))
    assert theme.fmt_pct(value, sign=False) == typeset(fmt.pct(value, signed=False))
    assert theme._pct_tick(value) == typeset(fmt.pct_tick(value))
    assert theme.fmt_corr(value / 1e6) == typeset(fmt.corr(value / 1e6))
    assert "\u22120" != theme.fmt_num(-0.0) and "-" not in theme.fmt_price(value)
