"""Bad rows are reported with their line number and skipped; everything else goes in."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from atdesk.channels.errors import MalformedEvent
from atdesk.channels.replay.errors import ReplayFormatError, RowError
from atdesk.channels.replay.jsonl import read_jsonl
from atdesk.channels.replay.reader import read_replay
from atdesk.channels.replay.twcs import normalize_row, read_twcs
from atdesk.domain.posts import RawEvent
from atdesk.pipeline.normalize import normalize

HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
WHEN = "Tue Oct 31 22:10:47 +0000 2017"


def read(text: str) -> tuple[list[str], list[str]]:
    good, bad = [], []
    for item in read_twcs(io.StringIO(text), warn=lambda _: None):
        if isinstance(item, RowError):
            bad.append(str(item))
        else:
            assert isinstance(item, RawEvent)
            good.append(item.payload["tweet_id"])
    return good, bad


def test_each_kind_of_bad_row_is_reported_with_its_line_and_the_rest_goes_in() -> None:
    text = (
        HEADER
        + f'1,a,True,{WHEN},"multi\nline text",2,\n'  # lines 2-3: fine, quoted newline
        + f'2,acme,False,{WHEN},"bad"quote,,1\n'  # line 4: broken quoting
        + f'3,c,True,{WHEN},"never closed,,\n'  # line 5: unterminated quote
        + f"4,d,True,{WHEN},fine,,\n"  # line 6: recovered after it
        + "5,e,True,yesterday,x,,\n"  # line 7: bad date
        + f",f,True,{WHEN},x,,\n"  # line 8: missing id
        + f"7,g,True,{WHEN},x,,,surprise\n"  # line 9: unknown column
        + f"8,h,maybe,{WHEN},x,,\n"  # line 10: bad inbound
        + f"9,i,True,{WHEN},x,12x,\n"  # line 11: bad reply id
    )
    good, bad = read(text)
    assert good == ["1", "4"]
    assert [b.split(":")[0] for b in bad] == [
        "line 4",
        "line 5",
        "line 7",
        "line 8",
        "line 9",
        "line 10",
        "line 11",
    ]
    assert "broken quoting" in bad[0] and "broken quoting" in bad[1]
    assert "bad date" in bad[2] and "missing tweet_id" in bad[3]
    assert "8 columns" in bad[4] and "bad inbound" in bad[5] and "response_tweet_id" in bad[6]


def test_a_file_without_the_twcs_columns_is_refused_as_a_whole() -> None:
    with pytest.raises(ReplayFormatError, match="missing columns"):
        list(read_twcs(io.StringIO("id,text\n1,hello\n")))


def test_normalised_row_keeps_ids_times_and_entities() -> None:
    post = normalize_row(
        {
            "tweet_id": "119237",
            "author_id": "105834",
            "inbound": "True",
            "created_at": "Wed Oct 11 06:55:44 +0000 2017",
            "text": "@AppleSupport causing the reply to be disregarded &amp; the tapped",
            "response_tweet_id": "119236,119238",
            "in_response_to_tweet_id": "3.0",
        }
    )
    assert post.native_id == "119237" and post.in_reply_to == "3"
    assert post.reply_ids == ("119236", "119238")
    assert post.to_handle == "AppleSupport" and post.inbound is True
    assert post.created_at.isoformat() == "2017-10-11T06:55:44+00:00"
    assert "&amp;" not in post.text and "& the" in post.text


def test_jsonl_lines_are_validated_one_by_one() -> None:
    good = {
        "network": "mastodon",
        "id": "9001",
        "text": "@help bin not collected",
        "created_at": "2026-03-01T14:07:00Z",
        "author": {"id": "77", "handle": "dana@example.social"},
        "coordinates": [37.7, -122.4],
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "id": None}),
        json.dumps({**good, "network": "myspace"}),
        json.dumps({**good, "created_at": "2026-03-01T14:07:00"}),
        json.dumps({**good, "coordinates": [200, 1]}),
        json.dumps({**good, "colour": "blue"}),
        "",
        json.dumps({**good, "id": "9002"}),
    ]
    items = list(read_jsonl(io.StringIO("\n".join(lines) + "\n")))
    errors = [str(i) for i in items if isinstance(i, RowError)]
    assert [i.payload["id"] for i in items if isinstance(i, RawEvent)] == ["9001", "9002"]
    assert [e.split(":")[0] for e in errors] == [
        "line 2",
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "not valid JSON" in errors[0] and "missing id" in errors[1]
    assert "unknown network" in errors[2] and "time zone" in errors[3]
    assert "out of range" in errors[4] and "unknown fields: colour" in errors[5]


def test_a_line_nested_a_thousand_deep_costs_its_row_only(tmp_path: Path) -> None:
    """json.loads raises RecursionError there; it lost the whole file, good rows before it too."""
    good = json.dumps(
        {
            "network": "mastodon",
            "id": "9001",
            "text": "@help bin not collected",
            "created_at": "2026-03-01T14:07:00Z",
            "author": {"id": "77", "handle": "dana@example.social"},
        }
    )
    deep = '{"x": ' + "[" * 3000 + "]" * 3000 + "}"
    path = tmp_path / "replay.jsonl"
    path.write_text("\n".join([good, deep, good.replace("9001", "9002")]) + "\n")
    items = list(read_replay(path))
    assert [i.payload["id"] for i in items if isinstance(i, RawEvent)] == ["9001", "9002"]
    assert [str(i) for i in items if isinstance(i, RowError)] == [
        "line 2: not valid JSON here: nested too deeply"
    ]


def test_a_byte_that_is_not_utf8_costs_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "replay.csv"
    path.write_bytes(
        HEADER.encode()
        + f"1,a,True,{WHEN},fine,,\n".encode()
        + f"2,b,True,{WHEN},caf\xe9 latin-1,,\n".encode("latin-1")  # line 3
        + f'3,c,True,{WHEN},"two\nlines \xff",,\n'.encode("latin-1")  # lines 4-5, bad on 5
        + f"4,d,True,{WHEN},caf\u00e9 in UTF-8,,\n".encode()
    )
    items = list(read_replay(path, warn=lambda _: None))
    good = [i.payload["tweet_id"] for i in items if isinstance(i, RawEvent)]
    bad = [str(i) for i in items if isinstance(i, RowError)]
    assert good == ["1", "4"]
    assert bad == [
        "line 3: not valid UTF-8: byte 0xe9 at column 44",
        "line 5: not valid UTF-8: byte 0xff at column 7",
    ]


def test_a_jsonl_line_with_bad_bytes_or_a_lone_surrogate_is_skipped(tmp_path: Path) -> None:
    post = {
        "network": "x",
        "text": "@help hi",
        "created_at": "2026-03-01T14:07:00Z",
        "author": {"id": "77", "handle": "dana"},
    }
    path = tmp_path / "replay.jsonl"
    path.write_bytes(
        json.dumps({**post, "id": "1"}).encode()
        + b"\n"
        + json.dumps({**post, "id": "2", "text": "caf\u00e9"}, ensure_ascii=False)
        .encode()
        .replace("é".encode(), b"\xe9")
        + b"\n"
        + json.dumps({**post, "id": "3", "author": {"id": "8", "name": "\ud800"}}).encode()
        + b"\n"
        + json.dumps({**post, "id": "4", "text": "ok \U0001f600"}).encode()
        + b"\n"
    )
    items = list(read_replay(path, warn=lambda _: None))
    good = [i.payload["id"] for i in items if isinstance(i, RawEvent)]
    bad = [str(i) for i in items if isinstance(i, RowError)]
    assert good == ["1", "4"]
    assert bad[0].startswith("line 2: not valid UTF-8: byte 0xe9 at column ")
    assert bad[1] == (
        "line 3: author.name: an unpaired surrogate U+D800 at column 1; text must be valid Unicode"
    )


def test_the_readers_hand_on_the_post_they_validated_and_the_bus_never_carries_it() -> None:
    text = HEADER + f"7,115712,True,{WHEN},@sprintcare my phone &amp; bill,,\n"
    (event,) = list(read_twcs(io.StringIO(text), warn=lambda _: None))
    assert isinstance(event, RawEvent) and event.post is not None
    assert normalize(event) is event.post, "not normalised a second time"
    assert (
        event.post == normalize_row(event.payload)
        and event.post.text == "@sprintcare my phone & bill"
    )
    line = json.dumps(
        {
            "network": "x",
            "id": "8",
            "text": "hi",
            "created_at": "2017-10-31T22:10:47Z",
            "author": {"id": "9", "handle": "kim"},
        }
    )
    (jsonl,) = list(read_jsonl(io.StringIO(line + "\n")))
    assert isinstance(jsonl, RawEvent) and jsonl.post is not None and jsonl.post.native_id == "8"
    carried = RawEvent.from_json(json.loads(json.dumps(jsonl.to_json())))
    assert carried.post is None and "post" not in jsonl.to_json()
    assert normalize(carried) == jsonl.post


def test_a_handed_on_post_too_long_to_store_is_still_refused() -> None:
    post = normalize_row(
        {"tweet_id": "7", "author_id": "a", "inbound": "True", "created_at": WHEN, "text": "hi"}
    )
    long_lang = replace(post, lang="x" * 40)
    with pytest.raises(MalformedEvent, match="language has 40 characters"):
        normalize(RawEvent(source="twcs", payload={}, post=long_lang))
