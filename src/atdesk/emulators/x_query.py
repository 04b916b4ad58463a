"""X's query language (filtered-stream rules and recent search), the subset the emulator speaks.

Terms: keywords (whole words, case-insensitive), "exact phrases", #hashtags, @mentions and
the operators `from:`, `to:`, `conversation_id:`, `is:retweet`, `is:reply`. Terms next to
each other must all match; `OR` between terms or groups means either; parentheses group;
a leading `-` negates a term or group. A rule must contain a term that is not negated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OPERATORS = frozenset({"from", "to", "is", "conversation_id"})
IS_VALUES = frozenset({"retweet", "reply"})
_USERNAME = re.compile(r"^\w{1,15}$")
_TOKEN = re.compile(r'-?"[^"]*"|-?\(|\)|[^\s()"]+')

Users = Mapping[str, Mapping[str, Any]]


class QueryError(ValueError):
    """A query X would not parse, with X-like wording."""


@dataclass(frozen=True, slots=True)
class Node:
    """One parsed piece: a term (`kind`, `value`) or a group (`kind` 'and'/'or', `parts`)."""

    kind: str
    value: str = ""
    parts: tuple[Node, ...] = ()
    negated: bool = False


def _term(raw: str, position: int) -> Node:
    negated = raw.startswith("-")
    term = raw[1:] if negated else raw
    if not term:
        raise QueryError(f"A lone '-' is not a rule term (at position {position}).")
    if term.startswith('"'):
        inner = term.strip('"').strip()
        if not inner:
            raise QueryError(f"An empty phrase is not a rule term (at position {position}).")
        return Node("phrase", inner.lower(), negated=negated)
    if term.startswith("@"):
        if not _USERNAME.match(term[1:]):
            raise QueryError(f"'{term}' is not a username (at position {position}).")
        return Node("mention", term[1:].lower(), negated=negated)
    if term.startswith("#") and len(term) > 1:
        return Node("hashtag", term[1:].lower(), negated=negated)
    if ":" in term and not term.startswith(("http:", "https:")):
        name, _, argument = term.partition(":")
        if name not in OPERATORS:
            raise QueryError(f"Reference to invalid operator '{name}' (at position {position}).")
        if not argument or (name == "is" and argument not in IS_VALUES):
            raise QueryError(f"Invalid argument for operator '{name}' (at position {position}).")
        return Node(name, argument.lower(), negated=negated)
    return Node("word", term.lower(), negated=negated)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _TOKEN.findall(text)
        self.at = 0

    def parse(self) -> Node:
        node = self._or()
        if self.at < len(self.tokens):
            raise QueryError(f"Unexpected '{self.tokens[self.at]}' (at position {self.at + 1}).")
        return node

    def _or(self) -> Node:
        parts = [self._and()]
        while self.at < len(self.tokens) and self.tokens[self.at] == "OR":
            self.at += 1
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else Node("or", parts=tuple(parts))

    def _and(self) -> Node:
        parts: list[Node] = []
        while self.at < len(self.tokens) and self.tokens[self.at] not in ("OR", ")"):
            token = self.tokens[self.at]
            self.at += 1
            if token in ("(", "-("):
                inner = self._or()
                if self.at >= len(self.tokens) or self.tokens[self.at] != ")":
                    raise QueryError("Unbalanced parentheses.")
                self.at += 1
                negated = token.startswith("-")
                parts.append(Node(inner.kind, inner.value, inner.parts, negated))
            else:
                parts.append(_term(token, self.at))
        if not parts:
            raise QueryError(f"Expected a term (at position {self.at + 1}).")
        return parts[0] if len(parts) == 1 else Node("and", parts=tuple(parts))


def parse_query(text: str) -> Node:
    """The parsed query; raises QueryError with the reason X would give."""
    if text.count('"') % 2:
        raise QueryError("Unbalanced quotes.")
    node = _Parser(text).parse()
    if not _has_positive(node):
        raise QueryError("Rules must contain a non-negation term.")
    return node


def _has_positive(node: Node) -> bool:
    if node.negated:
        return False
    if node.kind == "and":
        return any(_has_positive(p) for p in node.parts)
    if node.kind == "or":
        return all(_has_positive(p) for p in node.parts)
    return True


def _words(text: str, phrase: str) -> bool:
    pattern = r"(?<![\w#@])" + r"\s+".join(re.escape(w) for w in phrase.split()) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def _hit(node: Node, tweet: Mapping[str, Any], users: Users) -> bool:
    if node.kind == "and":
        found = all(_hit(p, tweet, users) for p in node.parts)
    elif node.kind == "or":
        found = any(_hit(p, tweet, users) for p in node.parts)
    else:
        found = _term_hit(node, tweet, users)
    return found != node.negated


def _term_hit(node: Node, tweet: Mapping[str, Any], users: Users) -> bool:
    entities = tweet.get("entities") or {}
    if node.kind == "mention":
        named = {str(m.get("username", "")).lower() for m in entities.get("mentions", [])}
        return node.value in named
    if node.kind == "hashtag":
        return node.value in {str(h.get("tag", "")).lower() for h in entities.get("hashtags", [])}
    if node.kind == "from":
        author = users.get(str(tweet.get("author_id"))) or {}
        return str(author.get("username", "")).lower() == node.value
    if node.kind == "to":
        reply_to = users.get(str(tweet.get("in_reply_to_user_id"))) or {}
        return str(reply_to.get("username", "")).lower() == node.value
    if node.kind == "conversation_id":
        return str(tweet.get("conversation_id")) == node.value
    if node.kind == "is":
        refs = {r.get("type") for r in tweet.get("referenced_tweets", [])}
        return ("retweeted" if node.value == "retweet" else "replied_to") in refs
    return _words(str(tweet.get("text", "")), node.value)


def query_matches(query: str | Node, tweet: Mapping[str, Any], users: Users) -> bool:
    """Does a post match the query?"""
    node = parse_query(query) if isinstance(query, str) else query
    return _hit(node, tweet, users)
