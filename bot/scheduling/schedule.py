"""When each guild's daily brief is due: pure time arithmetic, no I/O.

A guild says "08:00 in Europe/London on weekdays". This module turns that into UTC instants and
into the *local date* each run belongs to, which is the key `bot.scheduling.brieflog` uses to
post exactly once per guild per day. The posting loop (a cog) only asks `due(...)` every tick.

Decisions, and why:

* **Daylight-saving gap** (spring forward): a local time that does not exist that day runs at the
  first valid minute after it, i.e. the end of the gap (02:30 in America/New_York on the
  spring-forward Sunday runs at 03:00 EDT). Skipping the day would silently lose a brief; running
  an hour late (what naive `fold=0` arithmetic gives, 03:30) is later than it needs to be.
* **Ambiguous time** (fall back): the first occurrence (`fold=0`), and only that one, because the
  run is keyed by local date and a local date has exactly one scheduled instant.
* **A local date that does not exist at all** (Pacific/Apia skipped 2011-12-30): no run for it;
  otherwise its gap-shifted run would land on the next day beside that day's own run.
* **`weekdays_only`** is judged on the guild's local date, never the UTC date.
* **Minute resolution**: times are whole minutes, so `now` is floored to its minute before
  comparing. A tick at 08:00:40 still counts 08:00 as "now", so a scheduler that wakes a few
  seconds late never pushes a run to tomorrow.

Performance: a tick looks at every configured guild, but guilds with the same (timezone,
post_time, weekdays_only) share one answer, so the zoneinfo arithmetic runs once per distinct
group; the instant for a (zone, time, date) is also cached across ticks, because tzdata does not
change under a running process.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.errors import BadInput
from bot.settings import GuildSettings

log = logging.getLogger(__name__)

#: How late a brief may still be posted after its scheduled instant (e.g. the bot was down).
DEFAULT_GRACE = timedelta(hours=3)
#: Consecutive runs are at least ~23 h apart (DST can shorten a day by an hour, rarer zones by
#: less), so a grace below this can never make two runs of one guild due at once.
MAX_GRACE = timedelta(hours=20)

_ONE_DAY = timedelta(days=1)
#: Longest stretch of dates `next_run` walks: a weekend plus a vanished date plus slack.
_SEARCH_DAYS = 8


@dataclass(frozen=True, slots=True)
class Due:
    """One guild whose most recent scheduled run has come (and is not in the future).

    `missed` is True when that run is older than the grace window: the caller should not post
    but record the date as skipped, so the loss is visible in `brief_log` rather than silent.
    """

    settings: GuildSettings
    scheduled_at_utc: datetime
    local_date: date
    late_by: timedelta
    missed: bool


# --------------------------------------------------------------------------------------------
# Core arithmetic


@cache
def _zone(name: str) -> ZoneInfo:
    """ZoneInfo objects are cached by the stdlib too; this also caches the failure path's key."""
    return ZoneInfo(name)


@cache
def _clock(post_time: str) -> time:
    hours, minutes = post_time.split(":")
    return time(int(hours), int(minutes))


@lru_cache(maxsize=1 << 17)
def scheduled_instant(timezone: str, post_time: str, local_date: date) -> datetime | None:
    """The UTC instant of the run for `local_date`, or None if that local date does not exist.

    Ignores `weekdays_only` (see `_run_on`). Raises ZoneInfoNotFoundError / ValueError for a
    malformed zone or time; `parse_timezone` and `parse_hhmm` keep those out of the database.
    """
    tz = _zone(timezone)
    wall = datetime.combine(local_date, _clock(post_time))
    at = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the first occurrence if ambiguous
    if at.astimezone(tz).replace(tzinfo=None) != wall:
        at = _end_of_gap(wall, tz)
        if at.astimezone(tz).date() != local_date:
            return None  # the whole local date (or the rest of it) was skipped
    return at


def _end_of_gap(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first valid minute at or after a nonexistent wall time, as a UTC instant.

    For wall time w inside a gap, w read with the post-transition offset (fold=1) lies before the
    transition and w read with the pre-transition offset (fold=0) lies after it; the transition
    instant is between, found by bisection on the UTC offset (tzdata transitions are whole
    seconds, so ~14 steps for an hour's gap).
    """
    lo = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)  # before the transition
    hi = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)  # at or after it
    if lo > hi:
        lo, hi = hi, lo
    after = hi.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    # Round up to a whole minute of local time (real transitions already are).
    local = hi.astimezone(tz)
    if local.second or local.microsecond:
        hi += timedelta(minutes=1) - timedelta(seconds=local.second,
                                               microseconds=local.microsecond)
    return hi


def _run_on(timezone: str, post_time: str, weekdays_only: bool, day: date) -> datetime | None:
    """The run for a local date, honouring weekdays_only (Saturday=5, Sunday=6 are skipped)."""
    if weekdays_only and day.weekday() >= 5:
        return None
    return scheduled_instant(timezone, post_time, day)


def _utc_minute(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware; a naive time is ambiguous across servers")
    return now.astimezone(UTC).replace(second=0, microsecond=0)


# --------------------------------------------------------------------------------------------
# Public queries


def next_run(settings: GuildSettings, now: datetime) -> datetime | None:
    """The next run at or after `now` (floored to its minute), in UTC; None if not posting.

    "At or after" so that a tick landing inside the scheduled minute still finds it: a
    scheduler that asked for "strictly after" would skip the run it was woken for.
    """
    if not settings.ready_to_post:
        return None
    floor = _utc_minute(now)
    day = floor.astimezone(_zone(settings.timezone)).date()
    for _ in range(_SEARCH_DAYS):
        at = _run_on(settings.timezone, settings.post_time, settings.weekdays_only, day)
        if at is not None and at >= floor:
            return at
        day += _ONE_DAY
    return None  # unreachable for real zones; a guard against an endless loop


def local_date_of_run(settings: GuildSettings, run_at_utc: datetime) -> date:
    """The guild-local date a run belongs to: the exactly-once key in `brief_log`.

    Runs never cross a local midnight (a run whose gap-shift would cross one is dropped), so the
    local calendar date of the instant is the date it was scheduled for.
    """
    return run_at_utc.astimezone(_zone(settings.timezone)).date()


def due(
    settings_list: Iterable[GuildSettings],
    now: datetime,
    *,
    grace: timedelta = DEFAULT_GRACE,
    exclude: Collection[tuple[int, date]] = frozenset(),
) -> list[Due]:
    """Every guild whose most recent run (for its local today or yesterday) is at or before now.

    Within `grace` of the run it is due (`missed=False`); older, it is `missed=True` so the
    caller records a skip instead of posting a stale brief hours late. Yesterday is looked at so
    a 23:30 run still posts at 00:10 after a restart, and so a run missed just before local
    midnight is still reported. Guilds not ready to post, and (guild_id, local_date) keys in
    `exclude` (already claimed/sent/skipped, as read from `brief_log`), are left out, which
    keeps a steady-state tick's result, and the caller's work, small.

    Grace must stay below `MAX_GRACE`, so at most one run per guild can be pending.
    """
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise ValueError(f"grace must be between 0 and {MAX_GRACE}, got {grace}")
    floor = _utc_minute(now)
    groups: dict[tuple[str, str, bool], list[GuildSettings]] = {}
    for settings in settings_list:
        if settings.brief_enabled and settings.channel_id is not None:
            key = (settings.timezone, settings.post_time, settings.weekdays_only)
            bucket = groups.get(key)
            if bucket is None:
                groups[key] = [settings]
            else:
                bucket.append(settings)

    excluded = _by_day(exclude)
    result: list[Due] = []
    today_of: dict[str, date] = {}
    for (tz_name, post_time, weekdays_only), members in groups.items():
        try:
            today = today_of.get(tz_name)
            if today is None:
                today = today_of[tz_name] = floor.astimezone(_zone(tz_name)).date()
            latest = _latest_run(tz_name, post_time, weekdays_only, today, floor)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            _warn_bad_group(tz_name, post_time, exc)
            continue
        if latest is None:
            continue
        at, local_date = latest
        late_by = floor - at
        missed = late_by > grace
        skip = excluded.get(local_date, _NONE)
        for settings in members:
            if settings.guild_id in skip:
                continue
            result.append(Due(settings, at, local_date, late_by, missed))
    return result


_NONE: frozenset[int] = frozenset()


def _by_day(exclude: Collection[tuple[int, date]]) -> Mapping[date, Collection[int]]:
    """Excluded guild ids per local date: one set lookup per guild instead of a tuple each.

    The posting loop's `postlog.SettledKeys` is already kept that way; any other collection of
    (guild_id, date) pairs is regrouped once per call.
    """
    per_day = getattr(exclude, "by_day", None)
    if per_day is not None:
        return per_day
    grouped: dict[date, set[int]] = {}
    for guild_id, day in exclude:
        grouped.setdefault(day, set()).add(guild_id)
    return grouped


def _latest_run(
    tz_name: str, post_time: str, weekdays_only: bool, today: date, floor: datetime
) -> tuple[datetime, date] | None:
    for day in (today, today - _ONE_DAY):
        at = _run_on(tz_name, post_time, weekdays_only, day)
        if at is not None and at <= floor:
            return at, day
    return None


_warned: set[tuple[str, str]] = set()


def _warn_bad_group(tz_name: str, post_time: str, exc: Exception) -> None:
    """Log a corrupt schedule once, not every tick, and keep posting for everyone else."""
    if (tz_name, post_time) not in _warned:
        _warned.add((tz_name, post_time))
        log.warning("Skipping guilds with unusable schedule %s %r: %s", tz_name, post_time, exc)


# --------------------------------------------------------------------------------------------
# Validating what admins type


_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def parse_hhmm(text: str) -> str:
    """A 24-hour "H:MM" / "HH:MM" time as canonical "HH:MM"; BadInput otherwise."""
    match = _HHMM.fullmatch(text.strip())
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            return f"{hours:02d}:{minutes:02d}"
    shown = text if len(text) <= 20 else text[:17] + "..."
    raise BadInput(
        f"{shown!r} is not a time I understand; use 24-hour HH:MM, for example 08:05 or 20:30."
    )


#: In `available_timezones()` but useless or misleading for a guild: "localtime" is whatever the
#: bot's host uses, "Factory" is a placeholder zone.
_NOT_FOR_GUILDS = frozenset({"localtime", "Factory"})


def is_place_zone(name: str) -> bool:
    """An IANA "Area/Location" name (or UTC): what `/config timezone` accepts.

    The tz database also carries legacy names ("EST", "CET", "EST5EDT", "Japan") and fixed
    offsets ("Etc/GMT+5", whose sign is inverted). "EST" is a fixed UTC-5 that is an hour wrong
    for New York all summer; a place name follows the place's daylight-saving rules.
    """
    return name in ("UTC", "Etc/UTC") or ("/" in name and not name.startswith("Etc/"))


@cache
def _zones() -> dict[str, str]:
    """Lower-cased IANA place name -> canonical spelling, read once (it scans tzdata)."""
    return {
        name.lower(): name
        for name in available_timezones() - _NOT_FOR_GUILDS
        if is_place_zone(name)
    }


@cache
def _sorted_zones() -> tuple[str, ...]:
    # "Area/City" names first: they are what people look for; legacy aliases ("US/Eastern") after.
    return tuple(sorted(_zones().values(), key=lambda n: (n.startswith("US/"), n.lower())))


#: Where an abbreviation most often means a place: listed first among the zones that use it.
_USUAL_PLACES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "America/Anchorage", "Pacific/Honolulu", "America/Toronto",
    "America/Panama", "America/Mexico_City", "America/Halifax", "America/Sao_Paulo",
    "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
    "Europe/Athens", "Europe/Moscow", "Asia/Kolkata", "Asia/Jerusalem", "Asia/Shanghai",
    "Asia/Hong_Kong", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney", "Australia/Brisbane",
    "Australia/Adelaide", "Australia/Perth", "Pacific/Auckland", "Africa/Johannesburg",
)


@cache
def _abbreviations(year: int) -> dict[str, tuple[str, ...]]:
    """'EST' -> the place zones that use it in January or July of `year`, usual places first."""
    found: dict[str, set[str]] = {}
    for name in _zones().values():
        if "/" not in name or name.startswith("US/"):
            continue
        zone = ZoneInfo(name)
        for month in (1, 7):
            abbreviation = datetime(year, month, 15, 12, tzinfo=zone).tzname()
            if abbreviation and abbreviation.isalpha():
                found.setdefault(abbreviation.upper(), set()).add(name)
    usual = {name: i for i, name in enumerate(_USUAL_PLACES)}
    return {
        abbreviation: tuple(sorted(names, key=lambda n: (usual.get(n, len(usual)), n)))
        for abbreviation, names in found.items()
    }


def zones_for_abbreviation(text: str, limit: int = 4, year: int | None = None) -> list[str]:
    """The IANA names an abbreviation like "EST" may mean (usual places first), or []."""
    key = text.strip().upper()
    if not key.isalpha():
        return []
    return list(_abbreviations(year or date.today().year).get(key, ())[:limit])


def parse_timezone(text: str) -> str:
    """An IANA place name, matched case-insensitively ("america/new york" -> America/New_York).

    Spaces count as underscores because that is how people type city names. An abbreviation
    ("EST") is refused with the place names it may mean; anything else gets BadInput naming up
    to three close zones, so the admin can retype instead of guessing.
    """
    key = "_".join(text.strip().split()).lower()
    zones = _zones()
    if key in zones:
        return zones[key]
    shown = text if len(text) <= 40 else text[:37] + "..."
    places = zones_for_abbreviation(text)
    if places:
        raise BadInput(
            f"{shown.strip()!r} is an abbreviation, not a time zone: it does not follow daylight "
            f"saving time. Use the IANA name of a place; {shown.strip()} may mean "
            + ", ".join(places)
            + "."
        )
    suggestions = _suggest(key)
    message = (
        f"{shown!r} is not a time zone I know; use an IANA name such as Europe/London or "
        "America/New_York."
    )
    if suggestions:
        message += " Did you mean " + ", ".join(suggestions) + "?"
    raise BadInput(message)


def _suggest(key: str, limit: int = 3) -> list[str]:
    zones = _zones()
    # A bare city ("tokyo") matches the last part of a name exactly; that beats fuzzy spelling.
    city = [name for low, name in zones.items() if key and low.rsplit("/", 1)[-1] == key]
    fuzzy = difflib.get_close_matches(key, list(zones), n=limit, cutoff=0.6)
    fuzzy_cities = difflib.get_close_matches(
        key, [low.rsplit("/", 1)[-1] for low in zones], n=limit, cutoff=0.75
    )
    by_city = [name for low, name in zones.items() if low.rsplit("/", 1)[-1] in fuzzy_cities]
    out: list[str] = []
    for name in [*sorted(city), *(zones[f] for f in fuzzy), *sorted(by_city)]:
        if name not in out:
            out.append(name)
    return out[:limit]


def timezone_choices(prefix: str, limit: int = 25) -> list[str]:
    """Zone names for Discord autocomplete (at most 25 choices allowed there).

    Ranked: names starting with what was typed, then names with a part ("new_york" in
    America/New_York) starting with it, then names merely containing it.
    """
    key = "_".join(prefix.strip().split()).lower()
    names = _sorted_zones()
    if not key:
        return list(names[:limit])
    starts: list[str] = []
    part_starts: list[str] = []
    contains: list[str] = []
    for name in names:
        low = name.lower()
        if low.startswith(key):
            starts.append(name)
        elif any(part.startswith(key) for part in _parts(low)):
            part_starts.append(name)
        elif key in low:
            contains.append(name)
    return [*starts, *part_starts, *contains][:limit]


def _parts(low: str) -> list[str]:
    """"america/port_of_spain" -> the places a typed word may start: each "/" part and word."""
    return [*low.split("/")[1:], *re.split(r"[/_\-]", low)[1:]]
