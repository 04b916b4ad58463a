"""Risk on cases from the pipeline, the Escalations queue, and approval of public replies."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from atdesk.cases.brand_rules import BrandRuleError, update_rules
from atdesk.cases.escalations import escalation_queue
from atdesk.cases.queries import CaseFilter, list_cases
from atdesk.config import Settings
from atdesk.domain.cases import Role, View
from atdesk.models import Brand, Case, ReplyDraft
from atdesk.storage.session import transaction
from tests.cases.factories import staff
from tests.factories import brand_reply, make_brand, post, run
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)


def loud(native_id: str, text: str, *, followers: int = 0, **kw: Any) -> dict[str, Any]:
    """A post whose author has this many followers."""
    payload = post(native_id, text, **kw)
    payload["author"]["followers"] = followers
    return payload


def reasons(case: Case) -> list[str]:
    return [r["reason"] for r in case.risk_reasons]


def test_the_route_step_scores_cases_and_the_queue_holds_the_risky_ones(
    settings: Settings,
) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        brand.settings = {"watched_handles": ["acmeceo"]}
        run(
            session,
            post("1", "@acmehelp do you ship to Canada?"),
            loud(
                "2",
                "@acmehelp @AcmeCEO your driver threatened me, my lawyer will hear of it",
                author="52",
                handle="eve",
                followers=120_000,
                minutes=1,
            ),
        )
        run(
            session,
            post(
                "3",
                "@acmehelp charged twice, I will dispute the charge and call my lawyer",
                author="53",
                handle="fay",
                minutes=2,
            ),
        )
        quiet, risky, charged = session.scalars(select(Case).order_by(Case.id)).all()
        assert charged.risk_high and 50 <= charged.risk_score < risky.risk_score
        assert (quiet.risk_score, quiet.risk_reasons, quiet.risk_high) == (0, [], False)
        assert risky.risk_high and risky.risk_score == 100
        assert reasons(risky)[:3] == [
            "aimed at executive @acmeceo",
            "legal words: 'lawyer'",
            "safety words: 'threatened'",
        ]
        assert "author has 120k followers" in reasons(risky)
        # Riskiest first, whatever their priority or age.
        queue, total = escalation_queue(session, None)
        assert [c.id for c in queue] == [risky.id, charged.id] and total == 2
        view, _ = list_cases(session, CaseFilter(view=View.HIGH_RISK))
        assert [c.id for c in view] == [risky.id, charged.id]


def test_the_score_is_recomputed_as_the_conversation_grows(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        brand.settings = {"risk_threshold": 30}
        run(
            session,
            post("1", "@acmehelp where is my order?"),
            brand_reply("2", "@dana it ships Friday", minutes=5, in_reply_to="1"),
        )
        case = session.scalars(select(Case)).one()
        assert not case.risk_high
        crowd = [
            post(
                f"1{i}",
                "this happened to me too",
                author=f"70{i}",
                handle=f"p{i}",
                minutes=10 + i,
                in_reply_to="1",
            )
            for i in range(5)
        ]
        run(session, *crowd)
        session.refresh(case)
        assert "5 replies in 30 min" in reasons(case) and not case.risk_high
        run(session, post("3", "@acmehelp then I want a chargeback", minutes=16, in_reply_to="2"))
        session.refresh(case)
        assert "refund words: 'chargeback'" in reasons(case)
        assert case.risk_score >= 25 and case.risk_high == (case.risk_score >= 30)


def test_a_new_threshold_moves_cases_in_and_out_of_the_queue(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        brand = make_brand(session)
        admin = staff(session, "root", Role.ADMIN)
        run(session, post("1", "@acmehelp I am calling my lawyer about this invoice"))
        case = session.scalars(select(Case)).one()
        score = case.risk_score
        assert 35 <= score < 100

        def threshold(value: str) -> None:
            update_rules(
                session,
                brand,
                watched_handles="",
                sensitive_keywords="",
                approval_intents=[],
                high_reach_followers="",
                public_contacts="",
                actor=admin,
                risk_threshold=value,
            )
            session.refresh(case)

        threshold(str(score + 1))
        assert not case.risk_high
        threshold(str(score))
        assert case.risk_high and session.get(Brand, brand.id).settings["risk_threshold"] == score  # type: ignore[union-attr]
        for bad in ("0", "101", "high"):
            with pytest.raises(BrandRuleError, match="1 to 100"):
                threshold(bad)


def high_risk_case(ws: Workspace, brand: str = "acmehelp", native: str = "80") -> int:
    """A high-risk case that is not sensitive: refund words and a pile-on, threshold 25."""
    with transaction(ws.settings.database_url) as session:
        for b in session.scalars(select(Brand)):
            b.settings = {**(b.settings or {}), "risk_threshold": 25}
        run(
            session,
            post(
                native, f"@{brand} I want my money back", author=f"9{native}", handle=f"c{native}"
            ),
            *[
                post(
                    f"{native}{i}",
                    "wow",
                    author=f"8{native}{i}",
                    handle=f"x{native}{i}",
                    minutes=1 + i,
                    in_reply_to=native,
                )
                for i in range(5)
            ],
        )
        case = session.scalars(select(Case).order_by(Case.id.desc())).first()
        assert case is not None and case.risk_high and not case.sensitive
        return case.id


def test_public_replies_on_high_risk_cases_wait_for_approval_with_the_reasons(
    workspace: Workspace,  # noqa: F811
) -> None:
    case_id = high_risk_case(workspace)
    ana, sam = workspace.login("ana"), workspace.login("sam")
    page = ana.get(f"/cases/{case_id}").text
    assert 'data-testid="risk"' in page and "refund words: &#39;money back&#39;" in page
    assert "public replies need approval" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    held = ana.post(
        f"/cases/{case_id}/reply",
        data={"text": "Sorry! DM us", "mode": "public", "version": version},
    )
    assert held.status_code == 303 and workspace.outbox.sent == []
    queue = sam.get("/approvals").text
    assert "Sorry! DM us" in queue and "high risk" in queue and "5 replies in 30 min" in queue
    with transaction(workspace.settings.database_url) as session:
        draft = session.scalars(select(ReplyDraft)).one()
        assert draft.status == "pending" and draft.hold_reason.startswith("high risk ")
    # A private message is not public: it goes out at once.
    version = re.search(r'name="version" value="(\d+)"', ana.get(f"/cases/{case_id}").text).group(1)  # type: ignore[union-attr]
    ana.post(
        f"/cases/{case_id}/reply",
        data={"text": "Here to help", "mode": "private", "version": version},
    )
    assert [m.text for m in workspace.outbox.sent] == ["Here to help"]


def test_the_queue_and_the_api_keep_to_brand_walls_and_roles(
    workspace: Workspace,  # noqa: F811
) -> None:
    acme_case = high_risk_case(workspace)
    other_case = high_risk_case(workspace, "otherhelp", "81")
    sam, ana, root = workspace.login("sam"), workspace.login("ana"), workspace.login("root")
    page = sam.get("/escalations").text
    assert f'data-case-id="{acme_case}"' in page and f'data-case-id="{other_case}"' not in page
    assert 'data-testid="nav-escalations"' in page
    assert ana.get("/escalations").status_code == 403
    assert 'data-testid="nav-escalations"' not in ana.get("/").text
    api = sam.get("/api/v1/escalations").json()
    assert [c["id"] for c in api["items"]] == [acme_case] and api["total"] == 1
    item = api["items"][0]
    assert item["risk_high"] and item["risk_score"] >= 25
    assert {"reason": "5 replies in 30 min", "points": 10} in item["risk_reasons"]
    assert ana.get("/api/v1/escalations").status_code == 403
    everything = root.get("/api/v1/escalations").json()
    assert {c["id"] for c in everything["items"]} == {acme_case, other_case}
    with transaction(workspace.settings.database_url) as session:
        other_id = session.scalars(select(Brand.id).where(Brand.name == "Other")).one()
    assert sam.get(f"/escalations?brand_id={other_id}").status_code == 404
    assert sam.get(f"/api/v1/escalations?brand_id={other_id}").json()["items"] == []
    cases = ana.get("/api/v1/cases", params={"view": "high_risk"}).json()
    assert [c["id"] for c in cases["items"]] == [acme_case]
    assert "risk_reasons" in ana.get(f"/api/v1/cases/{acme_case}").json()
    inbox = ana.get("/?view=high_risk").text
    assert f"#{acme_case}" in inbox and 'data-testid="risk-pill"' in inbox
