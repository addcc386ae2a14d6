"""Package attributes imported on first use (PEP 562).

Why: `python -m bot ask quote ^RUT` should not pay for importing every answer and chart module
(event studies, signals, the brief) that a quote never touches; a terminal question's cost is
mostly imports (`benchmarks/bench_startup.py`). Packages keep their flat public names
(`from bot.charts import quote_chart`); type checkers see ordinary imports under TYPE_CHECKING.
The bot's worker processes import everything up front anyway (`bot/compute_preload.py`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package` whose public `name` lives in submodule
    `exports[name]` (relative, e.g. ".quote"); each is imported once, when first asked for.
    A name may not be its own module's name: importing that submodule (from anywhere) binds the
    package attribute to the module, and the lazy name would then be the module, not the
    function."""
    shadowed = sorted(n for n, m in exports.items() if m.lstrip(".") == n)
    if shadowed:
        raise ValueError(f"{package}: import {', '.join(shadowed)} eagerly, not lazily")

    def __getattr__(name: str) -> Any:
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module, package), name)
        globals_of_package = importlib.import_module(package).__dict__
        globals_of_package[name] = value  # next time: a plain attribute, no call
        return value

    def __dir__() -> list[str]:
        return sorted(set(exports) | set(importlib.import_module(package).__dict__))

    return __getattr__, __dir__
