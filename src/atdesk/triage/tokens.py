"""One tokenizer for every triage model, so training and serving can never disagree."""

from __future__ import annotations

import re
import unicodedata

# Handles, links and numbers carry no meaning for a classifier, only their presence does.
_HANDLE = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_TOKEN = re.compile(
    r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+|[!?$€£#]|:\)|:\(|:d\b|[\U0001F300-\U0001FAFF\u2600-\u27BF]"
)
_DIGITS = re.compile(r"\d+")


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
    found = _TOKEN.findall(normalise(text))
    return [f"0{len(t)}" if t[0].isdigit() else t for t in found]


def strip_accents(word: str) -> str:
    """ASCII-fold a word the way the distilled sentence model's tokenizer does."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def has_digits(text: str) -> bool:
    """Cheap gate before the slower number, phone and date extractors."""
    return _DIGITS.search(text) is not None
