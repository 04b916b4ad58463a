"""One tokenizer for every triage model, so training and serving can never disagree."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate

# Hostile input: triage reads at most this many characters of a post (an X direct message's
# limit; real posts are far shorter), and a run of letters or digits longer than this is read as
# several tokens of at most this length (twcs's longest token is 75), so every model's work is
# linear in the text and bounded whatever is posted. The stored post keeps its whole text.
MAX_TEXT_CHARS = 10_000
MAX_TOKEN_CHARS = 100
# Handles, links and numbers carry no meaning for a classifier, only their presence does.
_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_RUN = f"{{1,{MAX_TOKEN_CHARS}}}"  # a letter or digit run as one token, at most this long
_TOKEN = re.compile(
    rf"[^\W\d_]{_RUN}(?:'[^\W\d_]{_RUN})?|\d{_RUN}|[!?$€£#]|:\)|:\(|:d\b"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
)
_DIGITS = re.compile(r"\d+")
# Batches are tokenised as one string: texts joined by a line break and this separator, which
# the token pattern returns as a token of its own. Nothing in `normalise` or in the token
# pattern can match across a line break, so every text gets exactly its own tokens.
SEPARATOR = "\x00"
_JOIN = "\n" + SEPARATOR
# Same tokens as _TOKEN, with a first alternative for plain ASCII words that the regex engine
# matches faster than the Unicode letter class; it gives way (possessively, so at once) when
# the word goes on with another letter, and the Unicode alternative then takes the whole word.
_ASCII_WORD = rf"[a-z]{_RUN}+(?:'[a-z]{_RUN}+)?+(?![^\W\d_]|'[^\W\d_])|"
_TOKEN_OR_SEPARATOR = re.compile(_ASCII_WORD + _TOKEN.pattern + "|" + SEPARATOR)


def readable(text: str) -> str:
    """The part of a post that triage reads: its first MAX_TEXT_CHARS characters."""
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS]


def normalise(text: str) -> str:
    """Lower-case text with handles, links and masked emails replaced by placeholder words."""
    if "http" in text or "www." in text:
        text = _URL.sub(" xurl ", text)
    if "__email__" in text:
        text = text.replace("__email__", " xemail ")
    if "@" in text:
        text = _HANDLE.sub(" xuser ", text)
    return text.lower()


def tokens(text: str) -> list[str]:
    """Words, numbers folded to their length, and the punctuation that signals intent."""
    found = _TOKEN.findall(normalise(readable(text)))
    return [f"0{len(t)}" if t[0].isdigit() else t for t in found]


def fold(token: str) -> str:
    """The token as models see it: a number becomes its length ("0" + digits)."""
    return f"0{len(token)}" if token[0].isdigit() else token


def raw_tokens_many(texts: Sequence[str]) -> list[str]:
    """The tokens of many texts, not yet folded, each text's followed by SEPARATOR.

    Folding every token of `tokens(text)` gives exactly that text's tokens; the whole batch
    is normalised and matched as one string, which saves a call per text.
    """
    if texts and len(max(texts, key=len)) > MAX_TEXT_CHARS:
        texts = [readable(text) for text in texts]
    joined = _JOIN.join(texts) + _JOIN
    if joined.count(SEPARATOR) == len(texts):
        return _TOKEN_OR_SEPARATOR.findall(normalise(joined))
    found: list[str] = []  # a text holds the separator itself: one text at a time
    for text in texts:
        found += _TOKEN.findall(normalise(text))
        found.append(SEPARATOR)
    return found


# Under re.IGNORECASE these four non-ASCII letters also match ASCII ones (İ ı: i, ſ: s, K: k).
_IGNORECASE_FOLDS = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))


def ignorecase_lower(text: str) -> str:
    """Lower-case text in which `word in ignorecase_lower(text)` holds whenever an IGNORECASE
    pattern finds the ASCII word in text: a cheap test before running such a pattern."""
    if not text.isascii():
        for special, ascii_letter in _IGNORECASE_FOLDS:
            if special in text:
                text = text.replace(special, ascii_letter)
    return text.lower()


class WordFinder:
    """Which texts of a batch hold a word as IGNORECASE patterns read them (ignorecase_lower).

    The batch is folded and searched as one string, so a word that appears in few texts costs
    a few `str.find` calls for the whole batch instead of a test per text.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        folded = ignorecase_lower(SEPARATOR.join(texts))
        pieces = folded.split(SEPARATOR)
        self._texts: list[str] | None = None
        if len(pieces) != len(texts):  # a text holds the separator: fold one at a time
            self._texts = [ignorecase_lower(text) for text in texts]
        self._folded = folded
        self._ends = list(accumulate(len(piece) + 1 for piece in pieces))

    def rows(self, words: Iterable[str]) -> set[int]:
        """Rows of the texts that hold at least one of the words."""
        if self._texts is not None:
            return {i for i, text in enumerate(self._texts) if any(w in text for w in words)}
        found: set[int] = set()
        folded, ends = self._folded, self._ends
        for word in words:
            at = folded.find(word)
            while at != -1:
                row = bisect_right(ends, at)
                found.add(row)
                at = folded.find(word, ends[row])
        return found


def strip_accents(word: str) -> str:
    """ASCII-fold a word the way the distilled sentence model's tokenizer does."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def has_digits(text: str) -> bool:
    """Cheap gate before the slower number, phone and date extractors."""
    return _DIGITS.search(text) is not None
