"""Settings: `config.toml` (path from `RISKON_CONFIG`) with environment overrides.

Every setting has a default except the Discord token, so a config file holds only what it
changes and `python -m bot ask ...` needs no file at all. Unknown keys and wrong types are
errors that name the key and the expected form: a typo must not silently fall back to a default.
The token lives in a `Secret`, whose str/repr never show it, so it cannot leak through logs,
tracebacks or a printed config.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG_PATH = Path("config.toml")
DEFAULT_WATCHLIST = ("^RUT", "^RUJ", "IWM", "^GSPC", "^IXIC", "BTC-USD", "ETH-USD", "^VIX")


class ConfigError(ValueError):
    """A setting is missing, unknown or malformed; the message names the key."""


class Secret:
    """A string that refuses to show itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class DiscordConfig:
    token: Secret = field(default_factory=lambda: Secret(""))
    dev_guild_id: int = 0  # 0: no development guild; commands sync only with `python -m bot sync`
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    cooldown_uses: int = 4  # per user, per cooldown_seconds
    cooldown_seconds: float = 30.0
    # How long an answer's buttons stay pressable; then they are disabled. At most 14: editing
    # a reply (to disable them) needs its interaction token, which Discord keeps for 15 minutes.
    buttons_minutes: float = 10.0
    # Sharding: 0 / "" = Discord's recommended shard count, every shard in this process. To split
    # the bot over N processes give each the same shard_count and its own shard_ids range.
    shard_count: int = 0
    shard_ids: str = ""  # "0-7" (inclusive), "3", or "0-3,8-11"

    def shard_list(self) -> list[int] | None:
        """The shard ids this process runs, or None for all of them."""
        return parse_shard_ids(self.shard_ids) if self.shard_ids else None


@dataclass(frozen=True)
class StoreConfig:
    path: str = "riskon.sqlite3"  # the SQLite file, used when url is empty
    # "postgresql://user@host:port/db": PostgreSQL, shared by every process that names it.
    url: str = ""
    # Start-up waits this long for another process to release the database's write lock
    # (SQLite) or migration lock (PostgreSQL), then refuses to start with one line; 0: refuse.
    lock_wait_seconds: float = 30.0


@dataclass(frozen=True)
class DataConfig:
    provider: str = "yahoo"  # "yahoo" or "csv"
    csv_dir: str = ""  # required when provider = "csv"
    dir: str = "riskon-data"  # yfinance's own caches and other files riskon writes
    max_age_equity_minutes: float = 360.0
    max_age_crypto_minutes: float = 60.0
    memory_symbols: int = 32
    yahoo_timeout: float = 20.0
    yahoo_retries: int = 3


@dataclass(frozen=True)
class FredConfig:
    enabled: bool = True
    base_url: str = "https://fred.stlouisfed.org/graph/fredgraph.csv"
    timeout: float = 15.0
    csv_dir: str = ""  # a folder of FRED_<ID>.csv files to use instead of the network


@dataclass(frozen=True)
class BriefConfig:
    default_time: str = "08:00"
    default_timezone: str = "UTC"
    grace_hours: float = 3.0
    concurrency: int = 8
    watchlist: tuple[str, ...] = DEFAULT_WATCHLIST


@dataclass(frozen=True)
class AlertsConfig:
    enabled: bool = True
    # Minutes between two background checks for new final bars; down to 0.01 for tests.
    check_minutes: float = 15.0
    # An event found late (the bot was down) is posted up to this many hours after its bar
    # became final, marked "(posted late)"; later it is logged as missed.
    grace_hours: float = 12.0
    max_per_server: int = 25
    concurrency: int = 8  # alert posts sent at once


@dataclass(frozen=True)
class ComputeConfig:
    # Worker processes that compute and render answers for the bot; 0 = threads in-process.
    # Default: one per core, at most 2. Measured on 2 cores: 20 concurrent /after answered with
    # p95 1.2 s and a 13 ms worst loop stall, against 1.7 s with one worker; each worker beyond
    # costs ~24 MiB (forked from a warm server), so 2 keeps a small host's memory bounded.
    processes: int = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"


@dataclass(frozen=True)
class Config:
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    data: DataConfig = field(default_factory=DataConfig)
    fred: FredConfig = field(default_factory=FredConfig)
    brief: BriefConfig = field(default_factory=BriefConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_URL = re.compile(r"^(https?|wss?)://[^\s/$.?#][^\s]*$")


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_SHARD_RANGE = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_shard_ids(text: str) -> list[int]:
    """ "0-7" -> [0..7]; "0-3,8" -> [0, 1, 2, 3, 8]. Raises ValueError on anything else."""
    ids: list[int] = []
    for part in text.split(","):
        match = _SHARD_RANGE.match(part)
        if not match:
            raise ValueError(part)
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise ValueError(part)
        ids.extend(range(first, last + 1))
    if len(set(ids)) != len(ids):
        raise ValueError(text)
    return ids


def _shard_ids_ok(text: str) -> bool:
    if not text:
        return True
    try:
        parse_shard_ids(text)
    except ValueError:
        return False
    return True


def _check(section: str, key: str, value: Any) -> str | None:
    """Per-key rules beyond the type: the expected form when the value breaks them, else None."""
    name = (section, key)
    if name == ("data", "provider"):
        ok, expected = value in ("yahoo", "csv"), '"yahoo" or "csv"'
    elif name in {("discord", "api_base"), ("discord", "gateway_url"), ("fred", "base_url")}:
        ok, expected = bool(_URL.match(value)), "an http(s):// or ws(s):// URL"
    elif name == ("brief", "default_time"):
        ok, expected = bool(_HHMM.match(value)), 'a 24-hour time "HH:MM"'
    elif name == ("brief", "default_timezone"):
        ok, expected = _is_zone(value), 'an IANA time zone such as "Europe/London"'
    elif name == ("logging", "level"):
        ok, expected = value.upper() in _LEVELS, " or ".join(_LEVELS)
    elif name == ("alerts", "check_minutes"):
        ok, expected = 0.01 <= value <= 1440, "a number of minutes from 0.01 to 1440"
    elif name == ("alerts", "max_per_server"):
        ok, expected = 1 <= value <= 1000, "a whole number of alerts from 1 to 1000"
    elif name == ("alerts", "concurrency"):
        ok, expected = 1 <= value <= 100, "a whole number of posts at once from 1 to 100"
    elif name == ("compute", "processes"):
        ok, expected = 0 <= value <= 32, "a whole number of processes from 0 to 32"
    elif name == ("store", "url"):
        ok = value == "" or value.startswith(("postgresql://", "postgres://"))
        expected = 'a PostgreSQL URL "postgresql://user@host:5432/dbname", or "" for SQLite'
    elif name == ("store", "lock_wait_seconds"):
        ok, expected = 0 <= value <= 3600, "a number of seconds from 0 to 3600"
    elif name == ("discord", "shard_ids"):
        ok, expected = _shard_ids_ok(value), 'a shard range such as "0-7" (or "0-3,8-11")'
    elif name == ("discord", "shard_count"):
        ok, expected = value >= 0, "a whole number of shards, or 0 for Discord's recommendation"
    elif name == ("discord", "buttons_minutes"):
        ok, expected = 0 < value <= 14, "a number of minutes above 0 and at most 14"
    elif name == ("discord", "dev_guild_id"):
        ok, expected = value >= 0, "a Discord server id (a positive whole number), or 0 for none"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ok, expected = value > 0, "a positive number"
    else:
        ok, expected = True, ""
    return None if ok else expected


def _is_zone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _coerce(section: str, key: str, value: Any, default: Any) -> Any:
    where = f"[{section}] {key}"
    if isinstance(default, Secret):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string (the bot token).")
        return Secret(value.strip())
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}.")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}.")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number, not {value!r}.")
        value = float(value)
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string in quotes, not {value!r}.")
    elif isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'{where} must be a list of strings, e.g. ["^RUT", "BTC-USD"].')
        value = tuple(value)
    expected = _check(section, key, value)
    if expected:
        raise ConfigError(f"{where} must be {expected}, not {value!r}.")
    return value


def from_mapping(raw: dict[str, Any]) -> Config:
    """Build a validated `Config` from parsed TOML; unknown sections and keys are errors."""
    sections: dict[str, Any] = {}
    known = {f.name: f for f in dataclasses.fields(Config)}
    for section, values in raw.items():
        if section not in known:
            raise ConfigError(
                f"Unknown section [{section}]; known sections: {', '.join(sorted(known))}."
            )
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}] must be a table of settings.")
        factory = known[section].default_factory
        assert callable(factory), "every Config section is a field with a default_factory"
        section_type = factory()
        defaults = {f.name: getattr(section_type, f.name) for f in dataclasses.fields(section_type)}
        changes = {}
        for key, value in values.items():
            if key not in defaults:
                raise ConfigError(
                    f"Unknown setting [{section}] {key}; known: {', '.join(sorted(defaults))}."
                )
            changes[key] = _coerce(section, key, value, defaults[key])
        sections[section] = dataclasses.replace(section_type, **changes)
    config = Config(**sections)
    if config.data.provider == "csv" and not config.data.csv_dir:
        raise ConfigError('[data] csv_dir must name a folder when [data] provider = "csv".')
    shards = config.discord.shard_list()
    if shards is not None:
        if not config.discord.shard_count:
            raise ConfigError("[discord] shard_ids needs [discord] shard_count (the total over "
                              "every process), e.g. shard_count = 16 with shard_ids = \"0-7\".")
        if max(shards) >= config.discord.shard_count:
            raise ConfigError(f"[discord] shard_ids {config.discord.shard_ids!r} must be below "
                              f"shard_count ({config.discord.shard_count}): ids count from 0.")
    return config


def load(path: str | Path | None = None, environ: dict[str, str] | None = None) -> Config:
    """Read the config file (if any) and apply environment overrides.

    `RISKON_CONFIG` names the file (default `./config.toml`); a missing default file is fine,
    a missing file that was named explicitly is an error. `DISCORD_TOKEN` overrides the token.
    """
    env = os.environ if environ is None else environ
    explicit = path is not None or bool(env.get("RISKON_CONFIG"))
    file = Path(path if path is not None else env.get("RISKON_CONFIG") or DEFAULT_CONFIG_PATH)
    raw: dict[str, Any] = {}
    if file.exists():
        try:
            raw = tomllib.loads(file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file} is not valid TOML: {exc}") from None
    elif explicit:
        raise ConfigError(f"Config file {file} does not exist (named by RISKON_CONFIG).")
    config = from_mapping(raw)
    token = env.get("DISCORD_TOKEN", "").strip()
    if token:
        config = dataclasses.replace(
            config, discord=dataclasses.replace(config.discord, token=Secret(token))
        )
    return config
