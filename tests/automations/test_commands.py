"""`atdesk rules export | import | dry-run`: the YAML file is the admin's tool outside the UI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from atdesk.cli import main
from atdesk.storage.session import transaction
from tests.factories import make_brand, post, run


@pytest.fixture
def cli(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ATDESK_DATABASE_URL", sqlite_url)
    with transaction(sqlite_url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp please call me back"))
    return CliRunner()


def test_export_edit_import_and_dry_run(cli: CliRunner, tmp_path: Path) -> None:
    exported = cli.invoke(main, ["rules", "export", "Acme"])
    assert exported.exit_code == 0, exported.output
    assert exported.output.startswith("brand: Acme\nrules:\n")
    path = tmp_path / "rules.yaml"
    path.write_text(exported.output.replace("stop: true", "stop: false", 1), encoding="utf-8")
    imported = cli.invoke(main, ["rules", "import", str(path)])
    assert imported.output.strip() == "Acme: 0 created, 1 changed, 0 removed"
    rule = tmp_path / "rule.yaml"
    rule.write_text(
        "name: try\nwhen: {intent: [callback_request]}\nthen: [{type: escalate}]\n",
        encoding="utf-8",
    )
    tried = cli.invoke(main, ["rules", "dry-run", "Acme", str(rule)])
    assert tried.exit_code == 0, tried.output
    assert "1 of the last 1 posts match “try”" in tried.output
    assert "would escalate to supervisors" in tried.output
    rule.write_text("name: bad\nthen: [{type: nope}]\n", encoding="utf-8")
    refused = cli.invoke(main, ["rules", "dry-run", "Acme", str(rule)])
    assert refused.exit_code == 1 and "then.0" in refused.output
    missing = cli.invoke(main, ["rules", "export", "Nope"])
    assert missing.exit_code == 1 and "no brand named 'Nope'" in missing.output
