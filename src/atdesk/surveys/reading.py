"""Reading a score out of a customer's free-text reply to a survey.

Pure and cheap (regular expressions, no model, no database): the pipeline calls `read_answer`
on every private message that could answer a survey. The rules are the team's labelling
guide, copied into docs/surveys.md (ADR 93):

1. A number on the question's scale, alone, leading or after a few words ("5", "five",
   "a solid 4", "I'd say 8", "9/10 thanks!", "10 out of 10", keycaps "4️⃣", "🔟").
2. A score on another stated scale is converted and rounded half up ("8/10" is a CSAT 4,
   "4/5" an NPS 8); stars count out of five ("⭐⭐⭐⭐", "★★★★☆", "4 stars").
3. With no number, words and emoji by meaning ("terrible" 1/0, "meh" 3/5, "great" 5/10,
   "👍" 4/8), negation understood ("not good", "wasn't great", "not bad").
4. A quantity is not a score: "2 days late", "3 more questions", "$5", "5:30", "at 5pm",
   "order 12345", "4.5", "1st", "24/7", "50%".
5. Out of range with no stated scale ("6" to CSAT), two different scores ("4 or 5", "7-8"),
   a question, or nothing that reads as a score: None. A corrected score ("3... no 2") is the
   correction; a number beats words that disagree with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from atdesk.surveys.lexicon import (
    CSAT_WORDS,
    DESCRIPTIVE_WORDS,
    INTERROGATIVES,
    NOT_AN_ANSWER,
    NPS_OF_CSAT,
    NPS_PHRASES,
    NUMBER_WORDS,
    ONE_AFTER,
    QUANTITY_AFTER,
    QUANTITY_BEFORE,
)
from atdesk.surveys.scores import Answer, SurveyKind

COMMENT_MAX = 1000
# "@brand@domain 5" on Mastodon, "@brand 5" when a client quotes the handle.
_MENTIONS = re.compile(r"^(?:\s*@[\w.\-]+(?:@[\w.\-]+)?[,:]?)+")
_KEYCAPS = re.compile("(?:[0-9]\ufe0f?\u20e3)+")  # "4️⃣", and "1️⃣0️⃣" is a 10
_TEN = "\U0001f51f"
# Emoji modifiers that change nothing about the meaning: variation selectors, skin tones.
_MODIFIERS = re.compile("[\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

_NUM = r"\d+(?:[.,:]\d+)*|" + "|".join(NUMBER_WORDS)
# A number, maybe with "ish" ("7ish") or stars ("5stars") written onto it.
_TOKEN = re.compile(rf"(?<![\w])(?P<num>{_NUM})(?P<suffix>ish|stars?)?(?![\w])", re.IGNORECASE)
# "on a scale of 1 to 10," and "(1-5)" restate the question: they are not two scores.
_SCALE_PHRASE = re.compile(
    r"(?:on\s+)?(?:a\s+)?scale\s+(?:of\s+|from\s+)?(?:0|1|one|zero)\s*(?:-|–|to)\s*(?:5|10|five|ten)"
    r"|\(\s*(?:0|1)\s*(?:-|–|to)\s*(?:5|10)\s*\)"
    r"|\bfrom\s+(?:0|1|one|zero)\s+to\s+(?:5|10|five|ten)\b",
    re.IGNORECASE,
)
_HUNDRED_PERCENT = re.compile(r"(?<![\w.])100\s*%")
_STATED_SCALE = re.compile(
    rf"\s*(?:/|out\s+of|outta|of)\s*(?P<scale>{_NUM})(?!\w|[.,:]\d)", re.IGNORECASE
)
_STARS_AFTER = re.compile(r"\s*-?\s*(?:stars?\b|\*|[⭐★🌟])", re.IGNORECASE)
_RANGE_AFTER = re.compile(rf"[\s.,]*(?:-|–|—|to|or|/)\s*(?:{_NUM})(?![\w])", re.IGNORECASE)
_BETWEEN = re.compile(rf"\bbetween\s+(?:a\s+)?(?:{_NUM})\s+(?:and|&)\s+(?:{_NUM})\b", re.I)
_NEXT_WORD = re.compile(r"\s*([a-z][a-z']*)")
_PREV_WORD = re.compile(r"([a-z#]+)\W*$")
# Between two scores, these offer the second as an alternative: "4, maybe 5".
_HEDGE = re.compile(r"\b(?:maybe|perhaps|possibly|probably|or)\b", re.IGNORECASE)
_CORRECTION = re.compile(
    r"\b(?:no|nah|nope|actually|well|i\s+mean|i\s+meant|make\s+(?:it|that)|more\s+like|wait"
    r"|sorry|scratch\s+that"
    r"|correction|rather|change\s+(?:it|that)\s+to|on\s+second\s+thought)\b",
    re.IGNORECASE,
)
_STAR_CHARS = "⭐★🌟☆"
# Greetings are not ratings: "good morning, my bill...".
_GREETING = re.compile(r"\bgood\s+(?:morning|afternoon|evening|night|day)\b")
# Rating scales a score may name ("8/10", "4 out of 5"); "3/4" is more likely a date.
SCALES = frozenset((5, 10, 100))


@dataclass(frozen=True, slots=True)
class _Found:
    """A number in the text: the score it gives on the question's scale (None: out of range)."""

    score: int | None
    start: int
    end: int


def read_answer(text: str, kind: SurveyKind) -> Answer | None:
    """The score in a reply to a `kind` survey and the customer's comment, or None when the
    message is not an answer (a question, a new problem, a quantity, two different scores)."""
    plain = _plain(text)
    if not plain.strip():
        return None
    stars = _star_run(plain, kind)
    if stars is not None and plain.lstrip()[:1] in _STAR_CHARS:
        return Answer(stars[0], _comment(plain[stars[1] :]))  # "⭐⭐⭐⭐ (5 if it were faster)"
    found = _numbers(plain, kind)
    if found:
        return _answer_from_number(plain, found, kind)
    if stars is not None:
        return Answer(stars[0], _comment(plain[stars[1] :]))
    # With only quantities ("3 more questions if that's ok") words count only when they lead
    # ("terrible, 2 hours on hold"): a score is then clearly given.
    said = _words(plain, kind, leading=found is not None)
    if said is None and found is not None:
        return None
    if said is None:
        fixed = _spelled(plain)
        return None if fixed is None else read_answer(fixed, kind)
    return Answer(said, _comment(plain))


def _plain(text: str) -> str:
    text = _MENTIONS.sub("", text.translate(_APOSTROPHES), count=1)
    text = _KEYCAPS.sub(lambda m: f" {''.join(c for c in m.group(0) if c.isdigit())} ", text)
    text = text.replace(_TEN, " 10 ")
    text = _MODIFIERS.sub("", text)
    text = _HUNDRED_PERCENT.sub("definitely", text)  # "100% would recommend"
    return _SCALE_PHRASE.sub(lambda m: " " * len(m.group(0)), text)


def _to_scale(value: int, scale: int, kind: SurveyKind) -> int:
    """A score on another scale converted to the question's, rounded half up."""
    if scale == kind.high:
        return max(kind.low, value)
    converted = int((Decimal(value) * kind.high / scale).quantize(Decimal(1), ROUND_HALF_UP))
    return max(kind.low, converted)


def _value(token: str) -> int | None:
    low = token.lower()
    if low in NUMBER_WORDS:
        return NUMBER_WORDS[low]
    return int(token) if token.isdigit() else None


def _numbers(plain: str, kind: SurveyKind) -> list[_Found] | None:
    """The numbers that read as scores (None when there are none at all)."""
    found: list[_Found] = []
    consumed = 0
    saw_number = False
    for match in _TOKEN.finditer(plain):
        saw_number = saw_number or match.group("num").lower() != "one"
        start, end = match.span()
        if start < consumed:
            continue
        result = _one_number(plain, match, kind)
        if result is None:
            continue
        if result.end > end:
            consumed = result.end
        found.append(result)
    if _BETWEEN.search(plain):
        found.append(_Found(None, len(plain), len(plain)))
    return found if found or saw_number else None


def _one_number(plain: str, match: re.Match[str], kind: SurveyKind) -> _Found | None:
    """What one number is: a score (converted), out of range (score None), or nothing."""
    token = match.group("num")
    start, end = match.span()
    value = _value(token)
    before, after = plain[max(0, start - 40) : start], plain[end:]  # the words around it
    suffix = (match.group("suffix") or "").lower()
    if value is None or (token[0] == "0" and len(token) > 1):
        return None  # 4.5, 5:30, 1,000, 0800, 03/04
    if token.lower() == "one":
        previous = _PREV_WORD.search(before.lower())
        if previous is not None and previous.group(1) in ONE_AFTER:
            return None
    prev = before[-1:] or " "
    if prev in "$€£¥#/.,:" and not (prev in ".," and before[-2:-1].isspace()):
        return None  # $5, #12, the 7 of 24/7
    if prev in "-−–" and (len(before) < 2 or before[-2].isspace()):
        return _Found(None, start, end)  # -1
    if prev in "-–" and (before[-2:-1].isalnum()):
        return None  # the 8 of 7-8 (the 7 saw the range), the 1 of 2-for-1
    if re.match(r"\s*(?:and\s+a\s+half\b|½)", after, re.IGNORECASE):
        return None  # "4 and a half" is a decimal said in words
    if (after[:1] and after[:1] in ("%", "$", "€", "£", "x", "×", "'")) or re.match(
        r"[.,:]\d", after
    ):
        return None
    if re.search(r"\bno\.\s*$", before, re.IGNORECASE):
        return None  # "no. 12": a house, a bus
    if suffix.startswith("star"):
        return _Found(_to_scale(value, 5, kind) if value <= 5 else None, start, end)
    after = after[1:] if after[:1] == "+" else after  # "8+" is an 8
    scale = _STATED_SCALE.match(after)
    if scale is not None:
        denominator = _value(scale.group("scale"))
        if denominator not in SCALES or value > denominator:
            return None if denominator is None or denominator <= 12 else _Found(None, start, end)
        if _quantity_next(after[scale.end() :]):
            return None  # "2 of 3 items"
        return _Found(_to_scale(value, denominator, kind), start, end + scale.end())
    stars = _STARS_AFTER.match(after)
    if stars is not None:
        if value > 5:
            return _Found(None, start, end)
        return _Found(_to_scale(value, 5, kind), start, end + stars.end())
    ranged = _RANGE_AFTER.match(after)
    if ranged is not None:
        if _quantity_next(after[ranged.end() :]):
            if re.match(r"\s+[-–—]\s", after):
                return _Found(value if kind.low <= value <= kind.high else None, start, end)
            return None  # "2-3 days" (but "2 - 3 weeks for a card" is a 2 and a comment)
        return _Found(None, start, end + ranged.end())  # "7-8", "4 or 5": no clear score
    if after[:1] == "-" and after[1:2].isalpha():
        return None  # "3-day", "24-hour"
    if _quantity_next(after):
        return None
    previous = _PREV_WORD.search(before.lower())
    if previous is not None and previous.group(1) in QUANTITY_BEFORE:
        return None
    if value >= 100:
        return None  # an order or account number, a year
    if not kind.low <= value <= kind.high:
        return _Found(None, start, end)
    return _Found(value, start, end)


def _quantity_next(after: str) -> bool:
    """Whether the word right after a number makes it a quantity ("days", "more", "pm")."""
    if after[:1] not in (" ", "\t", "") or re.match(r"\s*[-–—:,;.!(]", after):
        return False  # "5 - quick", "5, thanks", "5!" start a comment
    word = _NEXT_WORD.match(after.lower())
    return word is not None and word.group(1) in QUANTITY_AFTER


def _answer_from_number(plain: str, found: list[_Found], kind: SurveyKind) -> Answer | None:
    kept: list[_Found] = []
    for item in found:
        if kept and _CORRECTION.search(plain[kept[-1].end : item.start]):
            kept.pop()  # "3... no 2": the correction stands
        kept.append(item)
    first = kept[0]
    hedged = len(kept) > 1 and _HEDGE.search(plain[first.end : kept[1].start])
    if (
        not plain[: first.start].strip()
        and re.match(r"\s*(?:$|[\n!.,;:()\-–—~])", plain[first.end :])
        and not hedged
    ):
        kept = [first]  # "4 - would've been 5 if...": a leading score, the rest is the comment
    scores = {item.score for item in kept}
    if len(scores) != 1 or None in scores:
        return None  # out of range, or two different scores
    if "?" in plain and _is_question(plain[: first.start]):
        return None
    (score,) = scores
    assert score is not None
    return Answer(score, _comment(plain[kept[-1].end :]))


def _is_question(lead: str) -> bool:
    """A message asking something before its number ("is 5 the max?", "how do I ... 2?")."""
    words = re.findall(r"[a-z']+", lead.lower())
    return bool(words) and (words[0] in INTERROGATIVES or len(words) > 4)


def _star_run(plain: str, kind: SurveyKind) -> tuple[int, int] | None:
    """Stars drawn as emoji or symbols ("⭐⭐⭐⭐", "★★★★☆"): filled ones out of five."""
    run = re.search(r"[⭐★🌟☆](?:\s*[⭐★🌟☆])*", plain)
    if run is None:
        return None
    filled = sum(run.group(0).count(c) for c in "⭐★🌟")
    empty = run.group(0).count("☆")
    if filled > 5 or (filled + empty > 5 and empty):
        return None
    if re.search(r"[⭐★🌟☆]", plain[run.end() :]):
        return None  # two runs of stars: which one?
    return _to_scale(filled, 5, kind), run.end()


def _comment(rest: str) -> str:
    return rest.lstrip(" \t\r\n!.,;:-–—)~").strip()[:COMMENT_MAX]


_PHRASES: dict[str, int] = {
    phrase.replace("_", " "): score for score, said in CSAT_WORDS.items() for phrase in said
}
_DESCRIPTIVE: dict[str, int] = {
    word: score for score, said in DESCRIPTIVE_WORDS.items() for word in said
}
# A word, or one symbol (an emoji), as the word reader sees the text.
_WORD_TOKENS = re.compile(r"[\w'-]+|[^\w\s]")
_LONGEST = max(len(p.split()) for p in [*_PHRASES, *NPS_PHRASES])
_NEGATING = frozenset(("not", "never", "hardly", "nothing", "no"))


def _negated(tokens: list[str], i: int) -> bool:
    """A negation right before, or one word before ("not good", "wasn't very helpful")."""
    for back in (1, 2):
        if i - back < 0:
            return False
        token = tokens[i - back]
        if token in _NEGATING or token.endswith("n't"):
            return True
        if not token[0].isalnum():
            return False
    return False


def _phrases(tokens: list[str], meaning: dict[str, int], *, leading: bool) -> list[tuple[str, int]]:
    """(phrase, position) for each phrase found, longest first at each place, left to right."""
    found: list[tuple[str, int]] = []
    i = words_before = 0
    while i < len(tokens):
        for n in range(min(_LONGEST, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            if phrase in meaning:
                if not leading or words_before <= 1:
                    found.append((phrase, i))
                i += n
                words_before += n
                break
        else:
            words_before += tokens[i][0].isalnum()
            i += 1
    return found


def _words(plain: str, kind: SurveyKind, *, leading: bool = False) -> int | None:
    """The score said in words or emoji alone, or None (a question, a new problem, mixed);
    `leading`: only words at the start of the message count."""
    text = _GREETING.sub("hello", _MODIFIERS.sub("", plain).lower())
    if "?" in text:
        return None
    bare = text.strip(" \t\r\n!.,;:-")
    if any(bare == n or bare.startswith(n + " ") for n in NOT_AN_ANSWER):
        return None
    tokens = _WORD_TOKENS.findall(text)
    rating = _NPS_MEANING if kind is SurveyKind.NPS else _PHRASES
    scores: list[int] = []
    steps: list[int] = []  # the same, as CSAT steps, when they came from the word lists
    for meaning in (rating, _DESCRIPTIVE):
        for phrase, at in _phrases(tokens, meaning, leading=leading):
            if kind is SurveyKind.NPS and phrase in NPS_PHRASES:
                scores.append(NPS_PHRASES[phrase])
                continue
            score = meaning[phrase]
            if _negated(tokens, at):
                score = 3 if score <= 2 else 2  # "not terrible", "wasn't great"
            steps.append(score)
            scores.append(score if kind is SurveyKind.CSAT else NPS_OF_CSAT[score])
        if scores:
            break  # rating words decide; describing words only when there are none
    if not scores:
        return None
    if max(scores) - min(scores) > (1 if kind is SurveyKind.CSAT else 2):
        return None  # "great agent, terrible app": no clear score
    if len(steps) == len(scores) and len(set(steps)) > 1:
        # Neighbouring steps ("not great, not terrible") meet halfway, rounded up.
        middle = int((Decimal(sum(steps)) / len(steps)).quantize(Decimal(1), ROUND_HALF_UP))
        return middle if kind is SurveyKind.CSAT else NPS_OF_CSAT[middle]
    return scores[0]


_NPS_MEANING = {**_PHRASES, **NPS_PHRASES}


# Short answers are often typed fast: "terible", "amaaazing", "okey", "fiv".
_SPELLING_WORDS = 3
_KNOWN = frozenset(
    [p for p in _PHRASES if p.isalpha() and len(p) >= 4] + [w for w in NUMBER_WORDS if len(w) >= 4]
)


def _spelled(plain: str) -> str | None:
    """A short reply with its one misspelt word replaced by the word meant, else None."""
    words = re.findall(r"[^\W\d_]+", plain)
    if not words or len(words) > _SPELLING_WORDS or re.search(r"\d", plain):
        return None
    changed = plain
    for word in words:
        low = word.lower()
        if low in _PHRASES or low in NUMBER_WORDS or len(low) < 3:
            continue
        meant = _closest(low)
        if meant is not None:
            changed = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", meant, changed, count=1)
    return changed if changed != plain else None


def _closest(word: str) -> str | None:
    """The known word one typo away (two for long words), if exactly one fits."""
    squeezed = re.sub(r"(\w)\1{2,}", r"\1", word)  # "amaaazing"
    if squeezed in _KNOWN:
        return squeezed
    allowed = 2 if len(word) >= 8 else 1
    near = {  # a slip rarely hits the first letter
        k for k in _KNOWN if k[0] == squeezed[0] and abs(len(k) - len(squeezed)) <= allowed
    }
    hits = [k for k in near if _distance(squeezed, k, allowed) <= allowed]
    scores = {_PHRASES.get(k, NUMBER_WORDS.get(k)) for k in hits}
    return hits[0] if len(scores) == 1 else None


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance with transpositions (optimal string alignment), cut off past `limit`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]
