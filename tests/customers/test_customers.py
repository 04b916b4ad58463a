"""One person across networks: import, link and unlink handles, and cases follow the record."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from atdesk.accounts.service import create_token, create_user
from atdesk.config import Settings
from atdesk.customers.service import CustomerError, import_customers
from atdesk.domain.cases import Role
from atdesk.models import Case, Customer
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.factories import make_brand, post, run

CSV = """external_id,name,email,phone,x_handle,mastodon_acct,bluesky_handle
C-1,Dana Reyes,dana@example.org,+1 415 555 0142,@dana,dana@social.example,dana.bsky.social
C-2,Lee Park,,,lee,,
,Kim,kim@example.org,,,,
C-3,Bad Mail,not-an-email,,,,
C-4,Too,many,columns,,,,,
"""


def test_import_then_reimport_updates_and_never_duplicates(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    with transaction(database_url) as session:
        first = import_customers(session, path)
    assert (first.created, first.updated) == (3, 0)
    assert [e.split(":")[0] for e in first.errors] == ["line 5", "line 6"]
    assert "bad email" in first.errors[0]
    path.write_text(
        CSV.replace("Lee Park", "Lee Park-Smith").replace(",,,,\n", ",555-0100,,,\n", 1),
        encoding="utf-8",
    )
    with transaction(database_url) as session:
        second = import_customers(session, path)
        assert second.created == 0 and second.updated >= 1
        assert len(session.scalars(select(Customer)).all()) == 3
        lee = session.scalar(select(Customer).where(Customer.external_id == "C-2"))
        assert lee is not None and lee.name == "Lee Park-Smith"
        dana = session.scalar(select(Customer).where(Customer.external_id == "C-1"))
        assert dana is not None
        assert sorted((h.network, h.handle) for h in dana.handles) == [
            ("bluesky", "dana.bsky.social"),
            ("mastodon", "dana@social.example"),
            ("x", "dana"),
        ]


def test_wrong_columns_refuse_the_file(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,name\n1,x\n", encoding="utf-8")
    with (
        transaction(database_url) as session,
        pytest.raises(CustomerError, match="missing external_id"),
    ):
        import_customers(session, path)


def test_cases_on_every_network_follow_the_customer_record(
    settings: Settings, tmp_path: Path
) -> None:
    url = settings.database_url
    path = tmp_path / "customers.csv"
    path.write_text(CSV, encoding="utf-8")
    with transaction(url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp card declined", handle="dana", author="4400000001"))
        import_customers(session, path)
        user = create_user(
            session, username="ana", password="correct horse battery", role=Role.AGENT
        )
        token = create_token(session, user)
    with transaction(url) as session:
        from atdesk.brands.service import add_account
        from atdesk.domain.networks import Network
        from atdesk.models import Brand

        brand = session.scalars(select(Brand)).one()
        add_account(session, brand, Network.MASTODON, "acme@social.example")
        run(
            session,
            post(
                "m1",
                "@acme@social.example still declined",
                network="mastodon",
                author="77",
                handle="dana@social.example",
                to="acme@social.example",
                minutes=60,
            ),
            post("2", "@acmehelp unrelated", handle="lee2", author="4400000009"),
        )
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        dana = session.scalar(select(Customer).where(Customer.external_id == "C-1"))
        assert dana is not None
        assert [c.customer_id for c in cases] == [dana.id, dana.id, None]

    client = TestClient(create_app(settings))
    headers = {"Authorization": f"Bearer {token}"}
    record = client.get(f"/api/v1/customers/{dana.id}", headers=headers).json()
    assert record["case_ids"] == [cases[1].id, cases[0].id]
    handle_id = next(h["id"] for h in record["handles"] if h["network"] == "mastodon")
    unlinked = client.delete(f"/api/v1/customers/{dana.id}/handles/{handle_id}", headers=headers)
    assert unlinked.status_code == 200 and unlinked.json()["case_ids"] == [cases[0].id]
    relinked = client.post(
        f"/api/v1/customers/{dana.id}/handles",
        headers=headers,
        json={"network": "mastodon", "handle": "@Dana@Social.Example"},
    )
    assert relinked.status_code == 201 and len(relinked.json()["case_ids"]) == 2
    clash = client.post(
        "/api/v1/customers",
        headers=headers,
        json={"name": "Imposter", "handles": [{"network": "x", "handle": "dana"}]},
    )
    assert clash.status_code == 422 and "unlink it there first" in clash.json()["detail"]
    listed = client.get("/api/v1/customers", headers=headers, params={"q": "dana"}).json()
    assert [c["id"] for c in listed["items"]] == [dana.id]
    assert client.get("/api/v1/customers").status_code == 401
