"""How numbers read, the same in Discord, in the terminal and on charts: one set of rules.

Why one module: a reader compares numbers across an answer (the verdict, the figures, the table,
the chart), so "-0%" in one place and "0%" in another, or 2,998 here and 2998 there, reads as a
contradiction even when the maths agrees. The rules:

* no signed zero: a change that rounds to zero gets one more decimal, and "0%" if it still does;
* thousands separators on every number over 999, percentages included ("+1,234%");
* prices keep two decimals at any size ("104,512.37"); below 1 enough decimals for 3 digits;
* a drawdown is never positive: a window that never closed below its entry says "none";
* 252 sessions is said "52-week" (the phrase people use), any other lookback in sessions.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import TypeGuard

import pandas as pd

from bot import defaults

BREAKOUT_SESSIONS = defaults.BREAKOUT_LOOKBACK
MANAGE_SERVER = "Manage Server"  # Discord's own name for the MANAGE_GUILD permission


def is_num(value: float | None) -> TypeGuard[float]:
    """A number to show: not None and not NaN (what pandas gives for a missing value)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, digits: int = 1, signed: bool = True) -> str:
    """0.1234 -> '+12.3%'; 12.5 -> '+1,250.0%'; 0.0004 -> '+0.04%'; 0 -> '0%'; None -> 'n/a'.

    A value that rounds to zero at `digits` gets one more decimal; if it still rounds to zero it
    is written "0%" with no sign, so a reader never sees "-0%" beside "+0%".
    """
    if not is_num(value):
        return "n/a"
    x = float(value) * 100
    for d in (digits, digits + 1):
        if round(abs(x), d) != 0:
            return f"{x:+,.{d}f}%" if signed else f"{x:,.{d}f}%"
    return "0%"


def share(value: float | None) -> str:
    """A proportion as a plain percentage: 0.6 -> '60%' (never signed, never over 100%)."""
    return "n/a" if not is_num(value) else f"{float(value) * 100:.0f}%"


def price(value: float | None) -> str:
    """A price or index level: two decimals at any size, enough decimals below 1."""
    if not is_num(value):
        return "n/a"
    v = float(value)
    if v == 0 or abs(v) >= 0.1:
        return f"{v:,.2f}"
    decimals = -math.floor(math.log10(abs(v))) + 2  # three significant digits
    return f"{v:.{decimals}f}"


def compact(value: float | None) -> str:
    """An axis level in few characters: 1,234 / 65.2k / 1.2M / 3.4B / 12.5 / 0.0123.

    Chart axes have no room for a price's two decimals; this is the same number shortened
    (never scientific notation, no signed zero). Non-numbers give "" (an unlabelled tick)."""
    if not is_num(value) or not math.isfinite(float(value)):
        return ""
    x = float(value)
    a = abs(x)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if a >= size:
            v = x / size
            # Past 999T no price is real (only broken data): short beats exact there.
            text = f"{v:.3g}{suffix}" if abs(v) < 1000 else f"{x:.2g}"
            break
    else:
        if a >= 1e5:
            text = f"{x / 1e3:.0f}k"
        elif a >= 1e4:
            text = f"{x / 1e3:.3g}k"
        elif a >= 100:
            text = f"{x:,.0f}"
        elif a >= 1:
            text = f"{x:.4g}"
        elif a == 0:
            text = "0"
        else:  # three significant digits, never "1.2e-05"
            text = f"{x:.{-math.floor(math.log10(a)) + 2}f}".rstrip("0").rstrip(".")
    return _unsigned_zero(text)


def pct_tick(value: float | None) -> str:
    """A fraction as an axis percentage: 0.25 -> '25%', 0.125 -> '12.5%', 12.5 -> '1,250%'.

    No '+' (an axis is read by position), a decimal only where the tick needs one, no signed
    zero."""
    if not is_num(value) or not math.isfinite(float(value)):
        return ""
    text = f"{float(value) * 100:,.1f}".rstrip("0").rstrip(".")
    return _unsigned_zero(text) + "%"


def corr(value: float | None) -> str:
    """A correlation as people read it: '+0.32', '-0.45', '0.00' (no signed zero)."""
    if not is_num(value):
        return "n/a"
    text = f"{float(value):+.2f}"
    return "0.00" if text in ("+0.00", "-0.00") else text


def _unsigned_zero(text: str) -> str:
    """'-0', '-0.00', '-0k' -> without the sign: a value that reads as zero has none."""
    if text.startswith("-") and not any(c in "123456789" for c in text):
        return text[1:]
    return text


def number(value: float | int | None, digits: int = 0) -> str:
    """A count or level with thousands separators: 2998 -> '2,998'."""
    if not is_num(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def drawdown(value: float | None) -> str:
    """The worst fall below entry: '-12%', or 'none' when the window never closed below entry."""
    if not is_num(value):
        return "n/a"
    v = float(value)
    if round(v * 100) >= 0:
        return "none" if v >= 0 else pct(v, 1)
    return pct(v, 0)


def day(value: date | datetime | pd.Timestamp | None) -> str:
    if value is None:
        return "n/a"
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def horizon(days: int) -> str:
    """Calendar days in the short form tables use: 365 -> '1y', 90 -> '90d'."""
    if days % 365 == 0:
        return f"{days // 365}y"
    return f"{days}d"


def horizon_words(days: int) -> str:
    """Calendar days in words for sentences: 365 -> '1 year', 730 -> '2 years', 90 -> '90 days'."""
    if days % 365 == 0:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


def lookback(sessions: int) -> str:
    """A breakout lookback as people say it: 252 -> '52-week', 100 -> '100-session'."""
    return "52-week" if sessions == BREAKOUT_SESSIONS else f"{sessions}-session"


def count(n: int, word: str, plural: str | None = None) -> str:
    """'1 episode', '3 episodes', '2,998 sessions'."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def of(k: int, n: int) -> str:
    """'3 of 5': how many of a sample, never '3 times' (which hides the sample size)."""
    return f"{k:,} of {n:,}"


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def age_days(last: date | datetime | pd.Timestamp, today: date | datetime | pd.Timestamp) -> int:
    """Whole calendar days between a series' last bar and a reference date (never negative)."""
    return max(0, (pd.Timestamp(today).normalize() - pd.Timestamp(last).normalize()).days)


def json_num(value: float | None) -> float | None:
    """JSON has no NaN or Infinity (Python's json writes them, strict parsers refuse them):
    unknown or unbounded numbers become null."""
    if not is_num(value) or not math.isfinite(value):
        return None
    return float(value)
