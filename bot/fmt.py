"""How numbers read, the same in Discord and in the terminal."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd


def is_num(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def pct(value: float | None, digits: int = 1, signed: bool = True) -> str:
    """0.1234 -> '+12.3%'; None/NaN -> 'n/a'."""
    if not is_num(value):
        return "n/a"
    text = f"{value * 100:+.{digits}f}%" if signed else f"{value * 100:.{digits}f}%"
    return text


def share(value: float | None) -> str:
    """A proportion as a plain percentage: 0.6 -> '60%'."""
    return "n/a" if not is_num(value) else f"{value * 100:.0f}%"


def price(value: float | None) -> str:
    if not is_num(value):
        return "n/a"
    if abs(value) >= 100_000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4g}"


def day(value: date | datetime | pd.Timestamp | None) -> str:
    if value is None:
        return "n/a"
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def horizon(days: int) -> str:
    """Calendar days in the words people use: 365 -> '1y', 90 -> '90d'."""
    if days % 365 == 0:
        return f"{days // 365}y"
    return f"{days}d"


def json_num(value: float | None) -> float | None:
    """JSON has no NaN: unknown numbers become null."""
    if not is_num(value):
        return None
    return float(value)
