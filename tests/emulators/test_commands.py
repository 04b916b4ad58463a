"""`atdesk emulate`: clear errors for wrong arguments, a working server for right ones."""

from __future__ import annotations

import socket

import httpx
import pytest
from click.testing import CliRunner

from atdesk.emulators import commands
from atdesk.emulators.base import Emulator
from atdesk.emulators.commands import emulate


def test_an_unknown_network_is_a_clear_usage_error() -> None:
    result = CliRunner().invoke(emulate, ["myspace"])
    assert result.exit_code == 2
    assert "'myspace' is not one of 'x', 'mastodon', 'bluesky'" in result.output
    assert "Traceback" not in result.output


def test_a_port_in_use_is_reported_without_a_traceback() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(emulate, ["x", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("network", ["x", "mastodon", "bluesky"])
def test_it_serves_until_interrupted(network: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, int] = {}

    def one_request_then_ctrl_c(server: Emulator) -> None:
        seen["status"] = httpx.get(f"{server.base_url}/_emulator/faults").status_code
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "wait_for_interrupt", one_request_then_ctrl_c)
    result = CliRunner().invoke(emulate, [network])
    assert result.exit_code == 0, result.output
    assert seen["status"] == 200
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{network} emulator listening on http://127.0.0.1:")
    assert any(line.startswith("ATDESK_") for line in lines)
    assert lines[-1] == "stopping"


def test_the_command_is_registered_for_the_main_cli() -> None:
    assert emulate in commands.commands
