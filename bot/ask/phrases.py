"""The words /ask listens for: intent cues, event phrases, loose asset words, refusals.

Kept apart from the reader so the vocabulary can grow without touching the logic, and so a
reviewer sees in one page every phrase riskon claims to understand. Everything here is applied
to the normalised question (lower case, single spaces, apostrophes dropped, "s and p" -> "s&p").
"""

from __future__ import annotations

import re

# --- loose asset words ------------------------------------------------------------------------
# Not registry aliases (too vague to resolve a symbol option with), but what people mean by them
# in a question. A reading that rests on one is marked less confident.
LOOSE_ASSETS: dict[str, str] = {
    "stocks": "^GSPC",
    "equities": "^GSPC",
    "the stock market": "^GSPC",
    "stock market": "^GSPC",
    "the market": "^GSPC",
    "spy": "^GSPC",
    "spx500": "^GSPC",
    "us stocks": "^GSPC",
    "large caps": "^GSPC",
    "large cap": "^GSPC",
    "crypto": "BTC-USD",
    "cryptos": "BTC-USD",
    "tech": "^IXIC",
    "tech stocks": "^IXIC",
    "qqq": "^NDX",
    "yields": "^TNX",
    "the yield": "^TNX",
    "treasury yield": "^TNX",
    "treasuries": "^TNX",
    "bonds": "^TNX",
    "bond yields": "^TNX",
    "the fear gauge": "^VIX",
    "fear gauge": "^VIX",
    "vol": "^VIX",
    "greenback": "DX-Y.NYB",
    "us dollar": "DX-Y.NYB",
    "eth usd": "ETH-USD",
    "btc usd": "BTC-USD",
    "btcusd": "BTC-USD",
    "ethusd": "ETH-USD",
    "bitcoins": "BTC-USD",
    "sats": "BTC-USD",
    "small-caps": "^RUT",
    "smallcap": "^RUT",
    "small cap stocks": "^RUT",
    "small cap index": "^RUT",
    "the russ": "^RUT",
    "dow 30": "^DJI",
    "xauusd": "GC=F",
}

# Words that look like an alias to a fuzzy matcher but are plain English in a question
# ("either" is 0.91 like "ether", "down" 0.86 like "dow", "golden" 0.8 like "gold").
NOT_ASSETS = frozenset(
    """
    a about above after again against ago all also always am an and any anything are around as
    at ath away back bad be bear bearish been before being below best better between big bottom
    break breaks broke broken bull bullish but buy by calm can change changed chart close closed
    closes closing correlate correlated correlation correlations could cross crossed crossing
    crash crashed data day days death did do does doing done down drawdown drop dropped during
    each either elevated else end even ever every fall fallen falling fell few first for from
    fresh gain gained get go going golden good got great had happen happened happens has have
    he her high higher highs his history hit hits how i if in index into is it its itself just
    last later least less like long look low lower lows made make many market markets max may
    me mean mirror month months more most move moved moves much my near never new news next no
    nor not now of off often on once one only or other others our out over overbought oversold
    past peak percent performance perform performed please price prices pump quote rally really
    record records rise rose run said same say see sell session sessions set should show since
    so some spike spiked still stock such than that the their them then there these they thing
    this those through time times to today top track tracks trade under until up us value very
    vs was we week weeks well were what whats when where whether which while who why will with
    would year years yes yesterday you your
    """.split()
)

# Words that are never the name of an asset, though they may stand where one goes ("is it at
# an ath", "how far is it from the top", "returns after ..."): with NOT_ASSETS, what the reader
# skips when it asks whether a question named an asset riskon does not know. Any other word
# in an asset's place is taken as a name ("is zzzz at an ath?"), and answered as unknown rather
# than silently replaced by a default or by the question's other asset.
PLAIN_WORDS = NOT_ASSETS | frozenset(
    """
    ah actually ahead ain almost alright already am amid an anyone anything anywhere approx avg
    expected forward historical median typical subsequent things stuff
    around asap average aths aye bit break breakdown breakout brief briefly btw bucks buddy
    can cant cap caps check closely come compared composite correction corr currently daily
    date dates decoupled decouple did didnt dip dips distance does doesnt dont dude dumping
    dumped easily entered enter enters entering everything exactly far fine follow followed
    follows following fyi generally give goes going gone guys happening hey hi historically
    hmm hows huh ill im isnt jumped kind lately level levels lol looking lost lots making
    maybe meaning mine moving much nah need nope okay ok opposite overall overview pls plz
    point possible presently pretty previous previously probably pumped quick quickly rallied
    rather react reacted reaching reached reach recap recent recently relationship right rn
    returns return rough roughly sessions simple since soon sort spikes status still sure
    summary tell thanks thank thx tied tightly together topped trading typically update
    usually wanna want wat went wheres whens whats wonder worth yeah yep yet yo ya
    """.split()
)

# --- refusals ---------------------------------------------------------------------------------
# Questions riskon cannot answer from daily prices, with what it says instead. Checked first.
REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"\b(should|shall) (i|we|you)\b|\b(buy|sell|short|long) (now|it|more|the dip)\b"
            r"|\bis (it|now) (a )?(good|bad|right) time\b|\b(good|bad) (buy|investment)\b"
            r"|\bworth (buying|investing)\b|\bfinancial advice\b|\bbuy or sell\b"
            r"|\bbuy the dip\b|\btake profits?\b|\bgo all in\b|\bwhat (should|to) (i )?buy\b"
        ),
        "riskon can't answer that from its data, and it never says what to buy or sell: it "
        "shows what prices did, not what to do.",
    ),
    (
        re.compile(r"\b(fund )?(in|out)?flows?\b|\bnet (inflow|outflow)s?\b|\bcreations?\b"),
        "riskon can't answer that from its data: it has daily prices, not ETF or fund flows.",
    ),
    (
        re.compile(r"\bearnings?\b|\beps\b|\brevenue\b|\bguidance\b|\bdividends?\b|\bp/?e\b"),
        "riskon can't answer that from its data: it has daily prices, not company earnings "
        "or fundamentals.",
    ),
    (
        re.compile(
            r"\bnews\b|\bheadlines?\b|\bwhy (is|did|does|are|was)\b|\bwho (is|was)\b"
            r"|\bwhat caused\b|\bthe reason\b|\btweets?\b|\belection\b|\bfed meeting\b"
        ),
        "riskon can't answer that from its data: it has daily prices, not news or the reasons "
        "behind a move.",
    ),
    (
        re.compile(
            r"\brates? (cut|cuts|hike|hikes)\b|\b(cut|cuts|cutting|hike|hikes|hiked|hiking"
            r"|raised|raises|raising) (interest )?rates\b|\bfomc\b|\bcpi\b|\bjobs report\b"
            r"|\bnon-?farm\b|\bhalving\b|\bfed (cut|hike|decision|announcement)s?\b"
        ),
        "riskon can't answer that from its data: it has daily prices, not economic "
        "announcements or calendar events (it studies events seen in prices, such as "
        "'^VIX close > 30').",
    ),
    (
        re.compile(
            r"\b(will|gonna|going to) .{0,30}\b(go up|go down|moon|pump|dump|crash|rise|fall"
            r"|hit|reach|rally|recover|bottom|top)\b(?!.*\b(after|following|when)\b)"
            r"|\bpredict\w*\b|\bforecast\w*\b|\bprice target\b|\bnext week\b|\bnext month\b"
            r"|\bnext year\b|\bbe worth\b|\bin \d+ (?:years?|months?|weeks?)\b"
            r"|\btomorrow\b|\bby (the )?end of\b"
            r"|\b(?:will|gonna|going to|headed to|heading to|go to|get to)\s+(?:hit\s+)?"
            r"\$?\d[\d,.]*"
            r"\s*(?:k|m|grand)?\b(?!.*\b(after|following|when)\b)"
        ),
        "riskon can't answer that from its data: it measures what happened after past "
        "events, it does not predict prices.",
    ),
)

CAN_ANSWER = (
    "It can tell you whether an asset is at its all-time high, what one asset did after "
    "another's records or a signal, how two assets move together, a quote, or the market brief."
)

EXAMPLES = (
    "is the russell at an all time high?",
    "what did bitcoin do after small caps hit a record?",
    "does eth move with the nasdaq?",
)

# --- intent cues ------------------------------------------------------------------------------
# Each is a regex over the normalised question; the reader weighs which ones are present.

AFTER_CUE = re.compile(
    r"\b(after|afterwards?|following|in the wake of|subsequent(ly)?|thereafter)\b"
    r"|\bwhat (did|does|do|happens?|happened|has|will) .{0,40}\b(do|did|happen|to)\b"
    r"|\bhow (did|does|do|has|have|will|would) .{0,40}\b(do|did|done|perform|performed|react"
    r"|reacted|fare|fared|respond|responded|move|moved|behave|behaved|trade|traded|go|went)\b"
    r"|\b(forward )?returns? (after|following|when)\b|\bwhat happens (to|when|if|next)\b"
    r"|\bwhat happened (to|when|next)\b|\bnext \d+ (days|months)\b|\bthe year after\b"
)

SIGNAL_CUE = re.compile(
    r"\bwhen (did|was|were|has|have|is|does)\b|\blast time\b|\bhow (often|many times|frequently"
    r"|rare|common)\b|\bwhich (days|dates|times)\b|\bwhat dates\b|\bhas .{0,40}\bever\b"
    r"|\bevery time\b(?!.*\b(do|did|happen|perform|react)\b)|\bhistory of\b|\bdates? (when|of)\b"
    r"|\blist (of )?(the )?(times|dates|days)\b|\bhow long (since|ago)\b|\bsince when\b"
    r"|\bis it (still )?(true|happening)\b|\bdoes .{0,30} hold (now|today)\b"
)

ATH_CUE = re.compile(
    r"\b(is|are|was|at|near|from|close to|still|currently|now|right now|how far|distance"
    r"|off|below|away|within)\b"
)

CORR_CUE = re.compile(
    r"\bcorr\w*\b|\bmoves? (with|together|in line|like|in step|in sync)\b|\bmoving (with"
    r"|together)\b|\bmove in (lockstep|tandem|sync|step)\b|\btrack(s|ing)?\b|\bmirror(s|ing)?\b"
    r"|\bfollows?\b(?! .{0,30}\b(record|ath|high|break))|\bin sync\b|\blinked\b|\bcoupled\b"
    r"|\bdecoupl\w*\b|\brelationship\b|\brelated\b|\bmove the same\b|\bsame direction\b"
    r"|\bbeta\b|\blink\w*\b|\bco-?move\w*\b|\bconnected\b|\btied to\b|\bin lockstep\b|\btandem\b"
)

QUOTE_CUE = re.compile(
    r"\bprice\b|\bquote\b|\bhow (is|are|s|was) .{0,30}\b(doing|looking|today|going|trading)\b"
    r"|\bhows\b|\bwhere (is|are|s)\b|\bwheres\b|\btrading at\b|\bwhat (is|are|s) .{0,30}\bat\b"
    r"|\bwhats .{0,30}\bat\b|\blevel\b|\bup or down\b|\bytd\b|\bthis (week|month|year)\b"
    r"|\bworth\b|\bcost\b|\bvalue\b|\bperformance today\b|\bcurrent\b|\bright now\b|\btoday\b"
    r"|\bchange\b|\bdoing\b"
)

BRIEF_CUE = re.compile(
    r"\bbrief\w*\b|\bsummary\b|\bsummar\w*\b|\bovervi\w*\b|\brecap\b|\brundown\b|\bround ?up\b"
    r"|\bwhats (happening|going on|up)\b|\bwhat is (happening|going on)\b"
    r"|\bhow (are|is|were) (the )?(markets?|things)\b|\bmarkets? (today|update|snapshot|wrap)\b"
    r"|\bmorning (note|update)\b|\bdaily (note|update|wrap)\b|\bwhat moved\b|\bmarket news\b"
    r"|\bgive me the markets?\b|\bhow did (the )?markets? (do|close)\b|\bmarkets? doing\b"
)

# --- event phrases ----------------------------------------------------------------------------
# Numbers: "30", "30%", "20 percent", "100k" (k = thousand). A window: "in a week", "over 30
# days", "in 3 months" -> sessions (5 a week, 21 a month, 252 a year).

NUM = r"(?P<num>-?\d+(?:\.\d+)?)\s*(?P<mult>k|m)?"
PCT = r"(?P<pct>-?\d+(?:\.\d+)?)\s*(?:%|percent|pct|per cent)?"
# a move needs its percent sign: "jumped over 30" is a level, "jumped 30%" a move
PCT_MOVE = r"(?P<pct>-?\d+(?:\.\d+)?)\s*(?:%|percent|pct|per cent)"

WINDOW = re.compile(
    r"\b(?:in|over|within|during)\s+(?:(?:a|one|the|1|the past|the last|a single)\s+)?"
    r"(?:(?P<n>\d+)\s+)?(?P<unit>day|days|session|sessions|week|weeks|month|months|quarter"
    r"|quarters|year|years)\b"
    r"|\b(?P<n2>\d+)[- ]?(?P<unit2>day|session|week|month|year)\b"
    r"|\b(?P<daily>daily|intraday|single[- ]day|one[- ]day|weekly|monthly)\b"
)
UNIT_SESSIONS = {"day": 1, "session": 1, "week": 5, "month": 21, "quarter": 63, "year": 252}

# Direction words for a move.
FALL_WORDS = (
    r"fell|falls?|falling|fallen|dropped|drops?|dropping|down|lost|loses|losing|sank|sinks"
    r"|tanked|tanks|plunged|plunges|plummeted|crashed|crashes|crashing|declined|declines"
    r"|slid|slides|slumped|dumped|dumps|tumbled|sold off|shed|corrected|dipped|dips|drawdown of"
    r"|drew down|off"
)
RISE_WORDS = (
    r"rose|rises|rising|risen|gained|gains|gaining|up|jumped|jumps|rallied|rallies|surged"
    r"|surges|climbed|climbs|pumped|pumps|soared|soars|ripped|rips|spiked|spikes|popped|pops"
    r"|added|advanced"
)

ABOVE = (
    r"(?:closed |closes |close |closing |was |is |were |are |went |goes |got |gets |been |stays? "
    r"|stayed |spiked |spikes |jumped |jumps |rose |rises |climbed |moved |moves |traded |trading "
    r"|spiking |broke |breaks |pops? |popped |shot |shoots |surged |crossed |crosses |crossing )*"
    r"(?:above|over|>|higher than|past|beyond|topped|exceeded|north of)"
)
BELOW = (
    r"(?:closed |closes |close |closing |was |is |were |are |went |goes |got |gets |been |stays? "
    r"|stayed |fell |falls |dropped |drops |sank |sinks |slid |slides |moved |moves |traded "
    r"|trading |broke |breaks |dipped |dips |crossed |crosses |crossing |plunged |tanked )*"
    r"(?:below|under|<|lower than|beneath|south of)"
)
ORE = r"(?:\s*(?P<ore>or (?:more|higher|above|less|lower|below|under|over)|and (?:up|above|over)))?"

MA_WORDS = (
    r"(?:-?\s*(?:day|d|session|sessions|days|dma|sma|ma|wma|week))?\s*"
    r"(?:simple )?(?:moving average|moving avg|average|ma|sma|dma|line)?"
)

# (name, pattern): names say what the reader builds from the match. Order matters: earlier
# patterns claim their text first ("52 week high" is a breakout, not a record).
EVENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("golden", re.compile(r"\bgolden[- ]?cross(?:es|ed|ing)?\b")),
    ("death", re.compile(r"\bdeath[- ]?cross(?:es|ed|ing)?\b")),
    (
        "sma_above",
        re.compile(
            r"(?:" + ABOVE + r"|reclaim(?:ed|s)?|back above)\s+(?:its |the |their )?"
            r"(?P<ma>\d+)\s*" + MA_WORDS
            + r"(?<=[a-z])"
        ),
    ),
    (
        "sma_below",
        re.compile(
            r"(?:" + BELOW + r"|lost|loses)\s+(?:its |the |their )?(?P<ma>\d+)\s*" + MA_WORDS
            + r"(?<=[a-z])"
        ),
    ),
    ("oversold", re.compile(r"\boversold\b")),
    ("overbought", re.compile(r"\boverbought\b")),
    (
        "rsi",
        re.compile(
            r"\brsi(?:\s*\(?(?P<win>\d+)\)?)?\s+(?:(?:was|is|went|goes|got|fell|rose|dropped"
            r"|closed|crossed|moved|dipped|dropped)\s+)*(?P<dir>above|over|>|>=|below|under|<|<="
            r"|topped|exceeded|hit|reached|broke|passed|sub|beneath)\s*(?P<num>\d+(?:\.\d+)?)"
        ),
    ),
    (
        "high_n",
        re.compile(
            r"\b(?P<n>\d+)[- ]?(?P<unit>day|session|week|month|year|d|wk)s?[- ]?(?P<hl>high|low)s?"
            r"\b"
        ),
    ),
    (
        "breakout",
        re.compile(
            r"\bbr[eo]a?ke?s? ?out\b|\bbreak(?:ing|s)? ?outs?\b|\bbroken? out\b|\bbreakouts?\b"
            r"|\b(?:yearly|annual|year|1 year|one year|12 month|twelve month)[- ]highs?\b"
            r"|\bnew highs? for the year\b|\b52 ?w(?:ee)?k highs?\b"
        ),
    ),
    (
        "yearlow",
        re.compile(
            r"\b(?:yearly|annual|year|1 year|one year|12 month|52 ?w(?:ee)?k)[- ]lows?\b"
            r"|\bbroke ?down\b|\bbreakdown\b"
        ),
    ),
    ("bear", re.compile(r"\bbear market\b|\bbear territory\b")),
    ("correction", re.compile(r"\bcorrection(?: territory)?\b")),
    (
        "drawdown",
        re.compile(
            r"\b(?:" + FALL_WORDS + r"|drawdown (?:of |over |above |at least )?"
            r"|in a|a)\s+(?:more than |over |at least |about |roughly |by |of )?" + PCT
            + r"(?:\s+(?:drawdown|decline|drop|fall|crash))?\s+(?:or more\s+)?"
            r"(?:from|off|below|under) (?:its |the |their |a )?(?:all[- ]?time[- ]?)?"
            r"(?:high|highs|peak|top|record|ath|max)\b"
            r"|\b" + PCT.replace("pct", "pct2")
            + r"\s+(?:drawdown|below (?:its |the )?(?:high|peak|record|ath|top))"
            r"|\bdrawdown (?:of |over |above |at least |>=? ?|bigger than |deeper than )?"
            + PCT.replace("pct", "pct3")
        ),
    ),
    (
        "ath",
        re.compile(
            r"\ball[- ]?time[- ]?highs?\b|\bath'?s?\b|\brecord(?:[- ]high)?s?\b|\bnew highs?\b"
            r"|\bfresh highs?\b|\ba high\b|\bhighs\b|\bpeak(?:ed|s)?\b|\bnew peak\b|\bat the top\b"
            r"|\bnew tops?\b|\bhigher than ever\b|\bhighest (?:close|level|ever)\b|\bats?h\b"
            r"|\balltime high\b|\ball time hi\b|\bmax(?:imum)? ever\b|\bin a drawdown\b"
            r"|\bdrawdown\b(?!\s*(?:of|over|above|at least|>|\d))"
            r"|\b(?:off|from) (?:the|its|their) (?:highs?|peak|top)\b"
            # "a new russell high": the asset sits inside; only "high" is claimed (group core)
            r"|\b(?:new|fresh|record) (?:[a-z0-9&^.=-]+ ){1,3}?(?P<core>highs?)\b"
        ),
    ),
    (
        "fall",
        re.compile(
            r"\b(?:" + FALL_WORDS + r")\s+(?:by |more than |over |at least |about |roughly "
            r"|as much as )?" + PCT_MOVE
            + r"|\b(?P<pct2>\d+(?:\.\d+)?)\s*(?:%|percent|pct)\s+(?:drop|fall|crash|decline"
            r"|dump|selloff|sell-off|plunge|loss|down day|down move|dip)"
        ),
    ),
    (
        "rise",
        re.compile(
            r"\b(?:" + RISE_WORDS + r")\s+(?:by |more than |over |at least |about |roughly "
            r"|as much as )?" + PCT_MOVE
            + r"|\b(?P<pct2>\d+(?:\.\d+)?)\s*(?:%|percent|pct)\s+(?:rally|gain|jump|pump|rise"
            r"|surge|up day|up move|pop|spike)"
        ),
    ),
    # a trailing % is a level too ("the 10 year above 5%"): moves were claimed above
    ("above", re.compile(r"(?:\b|(?<=\s))" + ABOVE + r"\s*" + NUM + r"(?![\d.])\s*%?" + ORE)),
    ("below", re.compile(r"(?:\b|(?<=\s))" + BELOW + r"\s*" + NUM + r"(?![\d.])\s*%?" + ORE)),
    (
        "vix_high",
        # "spiked above 50" is a level the next pattern reads, not the word alone
        re.compile(
            r"\b(?:spik(?:ed|es|e|ing)|panic\w*|elevated|fear(?:ful)?|blew out)\b"
            r"(?!\s+(?:above|over|past|through|beyond|to|>)\s*\d)"
        ),
    ),
    ("vix_calm", re.compile(r"\b(?:calm|low|quiet|subdued|complacen\w*)\b")),
    ("crash", re.compile(r"\bcrash(?:ed|es)?\b|\bcapitulat\w*\b|\bcollapsed?\b")),
)

# Which segment separators split a question into clauses ("X after Y hit a record").
SEGMENT_SPLIT = re.compile(
    r"\b(?:after|following|when|whenever|once|while|whilst|with|then|if|since|but|as|and|what"
    r"|how|did|does|do|in the wake of)\b|[,;?!:]"
)

# Words that make an event a property of its own asset's question rather than a clause.
TARGET_PHRASES = re.compile(
    r"\bwhat (?:did|does|do|has|will|would) (?P<t1>.{1,30}?) (?:do|did|return|make|look like)\b"
    r"|\bhow (?:did|does|do|has|have|will|would) (?P<t2>.{1,30}?) (?:do|perform|react|fare"
    r"|respond|move|behave|trade|go)\b"
    r"|\bwhat happens? (?:to|with) (?P<t3>.{1,30}?)(?: after| following| when| if|$)"
    r"|\bwhat happened (?:to|with) (?P<t4>.{1,30}?)(?: after| following| when| if|$)"
    r"|^(?P<t5>.{1,30}?) (?:after|following|returns after|performance after|when)\b"
)

# Asset places the reader checks for a name it does not know (see reader._NotAnAsset):
# "a record high for X", "after X", "X vs Y".
EVENT_OF = re.compile(r" (?:for|on|in|of|from) ")
AFTER_SLOT = re.compile(r"\b(?:after|following|when|whenever|once|in the wake of) ")
VS = re.compile(r"\b(?:vs|versus|v) ")
