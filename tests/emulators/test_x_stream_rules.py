"""The X emulator's filtered-stream rules per app, over real sockets with plain httpx: ids and
tags, duplicates, invalid rules, the cap, dry runs, deletes, paging, and `matching_rules`."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from atdesk.emulators.base import wait_until
from atdesk.emulators.x import STREAM_PATH, XEmulator

RULES = "/2/tweets/search/stream/rules"


@pytest.fixture
def x() -> Iterator[XEmulator]:
    emulator = XEmulator(keepalive_interval=0.1)
    emulator.add_account("CityWorksHelp", user_token="tok", app_token="app")
    emulator.add_account("HarborBankHelp", user_token="bank-tok")
    emulator.add_account("OtherHelp", user_token="other-tok", app_token="other-app", app="other")
    with emulator:
        yield emulator
    assert emulator.validation_errors == []


def change(x: XEmulator, body: Any, bearer: str = "app", **params: str) -> httpx.Response:
    return httpx.post(
        f"{x.base_url}{RULES}",
        json=body,
        params=params,
        headers={"authorization": f"Bearer {bearer}"},
    )


def listed(x: XEmulator, bearer: str = "app", **params: str) -> dict[str, Any]:
    answer = httpx.get(
        f"{x.base_url}{RULES}", params=params, headers={"authorization": f"Bearer {bearer}"}
    )
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def add(x: XEmulator, *rules: dict[str, str], bearer: str = "app") -> dict[str, Any]:
    answer = change(x, {"add": list(rules)}, bearer)
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_rules_get_ids_keep_their_tags_and_duplicates_name_the_existing_rule(
    x: XEmulator,
) -> None:
    added = add(
        x,
        {"value": "@CityWorksHelp", "tag": "atdesk:acct:1"},
        {"value": "@HarborBankHelp", "tag": "atdesk:acct:2"},
        {"value": "potholes"},
    )
    assert [r["value"] for r in added["data"]] == ["@CityWorksHelp", "@HarborBankHelp", "potholes"]
    assert added["meta"]["summary"] == {"created": 3, "not_created": 0, "valid": 3, "invalid": 0}
    assert "tag" not in added["data"][2]
    assert listed(x)["data"] == added["data"]

    again = add(x, {"value": "@CityWorksHelp", "tag": "someone else"})
    (error,) = again["errors"]
    assert error["type"].endswith("/duplicate-rules") and error["id"] == added["data"][0]["id"]
    assert "data" not in again and again["meta"]["summary"]["not_created"] == 1


def test_invalid_rules_are_refused_one_by_one_and_valid_ones_kept(x: XEmulator) -> None:
    answer = add(
        x,
        {"value": "-is:retweet"},
        {"value": "colour:blue"},
        {"value": "x" * 1025},
        {"value": "@CityWorksHelp -is:retweet", "tag": "ok"},
    )
    assert [e["type"].rsplit("/", 1)[1] for e in answer["errors"]] == ["invalid-rules"] * 3
    assert answer["meta"]["summary"] == {"created": 1, "not_created": 3, "valid": 1, "invalid": 3}
    assert [r["tag"] for r in listed(x)["data"]] == ["ok"]


def test_malformed_requests_are_answered_400(x: XEmulator) -> None:
    both = change(x, {"add": [{"value": "a"}], "delete": {"ids": ["1"]}})
    assert both.status_code == 400
    assert change(x, {"add": []}).status_code == 400
    assert change(x, {"delete": {"ids": ["not-a-number"]}}).status_code == 400
    assert change(x, {"delete": {}}).status_code == 400
    assert change(x, {"add": [{"value": "a", "colour": "blue"}]}).status_code == 400
    assert change(x, {"add": [{"tag": "no value"}]}).status_code == 400
    assert change(x, ["add"]).status_code == 400
    assert change(x, {"add": [{"value": "a"}]}, bearer="nobody").status_code == 401
    x.validation_errors.clear()  # the refused requests were noted; they were meant to be


def test_a_dry_run_answers_like_the_real_thing_and_keeps_nothing(x: XEmulator) -> None:
    kept = add(x, {"value": "@CityWorksHelp", "tag": "t"})["data"][0]
    dry = change(x, {"add": [{"value": "@HarborBankHelp"}]}, dry_run="true").json()
    assert dry["meta"]["summary"]["created"] == 1 and dry["data"][0]["value"] == "@HarborBankHelp"
    dry_delete = change(x, {"delete": {"ids": [kept["id"]]}}, dry_run="true").json()
    assert dry_delete["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}
    assert listed(x)["data"] == [kept]


def test_rules_are_deleted_by_id_or_value_and_unknown_ones_reported(x: XEmulator) -> None:
    made = add(x, {"value": "a", "tag": "1"}, {"value": "b", "tag": "2"}, {"value": "c"})["data"]
    answer = change(x, {"delete": {"ids": [made[0]["id"], "12345"], "values": ["c"]}}).json()
    assert answer["meta"]["summary"] == {"deleted": 2, "not_deleted": 1}
    assert answer["errors"][0]["value"] == "12345"
    assert listed(x)["data"] == [made[1]]


def test_rules_are_listed_by_page_and_by_id(x: XEmulator) -> None:
    made = add(x, *({"value": f"word{i}"} for i in range(5)))["data"]
    first = listed(x, max_results="2")
    assert first["data"] == made[:2] and len(first["meta"]["next_token"]) == 16
    rest = listed(x, max_results="3", pagination_token=first["meta"]["next_token"])
    assert rest["data"] == made[2:] and "next_token" not in rest["meta"]
    picked = listed(x, ids=f"{made[1]['id']},{made[3]['id']}")
    assert picked["data"] == [made[1], made[3]] and picked["meta"]["result_count"] == 2


def test_rules_past_the_cap_are_refused(x: XEmulator) -> None:
    x.apps["app"].rule_cap = 2
    answer = add(x, {"value": "a"}, {"value": "b"}, {"value": "c"})
    assert answer["meta"]["summary"]["created"] == 2
    assert answer["errors"][0]["type"].endswith("/rule-cap")


def test_each_app_has_its_own_rules_and_user_tokens_act_for_their_app(x: XEmulator) -> None:
    add(x, {"value": "@CityWorksHelp", "tag": "city"})
    add(x, {"value": "@CityWorksHelp", "tag": "other app"}, bearer="other-app")
    assert [r["tag"] for r in listed(x, bearer="bank-tok")["data"]] == ["city"]
    assert [r["tag"] for r in listed(x, bearer="other-tok")["data"]] == ["other app"]


class Reader:
    """Reads one stream connection in a thread, keeping its JSON lines."""

    def __init__(self, x: XEmulator, bearer: str) -> None:
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(x, bearer), daemon=True)
        self.thread.start()

    def _read(self, x: XEmulator, bearer: str) -> None:
        headers = {"authorization": f"Bearer {bearer}"}
        params = {"tweet.fields": "author_id"}
        with httpx.stream(
            "GET", f"{x.base_url}{STREAM_PATH}", headers=headers, params=params, timeout=5
        ) as response:
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.strip():
                    self.lines.put(json.loads(line))

    def next(self) -> dict[str, Any]:
        return self.lines.get(timeout=5)


def test_one_connection_per_app_carries_every_matching_rule_of_that_app(x: XEmulator) -> None:
    city = add(x, {"value": "@CityWorksHelp", "tag": "atdesk:acct:1"})["data"][0]
    bank = add(x, {"value": "@HarborBankHelp", "tag": "atdesk:acct:2"})["data"][0]
    plain = add(x, {"value": "flooding"})["data"][0]
    other = add(x, {"value": "@HarborBankHelp", "tag": "theirs"}, bearer="other-app")["data"][0]
    ours, theirs = Reader(x, "app"), Reader(x, "other-app")
    try:
        assert wait_until(lambda: x.count("GET", STREAM_PATH, 200) == 2)
        both = x.post("dana", "@CityWorksHelp @HarborBankHelp flooding on both your streets")
        line = ours.next()
        assert line["data"]["id"] == both
        assert line["matching_rules"] == [
            {"id": city["id"], "tag": "atdesk:acct:1"},
            {"id": bank["id"], "tag": "atdesk:acct:2"},
            {"id": plain["id"]},
        ]
        assert theirs.next()["matching_rules"] == [{"id": other["id"], "tag": "theirs"}]
        only_city = x.post("ori", "@CityWorksHelp streetlight out")
        assert ours.next()["matching_rules"] == [{"id": city["id"], "tag": "atdesk:acct:1"}]
        assert ours.lines.empty() and only_city
        assert theirs.lines.empty()
    finally:
        ours.stop.set()
        theirs.stop.set()
