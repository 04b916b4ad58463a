"""Issue 10, point 8: a seeded fuzz of replay files loses no good post to a bad row.

Real-shaped Customer Support on Twitter CSV and JSON Lines files are written with a few rows
broken on purpose (unclosed quotes, bytes that are not UTF-8, NUL, huge or wrong-typed fields,
missing columns) among good rows that are awkward but valid (quotes, commas, line breaks inside
a field, emoji, HTML entities, a 100,000-character text), in files that may start with a BOM,
end lines with CRLF, hold blank lines and repeat ids. Ingest must raise nothing, store every
good row with its exact text, report every bad row with its line number, and report an id
repeated with other text as a conflict on its line.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atdesk.models import Post as PostRow
from atdesk.pipeline.ingest import ingest_file
from atdesk.storage.session import transaction

pytestmark = pytest.mark.hostile

SEEDS = (1, 2, 3)
ROWS = 40
HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
PHRASES = (
    "my order is late",
    'the box said "fragile", it was not',
    "café crème, s'il vous plaît",
    "parcel 📦 stuck 🚚 since Monday",
    "שלום, the app is in the wrong language",
    "line one\nline two of the same complaint",
    "tabs\tand, commas, everywhere",
    "you charged me twice &amp; I want it back",
    "a path C:\\Users\\me\\receipt.pdf",
    "'quoted' and \"double quoted\" and ,,,",
)
NOT_UTF8 = (b"\xff", b"\xc3\x28", b"\xe9t\xe9", b"\xed\xa0\x80", b"\x80\x80")
HUGE_TEXT_CHARS = 100_000


@dataclass
class Expected:
    """What ingest must do with the file: store these, report those lines."""

    stored: dict[str, str] = field(default_factory=dict)
    bad_lines: list[int] = field(default_factory=list)
    conflict_lines: list[int] = field(default_factory=list)


@dataclass
class ReplayFile:
    """The file's lines (bytes, without line ends) and what ingest must make of them."""

    lines: list[bytes] = field(default_factory=list)
    expected: Expected = field(default_factory=Expected)

    @property
    def next_line(self) -> int:
        """The 1-based number the next line written gets."""
        return len(self.lines) + 1


def _text(rng: random.Random, n: int) -> str:
    """A customer's awkward but valid text; one in ten is huge."""
    text = f"@acmehelp {rng.choice(PHRASES)} #{n}"
    if rng.random() < 0.1:
        text += " " + "x" * HUGE_TEXT_CHARS
    return text


def _csv_field(text: str, newline: str) -> str:
    return '"' + text.replace("\n", newline).replace('"', '""') + '"'


def _csv_row(fields: list[str]) -> str:
    return ",".join(fields)


def _when(n: int) -> str:
    return f"Tue Oct 31 {10 + n // 60:02d}:{n % 60:02d}:07 +0000 2017"


def build_csv(seed: int) -> tuple[bytes, Expected]:
    """A twcs file with ROWS posts, some broken on purpose, and what ingest must make of it."""
    rng = random.Random(seed)
    newline = rng.choice(["\n", "\r\n"])
    out = ReplayFile(lines=[HEADER.encode()])
    written: list[tuple[str, list[str]]] = []  # (id, fields) of good rows, for repeats
    for n in range(1, ROWS + 1):
        if rng.random() < 0.1:
            out.lines.append(b"")
        tweet_id = str(1000 + n)
        text = _text(rng, n)
        fields = [tweet_id, f"1157{n:02d}", "True", _when(n), "", "", ""]
        line = out.next_line
        kind = rng.choice(["good"] * 6 + ["bad", "bad", "repeat"])
        if kind == "repeat" and written:
            earlier_id, earlier = rng.choice(written)
            other = rng.random() < 0.5
            repeat = [*earlier]
            if other:
                repeat[4] = _csv_field(f"@acmehelp another text for {earlier_id}", newline)
                out.expected.conflict_lines.append(line)
            out.lines.extend(_csv_row(repeat).encode().split(newline.encode()))
            continue
        if kind == "bad":
            text = text.replace("\n", " ")
            broken = _break_csv_row(rng, fields, text)
            out.lines.append(broken)
            out.expected.bad_lines.append(line)
            continue
        fields[4] = _csv_field(text, newline)
        written.append((tweet_id, fields))
        out.expected.stored[tweet_id] = html.unescape(text.replace("\n", newline))
        out.lines.extend(_csv_row(fields).encode().split(newline.encode()))
        if rng.random() < 0.3:
            reply_id = str(5000 + n)
            reply = [reply_id, "AcmeHelp", "False", _when(n + 1), "", "", tweet_id]
            reply_text = f"@1157{n:02d} sorry, we are on it #{n}"
            reply[4] = _csv_field(reply_text, newline)
            out.lines.append(_csv_row(reply).encode())
            out.expected.stored[reply_id] = reply_text
    return _join(rng, out.lines, newline), out.expected


def _break_csv_row(rng: random.Random, fields: list[str], text: str) -> bytes:
    """One row made bad in one of the ways real exports break."""
    how = rng.choice(
        [
            "unclosed quote",
            "not utf-8",
            "nul",
            "huge id",
            "bad inbound",
            "bad date",
            "bad reply id",
            "missing column",
            "huge author",
        ]
    )
    quoted = _csv_field(text, "\n")
    if how == "unclosed quote":
        return _csv_row([*fields[:4], quoted[:-1], "", ""]).encode()
    if how == "not utf-8":
        start, end = _csv_row([*fields[:4], quoted[:12]]), quoted[12:]
        return start.encode() + rng.choice(NOT_UTF8) + _csv_row([end, "", ""]).encode()
    if how == "nul":
        return _csv_row([*fields[:4], quoted[:12] + "\x00" + quoted[12:], "", ""]).encode()
    changed = [*fields[:4], quoted, "", ""]
    if how == "huge id":
        changed[0] = "9" * 25
    elif how == "bad inbound":
        changed[2] = "Maybe"
    elif how == "bad date":
        changed[3] = "yesterday"
    elif how == "bad reply id":
        changed[6] = "abc"
    elif how == "missing column":
        changed = changed[:-1]
    else:
        changed[1] = "7" * 300
    return _csv_row(changed).encode()


def _join(rng: random.Random, lines: list[bytes], newline: str) -> bytes:
    bom = b"\xef\xbb\xbf" if rng.random() < 0.5 else b""
    return bom + newline.encode().join(lines) + newline.encode()


def _jsonl_post(n: int, text: str, *, inbound: bool = True) -> dict[str, Any]:
    author = (
        {"id": f"77{n:02d}", "handle": f"customer{n}", "name": f"Customer {n}", "followers": n}
        if inbound
        else {"id": "42", "handle": "AcmeHelp", "name": "Acme Help"}
    )
    post: dict[str, Any] = {
        "network": "x",
        "id": str(2000 + n) if inbound else str(6000 + n),
        "text": text,
        "created_at": f"2026-03-02T{9 + n // 60:02d}:{n % 60:02d}:00Z",
        "author": author,
        "inbound": inbound,
    }
    if inbound:
        post["to"] = "acmehelp"
    else:
        post["in_reply_to"] = str(2000 + n)
    return post


def _line(post: Any) -> bytes:
    return json.dumps(post, ensure_ascii=False).encode()


def build_jsonl(seed: int) -> tuple[bytes, Expected]:
    """A JSON Lines file with ROWS posts, some broken on purpose, and what ingest must make of it."""
    rng = random.Random(seed)
    newline = rng.choice(["\n", "\r\n"])
    out = ReplayFile()
    written: list[dict[str, Any]] = []
    for n in range(1, ROWS + 1):
        if rng.random() < 0.1:
            out.lines.append(b"   ")
        post = _jsonl_post(n, _text(rng, n))
        line = out.next_line
        kind = rng.choice(["good"] * 6 + ["bad", "bad", "repeat"])
        if kind == "repeat" and written:
            repeat = dict(rng.choice(written))
            if rng.random() < 0.5:
                repeat["text"] = f"@acmehelp another text for {repeat['id']}"
                out.expected.conflict_lines.append(line)
            out.lines.append(_line(repeat))
            continue
        if kind == "bad":
            out.lines.append(_break_jsonl_line(rng, post))
            out.expected.bad_lines.append(line)
            continue
        written.append(post)
        out.lines.append(_line(post))
        out.expected.stored[post["id"]] = post["text"]
        if rng.random() < 0.3:
            reply = _jsonl_post(n, f"@customer{n} sorry, we are on it #{n}", inbound=False)
            out.lines.append(_line(reply))
            out.expected.stored[reply["id"]] = reply["text"]
    return _join(rng, out.lines, newline), out.expected


def _break_jsonl_line(rng: random.Random, post: dict[str, Any]) -> bytes:
    """One line made bad in one of the ways hand-made or truncated exports break."""
    how = rng.choice(
        [
            "truncated",
            "not utf-8",
            "raw nul",
            "escaped nul",
            "lone surrogate",
            "text not a string",
            "author not an object",
            "followers",
            "huge id",
            "huge handle",
            "long lang",
            "bad network",
            "naive date",
            "unknown field",
            "not an object",
        ]
    )
    good = _line(post)
    if how == "truncated":
        return good[: rng.randrange(1, len(good) - 1)]
    if how == "not utf-8":
        return good.replace(b"@acmehelp", b"@acme" + rng.choice(NOT_UTF8) + b"help", 1)
    if how == "raw nul":
        return good.replace(b"@acmehelp", b"@acme\x00help", 1)
    if how == "escaped nul":
        return good.replace(b"@acmehelp", b"@acme\\u0000help", 1)
    if how == "lone surrogate":
        return good.replace(b"@acmehelp", b"@acme\\udc00help", 1)
    if how == "not an object":
        return _line([post])
    bad = {**post, "author": dict(post["author"])}
    if how == "text not a string":
        bad["text"] = 42
    elif how == "author not an object":
        bad["author"] = "customer"
    elif how == "followers":
        bad["author"]["followers"] = rng.choice([-1, "many", 2**40])
    elif how == "huge id":
        bad["id"] = "8" * 300
    elif how == "huge handle":
        bad["author"]["handle"] = "h" * 1000
    elif how == "long lang":
        bad["lang"] = "english-as-spoken-in-town"
    elif how == "bad network":
        bad["network"] = "myspace"
    elif how == "naive date":
        bad["created_at"] = "2026-03-02 09:00:00"
    else:
        bad["colour"] = "blue"
    return _line(bad)


def _stored(database_url: str) -> dict[str, str]:
    with transaction(database_url) as session:
        rows = session.execute(select(PostRow.native_id, PostRow.text)).all()
    return {str(native_id): str(text) for native_id, text in rows}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("build", [build_csv, build_jsonl], ids=["csv", "jsonl"])
def test_no_good_row_is_lost_to_a_bad_one(
    database_url: str, tmp_path: Path, seed: int, build: Any
) -> None:
    content, expected = build(seed)
    path = tmp_path / ("replay.csv" if build is build_csv else "replay.jsonl")
    path.write_bytes(content)
    warnings: list[str] = []

    report = ingest_file(path, database_url, warn=warnings.append)

    assert expected.bad_lines, "the seed breaks some rows"
    assert sorted(e.line for e in report.bad_rows) == sorted(expected.bad_lines), [
        str(e) for e in report.bad_rows
    ]
    assert all(e.message for e in report.bad_rows)
    assert report.pipeline.invalid == []
    conflicts = [c.split(":")[0] for c in report.pipeline.conflicts]
    assert conflicts == [f"line {n}" for n in expected.conflict_lines]
    stored = _stored(database_url)
    assert sorted(stored) == sorted(expected.stored), "every good row is stored, no bad one"
    for native_id, text in expected.stored.items():
        assert stored[native_id] == text, native_id
