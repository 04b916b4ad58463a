"""Mastodon statuses are HTML; agents, triage and search need the words the author typed.

Paragraphs become blank lines, `<br>` a newline, links their full address (Mastodon hides
parts of long URLs in `invisible` spans; they are kept), mentions `@acct` so a remote
`@dana` reads `@dana@example.social`, and entities are decoded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any


class _TextParser(HTMLParser):
    def __init__(self, mention_accts: Mapping[str, str]) -> None:
        super().__init__(convert_charrefs=True)
        self._mentions = mention_accts
        self._paragraphs: list[str] = []
        self._current: list[str] = []
        self._suppress = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._current.append("\n")
        elif tag == "p":
            self._close_paragraph()
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if self._suppress:
                self._suppress += 1
            elif href in self._mentions:
                # The anchor reads "@<span>dana</span>"; write the full acct instead.
                self._current.append("@" + self._mentions[href])
                self._suppress = 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._close_paragraph()
        elif tag == "a" and self._suppress:
            self._suppress -= 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if not self._suppress:
            self._current.append(data)

    def _close_paragraph(self) -> None:
        text = "".join(self._current).strip()
        if text:
            self._paragraphs.append(text)
        self._current = []

    def text(self) -> str:
        self._close_paragraph()
        return "\n\n".join(self._paragraphs)


def html_to_text(content: str, mentions: Iterable[Mapping[str, Any]] = ()) -> str:
    """Clean text of a status's HTML `content`, mentions spelled as `@acct`."""
    accts = {
        str(m.get("url")): str(m.get("acct")) for m in mentions if m.get("url") and m.get("acct")
    }
    parser = _TextParser(accts)
    parser.feed(content)
    parser.close()
    return "\n".join(line.rstrip() for line in parser.text().split("\n"))
