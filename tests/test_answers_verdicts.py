"""/after verdicts match their own numbers: three cases built by construction, one rule.

The trigger is the cycling index of `market_fixtures` (one fresh all-time high per cycle, known
dates). The target is a seeded random walk that knows nothing of the trigger, plus, for the
"better" and "worse" cases, a ramp of +/-35% over the 30 days after every event: the events'
forward returns are then far above (below) what any random sample of days does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from bot import fmt
from bot.analytics import event_study, fresh_ath_events
from bot.analytics.caveats import ORDINARY_P, VERDICT_WORDS, classify, study_caveats
from bot.answers.after import answer_after
from bot.answers.verdicts import study_verdict
from bot.market.data import PriceHistory
from bot.market.symbols import resolve
from tests.market_fixtures import _ohlcv, cycling_index

HORIZONS = (30, 90, 180, 365)
FETCHED = datetime(2020, 1, 1, tzinfo=UTC)
WORDS = {v: k for k, v in VERDICT_WORDS.items()}


def target_frame(effect: float, seed: int = 7) -> pd.DataFrame:
    """A 7-day random walk over the trigger's span; after each event a ramp to (1 + effect)."""
    trigger = cycling_index()
    dates = pd.date_range(trigger.index[0], trigger.index[-1], freq="D")
    steps = np.random.default_rng(seed).normal(0.0003, 0.01, len(dates))
    level = np.cumprod(1 + steps)
    if effect:
        multiplier = np.ones(len(dates))
        for event in fresh_ath_events(trigger["Close"], 63):
            start = dates.searchsorted(event)
            ramp = np.linspace(1.0, 1.0 + effect, 31)[1:]
            tail = multiplier[start + 30 :]
            multiplier[start + 1 : start + 31] *= ramp[: len(multiplier[start + 1 : start + 31])]
            tail *= 1.0 + effect
        level = level * multiplier
    return _ohlcv(dates, 100 * level, volume=1.0)


def history(symbol: str, frame: pd.DataFrame) -> PriceHistory:
    return PriceHistory(symbol=symbol, bars=frame, as_of=FETCHED, source="test")


def after(effect: float, seed: int = 7, event: str = "ath"):
    return answer_after(
        resolve("^RUT"),
        history("^RUT", cycling_index()),
        resolve("BTC-USD"),
        history("BTC-USD", target_frame(effect, seed)),
        horizons=HORIZONS,
        min_gap=63,
        event=event,
        lookback=252,
    )


CASES = {"better": 0.35, "worse": -0.35, "ordinary": 0.0}


@pytest.fixture(scope="module")
def answers():
    return {case: after(effect) for case, effect in CASES.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_each_case_reads_the_same_in_verdict_and_caveats(answers, case) -> None:
    insight = answers[case]
    stats = insight.data["stats"]
    ps = {h: stats[str(h)]["p_random_as_good"] for h in HORIZONS}
    if case == "better":  # by construction the events beat nearly every random sample
        assert all(p <= ORDINARY_P[0] for p in ps.values()), ps
    elif case == "worse":
        assert all(p >= ORDINARY_P[1] for p in ps.values()), ps
    else:  # independent of the trigger: inside the ordinary band at every horizon
        assert all(ORDINARY_P[0] < p < ORDINARY_P[1] for p in ps.values()), ps
    first = insight.verdict.split(". ")[0]
    assert first == (
        f"Bitcoin after fresh all-time highs of Russell 2000: {VERDICT_WORDS[case]} at "
        "30 days, 90 days, 180 days and 1 year"
    )
    assert insight.data["verdicts"] == {str(h): case for h in HORIZONS}
    ordinary_caveats = [c for c in insight.caveats if "the result is ordinary" in c]
    if case == "ordinary":
        assert ordinary_caveats == [
            "At 30, 90, 180 and 365 days the result is ordinary: random samples of the same "
            "number of days did as well "
            + " and ".join([", ".join(f"{ps[h]:.0%}" for h in HORIZONS[:-1]), f"{ps[365]:.0%}"])
            + " of the time."
        ]
    else:
        assert ordinary_caveats == []
    assert contradictions(insight) == []


def test_mixed_verdict_names_each_class_and_the_largest_difference() -> None:
    trigger, target = cycling_index()["Close"], target_frame(-0.35)["Close"]
    study = event_study(trigger, target, fresh_ath_events(trigger, 63), HORIZONS)
    from dataclasses import replace

    stats = dict(study.stats)
    stats[90] = replace(stats[90], p_random_as_good=0.5)
    stats[365] = replace(stats[365], p_random_as_good=0.04)
    study = replace(study, stats=stats)
    text = study_verdict(study, trigger="Russell 2000", target="Bitcoin", what="fresh ATHs")
    assert text.startswith(
        "Bitcoin after fresh ATHs of Russell 2000: clearly worse than usual at 30 days and "
        "180 days; ordinary at 90 days; clearly better than usual at 1 year."
    )
    diffs = {h: abs(stats[h].diff_median) for h in HORIZONS}
    big = max(diffs, key=diffs.get)
    assert f"The difference is largest at {fmt.horizon_words(big)}: median " in text
    caveats = study_caveats(study, trigger="Russell 2000", target="Bitcoin")
    (ordinary,) = [c for c in caveats if "the result is ordinary" in c]
    assert ordinary.startswith("At 90 days the result is ordinary")


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.0, "better"), (0.10, "better"), (0.1001, "ordinary"), (0.5, "ordinary"),
     (0.8999, "ordinary"), (0.90, "worse"), (1.0, "worse"), (None, None)],
)  # fmt: skip
def test_the_rule_at_its_edges(p, expected) -> None:
    trigger, target = cycling_index()["Close"], target_frame(0.0)["Close"]
    study = event_study(trigger, target, fresh_ath_events(trigger, 63), (30,), n_boot=100)
    from dataclasses import replace

    assert classify(replace(study.stats[30], p_random_as_good=p)) == expected
    assert classify(replace(study.stats[30], n=0)) is None


def test_counts_read_k_of_n_never_times(answers) -> None:
    for insight in answers.values():
        text = " ".join([insight.verdict, *(v for _, v in insight.figures)])
        assert " times" not in text and "time(s)" not in text
        assert re.search(r"higher in \d+ of \d+ episodes", insight.verdict)


# ----------------------------------------------------------------- the general consistency check

FIGURE = re.compile(
    r"^(?P<h>\d+ (?:days|years?)) after: (?P<cls>.+)$",
)
VALUE = re.compile(
    r"median (?P<m>[-+]?[\d,.]+%|0%), higher in (?P<k>\d+) of (?P<n>\d+) · any day: median "
    r"(?P<bm>\S+), higher (?P<bh>\d+)% · random days as good: (?P<p>\d+)%"
)


def _horizon_days(words: str) -> int:
    number, unit = words.split()
    return int(number) * (365 if unit.startswith("year") else 1)


def contradictions(insight) -> list[str]:
    """Every sentence of an /after answer checked against the numbers in the same answer."""
    problems: list[str] = []
    stats = insight.data["stats"]
    by_h: dict[int, str] = {}
    for label, value in insight.figures:
        m = FIGURE.match(label)
        if not m or value == "no completed window yet":
            continue
        h = _horizon_days(m["h"])
        v = VALUE.search(value)
        if v is None:
            problems.append(f"unparsed figure {label}: {value}")
            continue
        p = int(v["p"]) / 100
        cls = WORDS.get(m["cls"])
        by_h[h] = cls
        # the shown share (rounded) must sit on the side of the line its class says
        exact = stats[str(h)]["p_random_as_good"]
        if abs(exact - p) > 0.005:
            problems.append(f"{h}d: shown {p:.0%} but computed {exact:.3f}")
        if cls == "better" and not exact <= ORDINARY_P[0]:
            problems.append(f"{h}d says better but {p:.0%} of random samples did as well")
        if cls == "worse" and not exact >= ORDINARY_P[1]:
            problems.append(f"{h}d says worse but only {p:.0%} of random samples did as well")
        if cls == "ordinary" and not ORDINARY_P[0] < exact < ORDINARY_P[1]:
            problems.append(f"{h}d says ordinary but {p:.0%} of random samples did as well")
        n, k = stats[str(h)]["n"], round(stats[str(h)]["hit_rate"] * stats[str(h)]["n"])
        if (int(v["k"]), int(v["n"])) != (k, n):
            problems.append(f"{h}d: 'higher in {v['k']} of {v['n']}' but {k} of {n}")
    # The verdict's first sentence: "<class> at <horizons>" groups.
    first = insight.verdict.split(". ")[0].split(": ", 1)[1]
    for group in first.split("; "):
        if not any(group.startswith(c + " at ") for c in [*VERDICT_WORDS.values(), "no completed"]):
            problems.append(f"verdict group without a class: {group!r}")
        for words, cls in VERDICT_WORDS.items():
            if group.startswith(cls + " at "):
                for hw in re.findall(r"\d+ (?:days|years?)", group):
                    if by_h.get(_horizon_days(hw)) != words:
                        problems.append(f"verdict says {cls} at {hw}, figure says otherwise")
    # "higher in k of n" in the verdict agrees with the figures.
    m = re.search(r"(\d+ \w+|A year) later \w+ was higher in (\d+) of (\d+)", insight.verdict)
    if m:
        h = 365 if m[1] == "A year" else _horizon_days(m[1])
        s = stats[str(h)]
        if (int(m[2]), int(m[3])) != (round(s["hit_rate"] * s["n"]), s["n"]):
            problems.append("verdict's k of n differs from the statistics")
    # Caveats: the ordinary horizons named are exactly the ones classed ordinary.
    for c in insight.caveats:
        m = re.match(r"At ([\d, and]+) days the result is ordinary", c)
        if m:
            named = {int(x) for x in re.findall(r"\d+", m[1])}
            if named != {h for h, cls in by_h.items() if cls == "ordinary"}:
                problems.append(f"caveat names {named} ordinary, figures say otherwise")
        m = re.match(r"Only (\d+) completed episodes? at (\d+) days", c)
        if m and stats[m[2]]["n"] != int(m[1]):
            problems.append(f"caveat says {m[1]} episodes at {m[2]} days")
    return problems


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("effect", [-0.1, 0.0, 0.1])
def test_no_sentence_contradicts_a_number(effect, seed) -> None:
    for event in ("ath", "breakout"):
        assert contradictions(after(effect, seed, event)) == []


def test_the_check_catches_a_verdict_that_disagrees(answers) -> None:
    """The checker is not vacuous: the old one-sided wording on a 'worse' answer is caught."""
    from dataclasses import replace

    worse = answers["worse"]
    verdict = worse.verdict.replace("clearly worse than usual", "ordinary", 1)
    tampered = replace(worse, verdict=verdict)
    assert contradictions(tampered)
    figures = [(label.replace("clearly worse than usual", "ordinary"), v) for label, v in
               worse.figures]
    assert contradictions(replace(worse, figures=figures))
