"""Schedule: run instants across DST, weekends and date lines; due() grace; input parsing.

Expected instants are literal UTC datetimes worked out by hand from the zone's offsets; the
comment beside each shows the local wall time it stands for.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import BadInput
from bot.scheduling.schedule import (
    DEFAULT_GRACE,
    due,
    local_date_of_run,
    next_run,
    parse_hhmm,
    parse_timezone,
    scheduled_instant,
    timezone_choices,
    zones_for_abbreviation,
)
from bot.settings import GuildSettings


def guild(tz: str, at: str, *, weekdays_only: bool = False, guild_id: int = 1) -> GuildSettings:
    return GuildSettings(guild_id, channel_id=10, post_time=at, timezone=tz,
                         weekdays_only=weekdays_only, brief_enabled=True)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------------------------- DST


@pytest.mark.parametrize(
    ("tz", "at", "now", "expected"),
    [
        # New York springs forward Sun 2024-03-10 02:00 EST -> 03:00 EDT: 02:30 does not exist,
        # runs at 03:00 EDT (UTC-4) = 07:00 UTC (not 03:30, what fold=0 arithmetic gives).
        ("America/New_York", "02:30", utc(2024, 3, 10, 0), utc(2024, 3, 10, 7, 0)),
        # London springs forward Sun 2024-03-31 01:00 GMT -> 02:00 BST: 01:30 -> 02:00 BST
        # (UTC+1) = 01:00 UTC.
        ("Europe/London", "01:30", utc(2024, 3, 30, 12), utc(2024, 3, 31, 1, 0)),
        # Sydney springs forward Sun 2024-10-06 02:00 AEST -> 03:00 AEDT: 02:30 -> 03:00 AEDT
        # (UTC+11) = Sat 2024-10-05 16:00 UTC.
        ("Australia/Sydney", "02:30", utc(2024, 10, 5, 0), utc(2024, 10, 5, 16, 0)),
        # Gap start itself: London 01:00 on 2024-03-31 does not exist either -> 02:00 BST.
        ("Europe/London", "01:00", utc(2024, 3, 30, 12), utc(2024, 3, 31, 1, 0)),
        # Last minute of the gap: New York 02:59 -> 03:00 EDT = 07:00 UTC.
        ("America/New_York", "02:59", utc(2024, 3, 10, 0), utc(2024, 3, 10, 7, 0)),
        # Just after the gap is ordinary: New York 03:00 EDT = 07:00 UTC.
        ("America/New_York", "03:00", utc(2024, 3, 10, 0), utc(2024, 3, 10, 7, 0)),
    ],
)
def test_spring_forward_gap_runs_at_first_valid_minute(tz, at, now, expected) -> None:
    assert next_run(guild(tz, at), now) == expected


@pytest.mark.parametrize(
    ("tz", "at", "now", "first", "following_day"),
    [
        # New York falls back Sun 2024-11-03 02:00 EDT -> 01:00 EST; 01:30 happens twice:
        # 01:30 EDT (UTC-4) = 05:30 UTC, then 01:30 EST = 06:30 UTC. Run at the first only;
        # next is Mon 2024-11-04 01:30 EST (UTC-5) = 06:30 UTC.
        ("America/New_York", "01:30", utc(2024, 11, 3, 0),
         utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30)),
        # London falls back Sun 2024-10-27 02:00 BST -> 01:00 GMT; 01:30 BST (UTC+1) = 00:30 UTC
        # first (01:30 GMT = 01:30 UTC second); next Mon 2024-10-28 01:30 GMT = 01:30 UTC.
        ("Europe/London", "01:30", utc(2024, 10, 26, 12),
         utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30)),
        # Sydney falls back Sun 2024-04-07 03:00 AEDT -> 02:00 AEST; 02:30 AEDT (UTC+11) =
        # Sat 2024-04-06 15:30 UTC first (02:30 AEST = 16:30 UTC second); next Mon 2024-04-08
        # 02:30 AEST (UTC+10) = Sun 2024-04-07 16:30 UTC.
        ("Australia/Sydney", "02:30", utc(2024, 4, 6, 0),
         utc(2024, 4, 6, 15, 30), utc(2024, 4, 7, 16, 30)),
    ],
)
def test_fall_back_runs_once_at_first_occurrence(tz, at, now, first, following_day) -> None:
    g = guild(tz, at)
    assert next_run(g, now) == first
    # One minute after the first occurrence, during the repeated hour: not again that day.
    assert next_run(g, first + timedelta(minutes=1)) == following_day
    # At the second occurrence the due run is still the first one, with the same local date,
    # so brief_log's (guild, local_date) key stops a second post.
    second = first + timedelta(hours=1)
    (d,) = due([g], second)
    assert d.scheduled_at_utc == first
    assert d.local_date == local_date_of_run(g, first) == (first + timedelta(hours=12)).date()
    assert d.late_by == timedelta(hours=1)


def test_local_date_that_never_existed_has_no_run() -> None:
    # Samoa skipped Fri 2011-12-30 entirely (UTC-10 -> UTC+14). Thu 29th 08:00 (UTC-10) =
    # 18:00 UTC 29th; the next run is Sat 31st 08:00 (UTC+14) = Fri 30th 18:00 UTC.
    g = guild("Pacific/Apia", "08:00")
    assert scheduled_instant("Pacific/Apia", "08:00", date(2011, 12, 30)) is None
    assert next_run(g, utc(2011, 12, 29, 17)) == utc(2011, 12, 29, 18)
    assert next_run(g, utc(2011, 12, 29, 19)) == utc(2011, 12, 30, 18)


def test_half_hour_gap_lord_howe() -> None:
    # Lord Howe springs forward 30 min on Sun 2024-10-06, 02:00 (UTC+10:30) -> 02:30 (UTC+11):
    # 02:15 -> 02:30 local (UTC+11) = Sat 2024-10-05 15:30 UTC.
    assert next_run(guild("Australia/Lord_Howe", "02:15"), utc(2024, 10, 5)) == utc(
        2024, 10, 5, 15, 30)


# --------------------------------------------------------------------- ordinary days


def test_time_already_passed_today_runs_tomorrow() -> None:
    g = guild("Europe/London", "08:00")
    # 2024-06-12 09:00 BST = 08:00 UTC, after 08:00 BST (07:00 UTC) -> Thu 13th 07:00 UTC.
    assert next_run(g, utc(2024, 6, 12, 8)) == utc(2024, 6, 13, 7)


def test_the_current_minute_is_not_missed() -> None:
    g = guild("UTC", "08:00")
    assert next_run(g, utc(2024, 6, 12, 8, 0)) == utc(2024, 6, 12, 8, 0)
    assert next_run(g, datetime(2024, 6, 12, 8, 0, 59, 999, tzinfo=UTC)) == utc(2024, 6, 12, 8)
    assert next_run(g, utc(2024, 6, 12, 8, 1)) == utc(2024, 6, 13, 8)


def test_now_in_another_zone_means_the_same_instant() -> None:
    g = guild("Asia/Tokyo", "09:00")
    now = datetime(2024, 6, 12, 3, 0, tzinfo=ZoneInfo("America/Chicago"))  # = 08:00 UTC
    # 09:00 JST (UTC+9) on Thu 13th = 00:00 UTC 13th; now is 17:00 JST on the 12th.
    assert next_run(g, now) == utc(2024, 6, 13, 0)
    with pytest.raises(ValueError, match="aware"):
        next_run(g, datetime(2024, 6, 12, 8))


def test_weekdays_only_friday_evening_runs_monday() -> None:
    g = guild("America/New_York", "08:00", weekdays_only=True)
    # Fri 2024-03-08 20:00 EST = Sat 01:00 UTC. Sat and Sun skipped; DST starts on Sunday, so
    # Mon 2024-03-11 08:00 EDT (UTC-4) = 12:00 UTC.
    assert next_run(g, utc(2024, 3, 9, 1)) == utc(2024, 3, 11, 12)
    assert next_run(replace(g, weekdays_only=False), utc(2024, 3, 9, 1)) == utc(2024, 3, 9, 13)


def test_weekdays_are_judged_on_the_local_date_not_utc() -> None:
    # Sydney Mon 2024-06-03 07:00 AEST (UTC+10) = Sun 2024-06-02 21:00 UTC: a weekday run
    # on a UTC Sunday.
    syd = guild("Australia/Sydney", "07:00", weekdays_only=True)
    assert next_run(syd, utc(2024, 6, 1, 0)) == utc(2024, 6, 2, 21)
    assert local_date_of_run(syd, utc(2024, 6, 2, 21)) == date(2024, 6, 3)
    # Los Angeles Fri 2024-06-07 20:00 PDT (UTC-7) = Sat 2024-06-08 03:00 UTC: runs, it is
    # Friday locally; the next is Mon 2024-06-10 20:00 PDT = Tue 11th 03:00 UTC.
    la = guild("America/Los_Angeles", "20:00", weekdays_only=True)
    assert next_run(la, utc(2024, 6, 7, 12)) == utc(2024, 6, 8, 3)
    assert local_date_of_run(la, utc(2024, 6, 8, 3)) == date(2024, 6, 7)
    assert next_run(la, utc(2024, 6, 8, 3, 1)) == utc(2024, 6, 11, 3)


def test_not_ready_to_post_has_no_run() -> None:
    g = guild("UTC", "08:00")
    assert next_run(replace(g, brief_enabled=False), utc(2024, 1, 1)) is None
    assert next_run(replace(g, channel_id=None), utc(2024, 1, 1)) is None
    off = [replace(g, brief_enabled=False), replace(g, channel_id=None)]
    assert due(off, utc(2024, 1, 1, 9)) == []


# ------------------------------------------------------------------------------- due()


def test_due_within_grace_and_missed_after_it() -> None:
    g = guild("Europe/London", "08:00")  # 08:00 BST = 07:00 UTC in June
    # 07:59 BST: today's run not yet; yesterday's is 23 h 59 min old, reported missed.
    (d,) = due([g], utc(2024, 6, 12, 6, 59))
    assert d.local_date == date(2024, 6, 11) and d.missed
    (d,) = due([g], utc(2024, 6, 12, 7, 0, 30))
    assert (d.scheduled_at_utc, d.local_date, d.late_by, d.missed) == (
        utc(2024, 6, 12, 7), date(2024, 6, 12), timedelta(0), False)
    (d,) = due([g], utc(2024, 6, 12, 10, 0))  # exactly 3 h late: still inside
    assert not d.missed and d.late_by == DEFAULT_GRACE
    (d,) = due([g], utc(2024, 6, 12, 10, 1))
    assert d.missed and d.late_by == timedelta(hours=3, minutes=1)
    (d,) = due([g], utc(2024, 6, 12, 10, 1), grace=timedelta(hours=4))
    assert not d.missed


def test_due_carries_yesterdays_late_run_past_local_midnight() -> None:
    g = guild("Europe/London", "23:30")
    # Wed 2024-06-12 23:30 BST = 22:30 UTC; now Thu 00:10 BST = Wed 23:10 UTC.
    (d,) = due([g], utc(2024, 6, 12, 23, 10))
    assert d.local_date == date(2024, 6, 12) and d.late_by == timedelta(minutes=40)
    assert not d.missed


def test_due_skips_weekends_on_the_local_date() -> None:
    g = guild("America/New_York", "08:00", weekdays_only=True)
    # Sat 2024-06-15 09:00 EDT = 13:00 UTC: today skipped, Friday's 08:00 EDT run is 25 h old.
    (d,) = due([g], utc(2024, 6, 15, 13))
    assert d.local_date == date(2024, 6, 14) and d.missed
    # Sun 2024-06-16 09:00 EDT: today and yesterday are both weekend days: nothing.
    assert due([g], utc(2024, 6, 16, 13)) == []
    # Mon 2024-06-17 07:00 EDT = 11:00 UTC: Monday's run not yet, Sunday skipped: nothing.
    assert due([g], utc(2024, 6, 17, 11)) == []
    # Mon 08:00 EDT = 12:00 UTC: due.
    (d,) = due([g], utc(2024, 6, 17, 12))
    assert d.local_date == date(2024, 6, 17) and not d.missed


def test_due_leaves_out_excluded_keys_and_bad_schedules(caplog) -> None:
    a, b = guild("UTC", "08:00", guild_id=1), guild("UTC", "08:00", guild_id=2)
    broken = guild("Mars/Olympus_Mons", "08:00", guild_id=3)
    now = utc(2024, 6, 12, 8, 5)
    got = due([a, b, broken], now, exclude={(1, date(2024, 6, 12))})
    assert [d.settings.guild_id for d in got] == [2]
    assert "Mars/Olympus_Mons" in caplog.text
    with pytest.raises(ValueError, match="grace"):
        due([a], now, grace=timedelta(days=1))


# -------------------------------------------------------------------------- properties

ZONES = [
    "UTC", "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe",
    "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Pacific/Kiritimati",
    "Pacific/Apia", "Africa/Casablanca", "America/Santiago", "Europe/Dublin", "Asia/Tehran",
    "America/Havana", "Pacific/Auckland", "America/Los_Angeles", "Europe/Berlin",
]
# Mostly times near DST transitions (00:00-03:59), some anywhere in the day.
hhmm = st.one_of(
    st.tuples(st.integers(0, 3), st.integers(0, 59)),
    st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
).map(lambda t: f"{t[0]:02d}:{t[1]:02d}")
guilds = st.builds(
    guild, st.sampled_from(ZONES), hhmm, weekdays_only=st.booleans(),
    guild_id=st.integers(1, 10**18),
)
nows = st.datetimes(datetime(2005, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC))


def _reference_due(g: GuildSettings, now: datetime, grace: timedelta) -> tuple | None:
    """One guild on its own, from next_run alone: walk runs up to now, keep the last."""
    floor = now.replace(second=0, microsecond=0)
    today = floor.astimezone(ZoneInfo(g.timezone)).date()
    last = None
    run = next_run(g, floor - timedelta(days=3))
    while run is not None and run <= floor:
        last = run
        run = next_run(g, run + timedelta(minutes=1))
    if last is None or local_date_of_run(g, last) < today - timedelta(days=1):
        return None
    return (g.guild_id, last, local_date_of_run(g, last), floor - last, floor - last > grace)


@settings(max_examples=300, deadline=None)
@given(st.lists(guilds, min_size=1, max_size=12, unique_by=lambda g: g.guild_id), nows,
       st.integers(0, 20 * 60))
def test_grouped_due_equals_per_guild_calculation(gs, now, grace_minutes) -> None:
    grace = timedelta(minutes=grace_minutes)
    # Force some guilds to share a group so grouping actually has members to fan out.
    gs = gs + [replace(gs[0], guild_id=-g.guild_id) for g in gs[1:3]]
    grouped = {(d.settings.guild_id, d.scheduled_at_utc, d.local_date, d.late_by, d.missed)
               for d in due(gs, now, grace=grace)}
    expected = {r for g in gs if (r := _reference_due(g, now, grace)) is not None}
    assert grouped == expected


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), hhmm, nows)
def test_run_is_the_first_instant_the_local_clock_reaches_the_time(tz, at, now) -> None:
    """One rule covers both DST cases: a gap gives its end, a fold gives the first pass."""
    g = guild(tz, at)
    run = next_run(g, now)
    assert run is not None and run >= now.replace(second=0, microsecond=0)
    zone = ZoneInfo(tz)
    day = local_date_of_run(g, run)
    wanted = datetime.combine(day, datetime.strptime(at, "%H:%M").time())
    assert run.astimezone(zone).replace(tzinfo=None) >= wanted
    assert (run - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None) < wanted
    assert next_run(g, run) == run  # at-or-after: stable when asked at the run itself


def _transition_days(tz: str, year: int) -> list[date]:
    """Local dates in `year` on which the zone's UTC offset changes (and the day after)."""
    zone = ZoneInfo(tz)
    days: list[date] = []
    day = date(year, 1, 1)
    offset = datetime.combine(day, datetime.min.time(), zone).utcoffset()
    while day.year == year:
        following = day + timedelta(days=1)
        next_offset = datetime.combine(following, datetime.min.time(), zone).utcoffset()
        if next_offset != offset:
            days += [day, following]
        day, offset = following, next_offset
    return days


DST_ZONES = [
    "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe",
    "Pacific/Chatham", "America/St_Johns", "Pacific/Apia", "Africa/Casablanca",
    "America/Santiago", "Europe/Dublin", "America/Havana", "Pacific/Auckland",
]


@st.composite
def transition_day(draw) -> tuple[str, date]:
    """A zone and one of its DST-change dates: uniform random instants almost never hit one."""
    tz = draw(st.sampled_from(DST_ZONES))
    for year in draw(st.permutations(range(2005, 2036))):
        days = _transition_days(tz, year)
        if days:
            return tz, draw(st.sampled_from(days))
    raise AssertionError(f"{tz} has no transitions")


@settings(max_examples=400, deadline=None)
@given(transition_day(), hhmm)
def test_dst_days_follow_the_first_instant_rule(tz_day, at) -> None:
    tz, day = tz_day
    zone = ZoneInfo(tz)
    run = scheduled_instant(tz, at, day)
    if run is None:  # only when the local date (from that time on) does not exist
        assert tz == "Pacific/Apia" and day == date(2011, 12, 30)
        return
    wanted = datetime.combine(day, datetime.strptime(at, "%H:%M").time())
    assert run.astimezone(zone).replace(tzinfo=None) >= wanted
    assert (run - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None) < wanted
    assert run.second == 0 and run.microsecond == 0
    g = guild(tz, at)
    assert local_date_of_run(g, run) == day
    assert next_run(g, run - timedelta(minutes=1)) == next_run(g, run) == run


# ------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(("text", "expected"),
                         [("8:05", "08:05"), ("08:05", "08:05"), ("20:30", "20:30"),
                          (" 0:00 ", "00:00"), ("23:59", "23:59")])
def test_parse_hhmm_accepts(text, expected) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["24:00", "8:5", "8", "08:60", "8am", "", "0805", "-1:00"])
def test_parse_hhmm_rejects_with_a_sentence(text) -> None:
    with pytest.raises(BadInput, match="HH:MM, for example 08:05"):
        parse_hhmm(text)


def test_parse_timezone_is_case_insensitive_and_suggests() -> None:
    assert parse_timezone("america/new_york") == "America/New_York"
    assert parse_timezone(" Europe/London ") == "Europe/London"
    assert parse_timezone("america/new york") == "America/New_York"
    assert parse_timezone("utc") == "UTC"
    with pytest.raises(BadInput, match="Did you mean Asia/Tokyo"):
        parse_timezone("Tokyo")
    with pytest.raises(BadInput, match="Europe/London") as err:
        parse_timezone("Europe/Londn")
    assert str(err.value).count(",") <= 2  # at most three suggestions
    for bad in ("localtime", "Factory", "Nowhere/Special"):
        with pytest.raises(BadInput):
            parse_timezone(bad)


def test_timezone_choices_for_autocomplete() -> None:
    europe_lo = timezone_choices("europe/lo")
    assert "Europe/London" in europe_lo
    assert all(name.lower().startswith("europe/lo") for name in europe_lo)
    assert timezone_choices("new_y")[0] == "America/New_York"
    assert timezone_choices("york")[0] == "America/New_York"
    assert len(timezone_choices("")) == 25
    assert len(timezone_choices("a", limit=5)) == 5
    assert timezone_choices("zzzz") == []


def test_only_place_names_are_time_zones_and_abbreviations_name_the_places() -> None:
    # "EST" is a fixed UTC-5: an hour wrong for New York all summer. Refused, with the places.
    with pytest.raises(BadInput, match="EST may mean America/New_York, ") as err:
        parse_timezone("EST")
    assert "abbreviation" in str(err.value)
    with pytest.raises(BadInput, match="Europe/London"):
        parse_timezone("bst")
    for legacy in ("EST5EDT", "Etc/GMT+5", "CET"):
        with pytest.raises(BadInput):
            parse_timezone(legacy)
    assert parse_timezone("US/Eastern") == "US/Eastern"  # a place (with DST), legacy spelling
    assert zones_for_abbreviation("EST", year=2024)[0] == "America/New_York"
    assert "Asia/Kolkata" in zones_for_abbreviation("ist", year=2024)
    assert zones_for_abbreviation("PST", limit=1, year=2024) == ["America/Los_Angeles"]
    assert zones_for_abbreviation("XYZ", year=2024) == []
    assert not any("/" not in z and z != "UTC" for z in timezone_choices("e", limit=400))
