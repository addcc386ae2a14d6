"""/ask: plain-language questions read as riskon's own commands (see bot/ask/reader.py)."""

from bot.ask.reader import MAX_QUESTION, Reading, Understanding, normalize, read

__all__ = ["MAX_QUESTION", "Reading", "Understanding", "normalize", "read"]
