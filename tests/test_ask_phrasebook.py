"""The /ask phrasebook: questions as people type them, each with the reading it must get.

Written as users write (lower case, typos, slang, emoji, extra words), not as the reader's
patterns: a failure here is a question riskon would misread. The share read correctly is what
`test_phrasebook_share` prints; the target is all of them.
"""

from __future__ import annotations

import pytest

from bot.ask import read

BTC, ETH, RUT, SPX, NDX, IXIC, VIX, GOLD, DXY, TNX, IWM, DJI, SOL = (
    "BTC-USD", "ETH-USD", "^RUT", "^GSPC", "^NDX", "^IXIC", "^VIX", "GC=F", "DX-Y.NYB", "^TNX",
    "IWM", "^DJI", "SOL-USD",
)


def ath(s: str) -> str:
    return f"/ath symbol:{s}"


def quote(s: str) -> str:
    return f"/quote symbol:{s}"


def corr(a: str, b: str) -> str:
    return f"/corr a:{a} b:{b}"


def after(signal: str, target: str = BTC) -> str:
    return f"/after trigger:{signal} target:{target}"


def sig(signal: str) -> str:
    return f"/signal signal:{signal}"


BRIEF = "/brief"
NONE = None  # a refusal or nothing usable: no reading at all

PHRASEBOOK: list[tuple[str, str | None]] = [
    # --- ATH status ---------------------------------------------------------------------------
    ("is the russell at an all time high?", ath(RUT)),
    ("Is the Russell 2000 at an ATH", ath(RUT)),
    ("r2k ath?", ath(RUT)),
    ("are small caps at a record high rn", ath(RUT)),
    ("is bitcoin at its all-time high??", ath(BTC)),
    ("btc ath yet? 🚀", ath(BTC)),
    ("how far is the s&p from its all time high", ath(SPX)),
    ("is the nasdaq near a record", ath(IXIC)),
    ("gold at record highs?", ath(GOLD)),
    ("is eth anywhere close to its ath", ath(ETH)),
    ("S&P 500 ATH status", ath(SPX)),
    ("is spx at a new high", ath(SPX)),
    ("Is the dow at an all time high", ath(DJI)),
    ("how far off the highs is the russel", ath(RUT)),
    ("is bitcon at ath", ath(BTC)),
    ("nasdaq 100 record high?", ath(NDX)),
    ("ethereum all time high", ath(ETH)),
    ("is IWM at an all-time high", ath(IWM)),
    ("distance of the dollar from its record", ath(DXY)),
    ("are we at all time highs on the s and p", ath(SPX)),
    ("is solana at a record?", ath(SOL)),
    # --- event studies ------------------------------------------------------------------------
    ("what did btc do after small caps hit a record?", after(f"{RUT} ath")),
    ("What did Bitcoin do after the Russell 2000 hit an all-time high?", after(f"{RUT} ath")),
    ("btc after russell ath", after(f"{RUT} ath")),
    ("how did eth perform after the nasdaq made a new high", after(f"{IXIC} ath", ETH)),
    ("what happened to gold after the s&p hit a record", after(f"{SPX} ath", GOLD)),
    ("after the russell broke out what did bitcoin do", after(f"{RUT} high 252")),
    ("what does btc do after small caps break out", after(f"{RUT} high 252")),
    ("bitcoin returns after a russell 2000 breakout", after(f"{RUT} high 252")),
    ("what did btc do after the russell fell 20% from its high", after(f"{RUT} drawdown >= 20%")),
    ("after the r2k dropped 20% off the top how did bitcoin do",
     after(f"{RUT} drawdown >= 20%")),
    ("what did bitcoin do after the VIX closed above 30?", after(f"{VIX} close > 30")),
    ("btc when the vix was above 30", after(f"{VIX} close > 30")),
    ("what happens to btc when vix > 40", after(f"{VIX} close > 40")),
    ("how did eth do when volatility was over 35", after(f"{VIX} close > 35", ETH)),
    ("what did the s&p do after a golden cross", after(f"{SPX} sma 50 > sma 200", SPX)),
    ("after the S&P 500's golden cross what did btc do?", after(f"{SPX} sma 50 > sma 200")),
    ("btc after a death cross in the nasdaq", after(f"{IXIC} sma 50 < sma 200")),
    ("what did bitcoin do after the russell closed above its 200 day moving average",
     after(f"{RUT} close > sma 200")),
    ("after the s&p lost the 200dma, how did the nasdaq do",
     after(f"{SPX} close < sma 200", IXIC)),
    ("what did btc do after it fell 10% in a day", after(f"{BTC} change 1 <= -10%")),
    ("what happened to eth after btc dropped 15% in a week", after(f"{BTC} change 5 <= -15%",
                                                                   ETH)),
    ("how did the russell do after bitcoin pumped 30% in a month",
     after(f"{BTC} change 21 >= 30%", RUT)),
    ("what does gold do after the dollar hits a 52 week high", after(f"{DXY} high 252", GOLD)),
    ("btc performance after a fresh Russell ATH while the VIX was calm",
     after(f"{RUT} ath and {VIX} close < 20")),
    ("what did btc do after the russell hit an ath and the vix was below 20",
     after(f"{RUT} ath and {VIX} close < 20")),
    ("what did small caps do after bitcoin made a new ATH", after(f"{BTC} ath", RUT)),
    ("what did eth do following a btc all time high", after(f"{BTC} ath", ETH)),
    ("after btc rsi went below 30 what did it do", after(f"{BTC} rsi 14 < 30", BTC)),
    ("what did bitcoin do after it was oversold", after(f"{BTC} rsi 14 < 30", BTC)),
    ("how did the nasdaq perform after the vix spiked above 40",
     after(f"{VIX} close > 40", IXIC)),
    ("what happens to bitcoin after the s&p enters a bear market",
     after(f"{SPX} drawdown >= 20%")),
    ("nasdaq after a correction in the s&p", after(f"{SPX} drawdown >= 10%", IXIC)),
    ("wat did btc do aftr the russel hit a record", after(f"{RUT} ath")),
    ("what did etherium do after the nasdq broke out", after(f"{IXIC} high 252", ETH)),
    ("what did btc do after gold hit an all time high 🤔", after(f"{GOLD} ath")),
    ("after the 10 year yield closed above 5 what did the s&p do",
     after(f"{TNX} close > 5", SPX)),
    ("what did bitcoin do after the dollar index fell below 100", after(f"{DXY} close < 100")),
    ("what did the russell do after the VIX jumped over 30", after(f"{VIX} close > 30", RUT)),
    ("how did btc react after the nasdaq hit a 20 day low", after(f"{IXIC} low 20")),
    ("after ^VIX close > 30 what did btc do", after(f"{VIX} close > 30")),
    ("what did BTC-USD do after ^RUT ath", after(f"{RUT} ath")),
    ("eth after btc breaks out", after(f"{BTC} high 252", ETH)),
    ("what happened after the russell hit a record?", after(f"{RUT} ath")),
    ("what happens after the vix goes above 30", after(f"{VIX} close > 30")),
    ("returns after small cap records", after(f"{RUT} ath")),
    ("what did btc do after the russell rallied 10% in a month",
     after(f"{RUT} change 21 >= 10%")),
    ("after bitcoin's rsi topped 80, how did it do", after(f"{BTC} rsi 14 > 80", BTC)),
    ("what does sol do after eth hits ath", after(f"{ETH} ath", SOL)),
    # --- when a signal fired ------------------------------------------------------------------
    ("when did the VIX last close above 40", sig(f"{VIX} close > 40")),
    ("when was the last time the vix was over 50", sig(f"{VIX} close > 50")),
    ("how often has the russell fallen 20% from its high", sig(f"{RUT} drawdown >= 20%")),
    ("when did the s&p last have a golden cross", sig(f"{SPX} sma 50 > sma 200")),
    ("how many times has btc dropped 10% in a day", sig(f"{BTC} change 1 <= -10%")),
    ("when was bitcoin last oversold", sig(f"{BTC} rsi 14 < 30")),
    ("last time the nasdaq broke out", sig(f"{IXIC} high 252")),
    ("when did gold last close below its 200 day", sig(f"{GOLD} close < sma 200")),
    ("how often does the vix close above 30?", sig(f"{VIX} close > 30")),
    ("when did small caps last hit a 52 week low", sig(f"{RUT} low 252")),
    ("when was the last death cross on the s&p", sig(f"{SPX} sma 50 < sma 200")),
    ("vix above 30 - when did that last happen", sig(f"{VIX} close > 30")),
    ("has eth ever dropped 30% in a week", sig(f"{ETH} change 5 <= -30%")),
    ("when did the russell last hit an all time high", sig(f"{RUT} ath")),
    ("when did the dxy last go above 110", sig(f"{DXY} close > 110")),
    ("how often is btc rsi above 70", sig(f"{BTC} rsi 14 > 70")),
    # --- correlation --------------------------------------------------------------------------
    ("does eth move with the russell?", corr(ETH, RUT)),
    ("does bitcoin move with small caps", corr(BTC, RUT)),
    ("btc and nasdaq correlation", corr(BTC, IXIC)),
    ("correlation between gold and the dollar", corr(GOLD, DXY)),
    ("does btc mirror the s&p", corr(BTC, SPX)),
    ("is bitcoin correlated with stocks", corr(BTC, SPX)),
    ("do eth and btc move together", corr(ETH, BTC)),
    ("how closely does the russell track the nasdaq", corr(RUT, IXIC)),
    ("corr btc vix", corr(BTC, VIX)),
    ("is gold decoupled from the dollar these days?", corr(GOLD, DXY)),
    ("btc vs r2k correlation 📈", corr(BTC, RUT)),
    ("does bitcoin follow the nasdaq", corr(BTC, IXIC)),
    ("relationship between solana and ether", corr(SOL, ETH)),
    ("is bitcon corelated to the s&p", corr(BTC, SPX)),
    ("do small caps and bitcoin trade together", corr(RUT, BTC)),
    # --- quotes -------------------------------------------------------------------------------
    ("how is btc doing", quote(BTC)),
    ("how's the russell doing today", quote(RUT)),
    ("gold price", quote(GOLD)),
    ("what's eth at", quote(ETH)),
    ("where is the s&p trading", quote(SPX)),
    ("btc price pls", quote(BTC)),
    ("vix level?", quote(VIX)),
    ("how are small caps looking today", quote(RUT)),
    ("what's the dollar doing", quote(DXY)),
    ("nasdaq quote", quote(IXIC)),
    ("price of etherium", quote(ETH)),
    ("how is the 10 year doing", quote(TNX)),
    ("whats bitcoin at rn", quote(BTC)),
    ("solana price today", quote(SOL)),
    ("how did the dow do today", quote(DJI)),
    # --- brief --------------------------------------------------------------------------------
    ("market brief", BRIEF),
    ("what's happening today", BRIEF),
    ("give me the morning brief", BRIEF),
    ("how are markets doing", BRIEF),
    ("market summary pls 🙏", BRIEF),
    ("what's going on in the markets", BRIEF),
    ("daily recap", BRIEF),
    ("any overview of the market today?", BRIEF),
    # --- not from riskon's data ---------------------------------------------------------------
    ("should I buy bitcoin now?", NONE),
    ("what were the IBIT etf flows yesterday", NONE),
    ("when are nvidia earnings", NONE),
    ("why is btc dumping today, any news?", NONE),
    ("is it a good time to buy the dip in small caps", NONE),
    ("will bitcoin hit 200k next year", NONE),
    ("what's the price target for eth", NONE),
    ("hello", NONE),
    ("asdfgh", NONE),
    ("what is the meaning of life", NONE),
    # --- written after the reader was built, as a held-out check of how it generalizes: on
    # first run 118 of 123 were read right; the 5 misses were fixed in the reader's
    # patterns (a name inside 'a new russell high', 'spiked above 50', 'from the top',
    # forecasts), not here
    ("russell 2000 all time high?", ath(RUT)),
    ("did the rut just make a new ath", ath(RUT)),
    ("is bitcoin at a new all-time high today", ath(BTC)),
    ("how close is the nasdaq to ath", ath(IXIC)),
    ("IWM record high??", ath(IWM)),
    ("s&p at ATH or not", ath(SPX)),
    ("are we at ath on btc", ath(BTC)),
    ("gold ATH check", ath(GOLD)),
    ("Is ETH at all time highs", ath(ETH)),
    ("how far below its peak is bitcoin", ath(BTC)),
    ("dow jones record?", ath(DJI)),
    ("is the nasdaq 100 at a record high", ath(NDX)),
    ("what did bitcoin do after previous russell ATHs", after(f"{RUT} ath")),
    ("how has btc performed after the russell 2000 made all time highs", after(f"{RUT} ath")),
    ("when small caps make new highs what does btc do next", after(f"{RUT} ath")),
    ("ETH performance after S&P 500 all time highs", after(f"{SPX} ath", ETH)),
    ("how does gold do after bitcoin hits an ath", after(f"{BTC} ath", GOLD)),
    ("what did the nasdaq do after the vix closed above 30", after(f"{VIX} close > 30", IXIC)),
    ("btc after vix over 25", after(f"{VIX} close > 25")),
    ("what happened to bitcoin after the vix spiked past 40", after(f"{VIX} close > 40")),
    ("btc returns after the s&p fell 10% from its high", after(f"{SPX} drawdown >= 10%")),
    ("what did bitcoin do after the nasdaq dropped 20% from the top",
     after(f"{IXIC} drawdown >= 20%")),
    ("how did eth do after a golden cross on btc", after(f"{BTC} sma 50 > sma 200", ETH)),
    ("what did the s&p do after the russell broke out to a 52 week high",
     after(f"{RUT} high 252", SPX)),
    ("what does btc do after the russell hits a 52-week high", after(f"{RUT} high 252")),
    ("bitcoin after the s&p's death cross", after(f"{SPX} sma 50 < sma 200")),
    ("what did eth do after btc's rsi fell under 30", after(f"{BTC} rsi 14 < 30", ETH)),
    ("what happened to small caps after the 10 year went above 4.5",
     after(f"{TNX} close > 4.5", RUT)),
    ("how did bitcoin do after gold made a record high", after(f"{GOLD} ath")),
    ("what did btc do after the dollar hit a record", after(f"{DXY} ath")),
    ("what did the russell do after the vix dropped below 12", after(f"{VIX} close < 12", RUT)),
    ("how did sol do after eth broke out", after(f"{ETH} high 252", SOL)),
    ("what does bitcoin usually do after a new russell high", after(f"{RUT} ath")),
    ("btc 1 year after russell ath", after(f"{RUT} ath")),
    ("when did the vix last close over 30", sig(f"{VIX} close > 30")),
    ("last time btc fell 20% in a week?", sig(f"{BTC} change 5 <= -20%")),
    ("how many times has the s&p dropped 20% from its high", sig(f"{SPX} drawdown >= 20%")),
    ("when did the nasdaq last hit an all time high", sig(f"{IXIC} ath")),
    ("when was the last golden cross on bitcoin", sig(f"{BTC} sma 50 > sma 200")),
    ("how often has the vix been above 40", sig(f"{VIX} close > 40")),
    ("when did gold last break out", sig(f"{GOLD} high 252")),
    ("when was eth last oversold", sig(f"{ETH} rsi 14 < 30")),
    ("last time the russell closed below its 200 day moving average",
     sig(f"{RUT} close < sma 200")),
    ("how correlated are btc and the s&p 500", corr(BTC, SPX)),
    ("correlation of eth with the nasdaq", corr(ETH, IXIC)),
    ("does gold move with bitcoin", corr(GOLD, BTC)),
    ("btc/spx correlation", corr(BTC, SPX)),
    ("is the russell correlated with bitcoin", corr(RUT, BTC)),
    ("do the vix and the s&p move opposite", corr(VIX, SPX)),
    ("how tightly do eth and sol move together", corr(ETH, SOL)),
    ("does the dollar move with gold", corr(DXY, GOLD)),
    ("correlation russell btc", corr(RUT, BTC)),
    ("does bitcoin track gold", corr(BTC, GOLD)),
    ("whats the price of btc", quote(BTC)),
    ("gold quote pls", quote(GOLD)),
    ("where's the vix at", quote(VIX)),
    ("how is the s&p 500 doing today", quote(SPX)),
    ("eth price now", quote(ETH)),
    ("how's iwm doing", quote(IWM)),
    ("russell 2000 price", quote(RUT)),
    ("what's the nasdaq at today", quote(IXIC)),
    ("sol quote", quote(SOL)),
    ("what is bitcoin trading at", quote(BTC)),
    ("brief please", BRIEF),
    ("what's moving in markets today", BRIEF),
    ("give me today's market overview", BRIEF),
    ("morning market update", BRIEF),
    ("what happened in the markets today", BRIEF),
    ("should i sell my eth", NONE),
    ("is btc going to 100k", NONE),
    ("what are the spy etf inflows", NONE),
    ("apple earnings date", NONE),
    ("any news on the fed today", NONE),
    ("buy or sell russell?", NONE),
    ("thanks riskon", NONE),
    ("yo is btc at ath rn or nah", ath(BTC)),
    ("hey riskon, is the s&p 500 at an all time high?", ath(SPX)),
    ("russel 2k all-time high???", ath(RUT)),
    ("how far is ethereum from the top", ath(ETH)),
    ("bitcoin new ath 🚀🚀", ath(BTC)),
    ("is gold making new highs", ath(GOLD)),
    ("nasdaq composite at record?", ath(IXIC)),
    ("did the dow hit a record high today", ath(DJI)),
    ("what did btc do the last few times the russell hit ath", after(f"{RUT} ath")),
    ("historically what does bitcoin do after russell 2000 all time highs", after(f"{RUT} ath")),
    ("whats btc do after the s&p breaks out", after(f"{SPX} high 252")),
    ("eth after nasdaq ath?", after(f"{IXIC} ath", ETH)),
    ("how does bitcoin react to vix spikes above 30", after(f"{VIX} close > 30")),
    ("what did the s&p 500 do after the vix went over 40", after(f"{VIX} close > 40", SPX)),
    ("what did btc do after the russell entered a bear market", after(f"{RUT} drawdown >= 20%")),
    ("how did eth do after bitcoin fell 30% from its high", after(f"{BTC} drawdown >= 30%", ETH)),
    ("bitcoin after gold broke out", after(f"{GOLD} high 252")),
    ("what did gold do after the dollar fell below 95", after(f"{DXY} close < 95", GOLD)),
    ("what did btc do after the s&p 500 closed below its 200 day", after(f"{SPX} close < sma 200")),
    ("after small caps made a 52 week high what did eth do", after(f"{RUT} high 252", ETH)),
    ("what does the nasdaq do after a golden cross", after(f"{IXIC} sma 50 > sma 200", IXIC)),
    ("btc after the russell dropped 5% in a day", after(f"{RUT} change 1 <= -5%")),
    ("when did btc last hit an ath", sig(f"{BTC} ath")),
    ("how often has gold hit a record", sig(f"{GOLD} ath")),
    ("when did the vix last spike above 50", sig(f"{VIX} close > 50")),
    ("last time small caps were in a bear market", sig(f"{RUT} drawdown >= 20%")),
    ("when did the s&p last close above its 50 day moving average", sig(f"{SPX} close > sma 50")),
    ("how many times has eth rallied 50% in a month", sig(f"{ETH} change 21 >= 50%")),
    ("btc eth correlation", corr(BTC, ETH)),
    ("are gold and btc correlated", corr(GOLD, BTC)),
    ("does the russell 2000 move with the s&p", corr(RUT, SPX)),
    ("is eth tied to btc", corr(ETH, BTC)),
    ("how much does sol move with btc", corr(SOL, BTC)),
    ("correlation: nasdaq vs bitcoin", corr(IXIC, BTC)),
    ("btc price?", quote(BTC)),
    ("how's gold", quote(GOLD)),
    ("where is ethereum trading now", quote(ETH)),
    ("what's the vix doing today", quote(VIX)),
    ("dow price today", quote(DJI)),
    ("quote for IWM", quote(IWM)),
    ("market recap", BRIEF),
    ("whats up with the markets today", BRIEF),
    ("today's brief pls", BRIEF),
    ("should i long btc", NONE),
    ("what's the best stock to buy", NONE),
    ("when is the next fomc meeting", NONE),
    ("btc price prediction", NONE),
    ("how much will eth be worth next year", NONE),
]


# Questions naming, where an asset goes, a name riskon does not know: the answer is that one
# line (with the registry's "did you mean" when it has one), never a reading about a default
# or about the question's other asset. (question, the name quoted, the suggestion or None)
RUT_LABEL, GOLD_LABEL = "Russell 2000 (^RUT)", "Gold futures (GC=F)"
UNKNOWN_ASSETS: list[tuple[str, str, str | None]] = [
    # the subject of an ATH / signal question
    ("is zzzz at an ath?", "zzzz", None),  # was /ath symbol:^GSPC
    ("IS ZZZZ AT AN ATH?", "zzzz", None),  # shouted: capitals say nothing, a word all the same
    ("record high for flurbo?", "flurbo", None),
    ("is dogwif hat at an all time high", "dogwif hat", None),
    ("when did zzzz last hit a record", "zzzz", None),
    ("how often has blorp fallen 20% from its high", "blorp", None),
    ("is rusl at an ath", "rusl", RUT_LABEL),  # too far for the reader's typo match
    # an event study: unknown trigger with a known target, and the other way round
    ("what did bitcoin do after zzzz hit an ath", "zzzz", None),  # was BTC after BTC
    ("btc when flurbo was above 30", "flurbo", None),
    ("what did btc do after the rusl broke out", "rusl", RUT_LABEL),
    ("what did bitcoin do after zzzz", "zzzz", None),  # was /quote symbol:BTC-USD
    ("what did zzzz do after btc hit an ath", "zzzz", None),  # was BTC after BTC
    ("flurbo after the vix closed above 30", "flurbo", None),
    ("how did dogwif hat perform after small caps hit a record", "dogwif hat", None),
    ("what did rusl do after btc hit an ath", "rusl", RUT_LABEL),
    # two assets compared
    ("correlation of zzzz and btc", "zzzz", None),  # was /corr a:BTC-USD b:^GSPC
    ("does eth move with flurbo", "flurbo", None),
    ("btc vs zzzz", "zzzz", None),  # was /quote symbol:BTC-USD
    ("zzzz vs the nasdaq", "zzzz", None),
    ("does eth move with the rusl", "rusl", RUT_LABEL),
    # a quote
    ("how is zzzz doing today", "zzzz", None),
    ("how is golt doing", "golt", GOLD_LABEL),
]


@pytest.mark.parametrize(("question", "expected"), PHRASEBOOK, ids=[q for q, _ in PHRASEBOOK])
def test_phrasebook(question: str, expected: str | None) -> None:
    understanding = read(question)
    got = understanding.reading.command if understanding.reading else None
    assert got == expected, (question, got, [a.command for a in understanding.alternatives])


@pytest.mark.parametrize(
    ("question", "name", "suggestion"), UNKNOWN_ASSETS, ids=[q for q, _, _ in UNKNOWN_ASSETS]
)
def test_unknown_asset(question: str, name: str, suggestion: str | None) -> None:
    u = read(question)
    assert u.reading is None and u.unknown == name, (question, u.reading)
    line = u.message()
    assert line.startswith(f"I don't know an asset called {name!r}") and "\n" not in line
    if suggestion is None:
        assert "Did you mean" not in line and "type a Yahoo ticker in capitals" in line
    else:
        assert line.endswith(f"Did you mean {suggestion}?"), line


def test_phrasebook_share(capsys) -> None:
    """At least 120 questions, and the share read correctly (printed for the closing note)."""
    assert len(PHRASEBOOK) >= 120
    assert len({q for q, _ in PHRASEBOOK}) == len(PHRASEBOOK)
    right = 0
    for question, expected in PHRASEBOOK:
        u = read(question)
        right += (u.reading.command if u.reading else None) == expected
    unknown = sum(read(q).unknown == name for q, name, _ in UNKNOWN_ASSETS)
    with capsys.disabled():
        print(f"\nphrasebook: {right}/{len(PHRASEBOOK)} read correctly")
        print(f"unknown assets: {unknown}/{len(UNKNOWN_ASSETS)} answered as unknown")
    assert right == len(PHRASEBOOK)
    assert unknown == len(UNKNOWN_ASSETS)
