"""case_facts from real pipeline runs: first response, reopen, merge, SLA, backlog, surveys;
an incremental refresh gives exactly what a rebuild from the facts gives."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from atdesk.cases.policies import set_hours, set_targets
from atdesk.cases.service import resolve
from atdesk.cases.sla import Targets
from atdesk.config import Settings
from atdesk.models import AuditEvent, Case, CaseFacts, Survey, SurveyResponse, Team, User
from atdesk.reports.facts import facts_snapshot, rebuild, refresh
from atdesk.reports.metrics import breakdown, distribution, drill, summarize
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run

EVERYONE = ReportScope(None)
LATER = T0 + timedelta(days=30)


def _facts(url: str) -> dict[int, CaseFacts]:
    with transaction(url) as session:
        return {f.case_id: f for f in session.scalars(select(CaseFacts))}


def test_first_response_of_a_case_is_its_first_inbound_to_the_brands_first_reply(
    settings: Settings,
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp where is my parcel"),
            post("2", "@acmehelp hello??", minutes=10, in_reply_to="1"),
            brand_reply("3", "@dana on it", minutes=45, in_reply_to="2"),
            post("4", "@acmehelp thanks, and the invoice?", minutes=60, in_reply_to="3"),
            brand_reply("5", "@dana sent", minutes=80, in_reply_to="4"),
        )
    assert refresh(url).computed == 1
    (facts,) = _facts(url).values()
    assert facts.first_response_s == 45 * 60 and facts.first_response_bh_s == 45 * 60
    assert facts.next_response_s == 20 * 60 and facts.next_response_waits == 1
    assert facts.inbound_posts == 3 and facts.human_replied and not facts.automated
    with transaction(url) as session:
        m = summarize(session, EVERYONE, now=LATER)
    assert m.inbound == 3 and m.cases == 1 and m.answered_share == 1.0
    assert m.first_response_median_s == 2700 and m.next_response_median_s == 1200
    assert m.resolution_median_s is None, "not resolved: nothing to measure"


def test_a_reopened_case_counts_its_reopen_from_the_audit_trail(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp my card was charged twice"),
            brand_reply("2", "@dana refunded", minutes=30, in_reply_to="1"),
        )
        case = session.scalars(select(Case)).one()
        resolve(session, case, actor="ana", at=T0 + timedelta(hours=1))
    refresh(url)
    (first,) = _facts(url).values()
    assert first.resolution_s == 3600 and first.reopens == 0
    with transaction(url) as session:
        run(session, post("3", "@acmehelp charged AGAIN", minutes=180, in_reply_to="2"))
    refresh(url)
    (again,) = _facts(url).values()
    assert again.reopens == 1 and again.status == "open" and again.resolution_s is None
    with transaction(url) as session:
        m = summarize(session, EVERYONE, now=LATER)
        assert m.reopen_rate == 1.0, "one case resolved once, reopened once"
        assert m.backlog == 1 and m.backlog_age_median_s == (LATER - T0).total_seconds()
        assert drill(session, EVERYONE, metric="reopened", now=LATER) == [again.case_id]
        case = session.scalars(select(Case)).one()
        resolve(session, case, actor="ana", at=T0 + timedelta(hours=4))
    refresh(url)
    (settled,) = _facts(url).values()
    assert settled.reopens == 1 and settled.resolution_s == 4 * 3600
    with transaction(url) as session:
        assert rebuild_matches(session, url)


def rebuild_matches(session: object, url: str) -> bool:
    """The incremental table equals a rebuild from scratch (read before and after)."""
    with transaction(url) as s:
        incremental = facts_snapshot(s)
    rebuild(url)
    with transaction(url) as s:
        rebuilt = facts_snapshot(s)
    assert incremental == rebuilt
    return True


def test_merged_conversations_make_one_case_with_its_own_facts(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        # "3" answers "2", which is not stored yet: two conversations, two cases.
        run(
            session,
            post("1", "@acmehelp my router is dead"),
            post("3", "@acmehelp still dead", minutes=50, in_reply_to="2"),
        )
        assert len(session.scalars(select(Case)).all()) == 2
    refresh(url)
    assert len(_facts(url)) == 2
    with transaction(url) as session:
        # The brand's reply links them: the cases merge into the oldest.
        run(session, brand_reply("2", "@dana restart it", minutes=20, in_reply_to="1"))
        (case,) = session.scalars(select(Case)).all()
        merged = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.merged"))
        assert len(merged.all()) == 1
    refresh(url)
    # The merged-away case's row is gone (by the foreign key's cascade, or by the refresh).
    (facts,) = _facts(url).values()
    assert facts.case_id == case.id and facts.inbound_posts == 2
    assert facts.first_response_s == 20 * 60
    assert facts.next_response_waits == 0, "the customer is still waiting after the reply"
    with transaction(url) as session:
        assert summarize(session, EVERYONE, now=LATER).cases == 1
        assert rebuild_matches(session, url)


def test_sla_compliance_in_business_hours_and_breakdowns_by_team_and_agent(
    settings: Settings,
) -> None:
    url = settings.database_url
    with transaction(url) as session:
        brand = make_brand(session)
        week = {str(d): [["09:00", "17:00"]] for d in range(5)}
        set_hours(session, brand, timezone="UTC", week=week, actor="test")
        set_targets(session, brand, {"normal": Targets(60, 120, 8 * 60)}, actor="test")
        run(
            session,
            # Monday 16:30: 30 business minutes today, so a reply Tuesday 09:20 is in time
            post("1", "@acmehelp where is my parcel", minutes=7.5 * 60),
            brand_reply("2", "@dana today", minutes=24 * 60 + 20, in_reply_to="1"),
            # Monday 10:00, answered at 12:00: two business hours, late
            post("3", "@acmehelp the app crashes", author="4400000002", handle="eli", minutes=60),
            brand_reply("4", "@eli fixed", minutes=180, in_reply_to="3"),
            # Monday 11:00, never answered: missed once its hour has passed
            post("5", "@acmehelp hello?", author="4400000003", handle="flo", minutes=120),
        )
        cases = {c.conversation_id: c for c in session.scalars(select(Case))}
        team = Team(name="Parcels")
        session.add(team)
        session.flush()
        ana = User(username="ana", display_name="Ana", role="agent", password_hash="x")
        session.add(ana)
        session.flush()
        eli, flo, dana = sorted(cases.values(), key=lambda c: c.opened_at)
        dana.team_id = team.id  # the Monday 16:30 case
        dana.assignee_id = ana.id
        eli_case, flo_case = eli.id, flo.id
        team_id, ana_id = team.id, ana.id
    refresh(url)
    with transaction(url) as session:
        m = summarize(session, EVERYONE, now=LATER)
        # targets settled: 3 first responses (1 met) + 3 resolutions (none met, all past due)
        assert m.sla_compliance == 1 / 6
        fr_bh = sorted(f.first_response_bh_s for f in session.scalars(select(CaseFacts)) if
                       f.first_response_bh_s is not None)  # fmt: skip
        assert fr_bh == [50 * 60, 120 * 60]
        assert m.first_response_bh_median_s == 85 * 60
        assert m.first_response_median_s == ((24 * 60 + 20 - 7.5 * 60) * 60 + 120 * 60) / 2
        teams = {r.key: r for r in breakdown(session, EVERYONE, "team", now=LATER)}
        assert teams[str(team_id)].label == "Parcels" and teams[str(team_id)].metrics.cases == 1
        assert teams["none"].metrics.cases == 2 and teams["none"].label == "No team"
        agents = breakdown(session, ReportScope(None, agent_id=ana_id), "agent", now=LATER)
        assert [(r.label, r.metrics.cases, r.metrics.inbound) for r in agents] == [("Ana", 1, 1)]
        missed = drill(session, EVERYONE, metric="sla_missed", now=LATER)
        assert len(missed) == 3, "every case missed its resolution target by then"
        assert drill(session, EVERYONE, metric="unanswered", now=LATER) == [flo_case]
        # At 11:30 on Monday only Eli's case had missed a target (answered 12:00, due 11:00);
        # Flo's first response is due at 12:00 and Dana's case is not open yet.
        early = T0 + timedelta(hours=2, minutes=30)
        assert drill(session, EVERYONE, metric="sla_missed", now=early) == [eli_case]


def test_csat_and_nps_come_from_survey_answers_in_the_period(settings: Settings) -> None:
    url = settings.database_url
    with transaction(url) as session:
        brand = make_brand(session)
        run(
            session,
            post("1", "@acmehelp where is my parcel"),
            brand_reply("2", "@dana here", minutes=5, in_reply_to="1"),
        )
        case = session.scalars(select(Case)).one()
        answers = [("csat", 5, 1), ("csat", 2, 2), ("csat", 4, 40), ("nps", 10, 3), ("nps", 3, 4)]
        for n, (kind, score, day) in enumerate(answers):
            survey = Survey(
                brand_id=brand.id,
                case_id=case.id if n == 0 else None,
                author_id=case.customer_author_id,
                network="x",
                kind=kind,
                status="answered",
            )
            session.add(survey)
            session.flush()
            prompt = run(session, post(f"a{n}", f"{score}", author=f"55{n}", minutes=day))
            assert prompt.stored == 1
            session.add(
                SurveyResponse(
                    survey_id=survey.id,
                    post_id=n + 3,
                    brand_id=brand.id,
                    case_id=survey.case_id,
                    author_id=case.customer_author_id,
                    kind=kind,
                    score=score,
                    answered_at=T0 + timedelta(days=day),
                )
            )
    refresh(url)
    with transaction(url) as session:
        month = ReportScope(None, since=T0, until=T0 + timedelta(days=30))
        m = summarize(session, month, now=LATER)
        assert m.csat == 0.5 and m.csat_responses == 2
        assert m.nps == 0.0 and m.nps_responses == 2
        whole = summarize(session, EVERYONE, now=LATER)
        assert whole.csat == 2 / 3 and whole.csat_responses == 3


def test_a_refresh_recomputes_only_what_changed_including_audit_only_changes(
    settings: Settings,
) -> None:
    from atdesk.audit import service as audit

    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp where is my parcel"),
            post("2", "@acmehelp my invoice", author="4400000002", handle="eli", minutes=5),
        )
    assert refresh(url).computed == 2
    assert refresh(url).computed == 0, "nothing changed: nothing recomputed"
    with transaction(url) as session:
        case = session.scalars(select(Case).order_by(Case.id)).first()
        assert case is not None
        # A bot hands the case to a person: only the audit trail changes, not the case row.
        audit.record(
            session,
            entity_type="case",
            entity_id=case.id,
            action="automation.handoff",
            actor="bot",
            after={"reason": "asked for a person"},
        )
        handed = case.id
    assert refresh(url).computed == 1
    assert _facts(url)[handed].handoff
    assert refresh(url).computed == 0
    with transaction(url) as session:
        assert summarize(session, EVERYONE, now=LATER).handoff_rate == 1.0
        assert rebuild_matches(session, url)


def test_medians_and_p90_ranked_in_sql_equal_the_formulas(settings: Settings) -> None:
    from atdesk.reports.formulas import median, percentile

    url = settings.database_url
    delays = {0: [3, 1, 4, 1, 5, 9, 2], 1: [6, 5, 3, 5]}  # minutes, per day: odd and even counts
    payloads = []
    for day, minutes in delays.items():
        for n, delay in enumerate(minutes):
            start = day * 24 * 60 + n * 30
            author = f"44{day}{n:02d}"
            payloads += [
                post(f"q{day}{n}", "@acmehelp help", author=author, handle=author, minutes=start),
                brand_reply(f"r{day}{n}", "@x ok", minutes=start + delay, in_reply_to=f"q{day}{n}"),
            ]
    with transaction(url) as session:
        make_brand(session)
        run(session, *payloads)
    refresh(url)
    with transaction(url) as session:
        every = [60.0 * d for ds in delays.values() for d in ds]
        m = summarize(session, EVERYONE, now=LATER)
        assert m.first_response_median_s == median(every) == 240.0
        assert m.first_response_p90_s == percentile(every, 0.9) == 360.0
        days = breakdown(session, EVERYONE, "day", now=LATER)
        assert [r.key for r in days] == ["2026-03-02", "2026-03-03"]
        for row, minutes in zip(days, delays.values(), strict=True):
            seconds = [60.0 * d for d in minutes]
            assert row.metrics.first_response_median_s == median(seconds)
            assert row.metrics.first_response_p90_s == percentile(seconds, 0.9)
        (week,) = breakdown(session, EVERYONE, "week", now=LATER)
        (month,) = breakdown(session, EVERYONE, "month", now=LATER)
        assert (week.key, month.key) == ("2026-W10", "2026-03")
        assert week.metrics.first_response_median_s == median(every)
        assert month.metrics.cases == 11 and month.metrics.backlog == 11


def test_time_bands_counted_from_the_day_cells_equal_counting_the_facts(
    settings: Settings,
) -> None:
    url = settings.database_url
    waits = [5, 14, 15, 30, 61, 200, 300, 500, 900, 1500, 3000, 5000]  # minutes to the reply
    payloads = []
    for n, wait in enumerate(waits):
        start = n * 7 * 60  # a case every 7 hours: the cases span three UTC days
        author = f"45{n:02d}"
        payloads += [
            post(f"q{n}", "@acmehelp help", author=author, handle=author, minutes=start),
            brand_reply(f"r{n}", "@x ok", minutes=start + wait, in_reply_to=f"q{n}"),
        ]
    with transaction(url) as session:
        make_brand(session)
        run(session, *payloads)
    refresh(url)
    everything = [2, 2, 2, 1, 2, 2, 1]  # bands: <15 min, 15-60, 1-4 h, 4-8 h, 8-24 h, 1-3 d, >3 d
    with transaction(url) as session:
        # Whole days from the rollup and partial days at both ends from the facts.
        partial = ReportScope(None, since=T0 + timedelta(hours=3), until=T0 + timedelta(hours=60))
        for scope in (EVERYONE, partial):
            for measure in ("first_response", "resolution"):
                for business in (False, True):
                    counted = distribution(session, scope, measure, business_hours=business)
                    from_days = distribution(
                        session, scope, measure, business_hours=business, now=LATER
                    )
                    assert from_days == counted, (scope, measure, business)
        fr = distribution(session, EVERYONE, "first_response", business_hours=False, now=LATER)
        assert [b.cases for b in fr] == everything
        fr = distribution(session, partial, "first_response", business_hours=False, now=LATER)
        assert sum(b.cases for b in fr) == sum(1 for n in range(len(waits)) if 3 <= n * 7 < 60)


def test_a_refresh_cut_short_reads_the_same_audit_events_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atdesk.audit import service as audit
    from atdesk.reports import facts as facts_module

    url = settings.database_url
    with transaction(url) as session:
        make_brand(session)
        run(session, *(post(str(n), "@acmehelp help", author=f"44{n}", minutes=n) for n in (1, 2)))
    refresh(url)
    with transaction(url) as session:
        ids = list(session.scalars(select(Case.id).order_by(Case.id)))
        for case_id in ids:
            audit.record(
                session, entity_type="case", entity_id=case_id, action="automation.handoff",
                actor="bot",
            )  # fmt: skip
    writes: list[int] = []
    real_write = facts_module.write

    def crash_on_second(session: object, rows: list[object], gone: object = ()) -> None:
        writes.append(len(rows))
        if len(writes) == 2:
            raise RuntimeError("the process died mid-pass")
        real_write(session, rows, gone)  # type: ignore[arg-type]

    monkeypatch.setattr(facts_module, "_chunks", lambda ids, size=1: ([i] for i in ids))
    monkeypatch.setattr(facts_module, "write", crash_on_second)
    with pytest.raises(RuntimeError):
        refresh(url)
    monkeypatch.undo()
    assert [f.handoff for f in _facts(url).values()].count(True) == 1
    assert refresh(url).computed == 2, "the trail is read again from before the cut"
    assert all(f.handoff for f in _facts(url).values())
    assert refresh(url).computed == 0
