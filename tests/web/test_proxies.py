"""X-Forwarded-For and -Proto count only from a configured proxy: by default nobody (loopback
included) can choose the address the login limiter counts, or claim HTTPS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from threading import Thread

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from atdesk.config import Settings
from atdesk.web.app import create_app
from atdesk.web.proxies import BadProxySetting, TrustedProxies
from atdesk.web.server import uvicorn_options
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import seed
from tests.web.server import free_port

LOCKED = "Too many tries"


def wrong_login(client: httpx.Client | TestClient, forwarded_for: str) -> str:
    """One wrong password for ana, claiming to come from `forwarded_for`; the page's message."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post(
        "/login",
        data={"username": "ana", "password": "not it", "csrf_token": token.group(1)},
        headers={"X-Forwarded-For": forwarded_for},
    )
    assert answer.status_code in (401, 429), answer.text
    shown = re.search(r'data-testid="login-error">([^<]*)<', answer.text)
    return shown.group(1) if shown else ""


def from_loopback(settings: Settings) -> TestClient:
    """A browser whose direct peer address is 127.0.0.1, as behind a proxy on the same host."""
    return TestClient(
        create_app(settings, outbox=RecordingOutbox()),
        client=("127.0.0.1", 40000),
        follow_redirects=False,
    )


def test_forwarded_for_from_loopback_is_ignored_by_default(settings: Settings) -> None:
    seed(settings)
    client = from_loopback(settings)
    messages = [wrong_login(client, f"198.51.100.{n}") for n in range(5)]
    assert LOCKED in messages[-1], "a new X-Forwarded-For each time does not reset the count"


def test_a_trusted_proxys_forwarded_for_is_the_address_the_limiter_counts(
    settings: Settings,
) -> None:
    seed(settings)
    client = from_loopback(replace(settings, trusted_proxies="127.0.0.1, 10.0.0.0/8"))
    messages = [wrong_login(client, "203.0.113.9") for _ in range(5)]
    assert LOCKED in messages[-1]
    assert LOCKED not in wrong_login(client, "203.0.113.10"), "another client is not locked"
    spoofed = "203.0.113.9, 203.0.113.77"
    assert LOCKED not in wrong_login(client, spoofed), "the proxy's entry counts, not the client's"


def test_forwarded_proto_counts_only_from_a_trusted_proxy(settings: Settings) -> None:
    seed(settings)
    https = {"X-Forwarded-Proto": "https"}
    untrusted = from_loopback(settings)
    assert "secure" not in untrusted.get("/login", headers=https).headers["set-cookie"].lower()
    trusted = from_loopback(replace(settings, trusted_proxies="127.0.0.1"))
    assert "; secure" in trusted.get("/login", headers=https).headers["set-cookie"].lower()


@contextmanager
def served_like_atdesk_serve(settings: Settings) -> Iterator[str]:
    """The app under uvicorn with the options `atdesk serve` uses, on a loopback socket."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, outbox=RecordingOutbox()),
            **uvicorn_options(host="127.0.0.1", port=port),
        )
    )
    thread = Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(1000):
            if server.started or not thread.is_alive():
                break
            thread.join(0.02)
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_the_server_itself_does_not_trust_loopback_either(settings: Settings) -> None:
    """Uvicorn believes X-Forwarded-For from 127.0.0.1 unless told not to; atdesk serve tells it."""
    seed(settings)
    with served_like_atdesk_serve(settings) as base, httpx.Client(base_url=base) as client:
        messages = [wrong_login(client, f"198.51.100.{n}") for n in range(5)]
    assert LOCKED in messages[-1]


@pytest.mark.parametrize(
    ("chain", "client"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9, 10.0.0.2", "203.0.113.9"),
        ("1.2.3.4, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        ("10.0.0.3, 10.0.0.2", "10.0.0.3"),
        ("not-an-address, 10.0.0.2", "10.0.0.1"),
        ("", "10.0.0.1"),
    ],
)
def test_the_client_is_the_nearest_address_no_proxy_of_ours_wrote(chain: str, client: str) -> None:
    proxies = TrustedProxies.parse("10.0.0.0/8")
    assert proxies.client_address("10.0.0.1", [chain]) == client


def test_a_wrong_trusted_proxies_entry_stops_the_app_with_what_to_write(
    settings: Settings,
) -> None:
    assert TrustedProxies.parse("") == TrustedProxies()
    assert TrustedProxies.parse(" 192.0.2.7 , 2001:db8::/32 ").trusts("2001:db8::1")
    with pytest.raises(BadProxySetting, match=r"'localhost' is not an IP address or network"):
        create_app(replace(settings, trusted_proxies="10.0.0.1, localhost"))
