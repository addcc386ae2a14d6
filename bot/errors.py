"""The failure kinds riskon distinguishes.

Front ends (Discord, terminal) decide how to answer by the *kind* of error, never by parsing
messages: a `UserError` is the asker's mistake and its message is safe and useful to show as is;
anything else is ours and is logged with a traceback while the user sees a short apology.
"""

from __future__ import annotations


class RiskonError(Exception):
    """Base of every error riskon raises on purpose."""


class UserError(RiskonError):
    """The input was wrong; the message is one plain sentence meant for the asker."""


class BadInput(UserError):
    """An option is out of range or malformed (a horizon of 0, a window of 1, ...)."""


class UnknownSymbol(UserError):
    """A symbol that is malformed or that no provider knows.

    Carries suggestions so a front end can offer "Did you mean ...?" without string parsing.
    """

    def __init__(self, text: str, suggestions: list[str] | None = None, reason: str = "") -> None:
        self.text = text
        self.suggestions = list(suggestions or [])
        shown = text if len(text) <= 40 else text[:37] + "..."
        message = reason or f"I don't know the symbol {shown!r}."
        if self.suggestions:
            message += " Did you mean " + " or ".join(self.suggestions[:3]) + "?"
        super().__init__(message)


class NoData(RiskonError):
    """The symbol is valid but the source has no usable prices for it."""

    def __init__(self, symbol: str, source: str, detail: str = "") -> None:
        self.symbol = symbol
        self.source = source
        message = f"{source} has no daily prices for {symbol}"
        super().__init__(message + (f" ({detail})." if detail else "."))


class TooLittleHistory(NoData):
    """Real prices, but too few (shared) dates for the question: a plain answer, not a crash.

    New listings hit this daily; the message says what is missing and why, in one sentence.
    """

    def __init__(self, message: str) -> None:
        RiskonError.__init__(self, message)  # NoData's sentence does not fit; the kind does
        self.symbol = ""
        self.source = ""


class ProviderError(RiskonError):
    """A data source failed for reasons outside the asker's control (outage, rate limit, timeout).

    Raised by providers; the cache turns it into a stale answer or `DataUnavailable`.
    """

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        self.detail = detail
        super().__init__(f"{source}: {detail}")


class DataUnavailable(RiskonError):
    """A source failed and there is nothing cached to fall back on."""

    def __init__(self, symbol: str, source: str, detail: str) -> None:
        self.symbol = symbol
        self.source = source
        self.detail = detail
        super().__init__(
            f"{source} is not answering for {symbol} right now ({detail}), "
            "and riskon has no cached prices for it yet. Please try again later."
        )
