"""Deciding, once per case, whether a resolution gets a survey, and queueing the one that does.

A resolution (the `case.resolved` audit event, whoever resolved: an agent, a bulk action,
the API, auto-resolve, an automation) gets one decision, stored as a `surveys` row unique on
the case: queued (with its `survey.send` job, written in the same transaction), or skipped
with the reason. Replays and re-resolutions find the row and do nothing. Brands with surveys
off, cases reopened before we looked and resolutions of replayed history get no row at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.brands.settings import store_settings_change
from atdesk.domain.cases import CaseStatus
from atdesk.domain.handles import handle_key
from atdesk.jobs import queue as jobs
from atdesk.models import Brand, Case, CaseTag, ChannelAccount, Post, Survey, User
from atdesk.pipeline.blocklist import blocked_handles
from atdesk.respond.tasks import AUTOMATION_USERNAME
from atdesk.surveys.answers import ACTOR
from atdesk.surveys.scores import SurveyKind, SurveyStatus
from atdesk.surveys.settings import (
    SETTINGS_KEY,
    SurveySettings,
    parse_settings,
    survey_settings,
)
from atdesk.surveys.texts import personal_text

SURVEY_JOB = "survey.send"
# At most one survey per customer and network in this long, whichever brand asks (ADR 93).
NETWORK_WINDOW = timedelta(hours=24)
# Where a brand can open a private conversation with a customer who only wrote in public:
# a Mastodon direct status reaches anyone, and X's v2 DM endpoint opens a 1:1 conversation
# (ADR 70); Bluesky's chat reaches only people who allow it, by default those they follow.
UNPROMPTED_DM = frozenset(("x", "mastodon"))
NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}
# Tags people put on a case that say it was noise, not a customer to ask.
NOISE_TAGS = ("spam", "abuse", "noise")
# Older than this, a resolution is history (a replay, a back-fill, a worker long down).
STALE = timedelta(days=3)
_COUNTED = (SurveyStatus.QUEUED.value, SurveyStatus.SENT.value, SurveyStatus.ANSWERED.value)


@dataclass(frozen=True, slots=True)
class Resolution:
    """One `case.resolved` event from the audit trail."""

    event_id: int
    case_id: int
    at: datetime


def decide(session: Session, resolution: Resolution, *, now: datetime) -> Survey | None:
    """Queue or skip the case's survey; None when there is nothing to decide."""
    case = session.get(Case, resolution.case_id)
    if case is None or case.status != CaseStatus.RESOLVED.value or case.resolved_at is None:
        return None  # merged away, or reopened before we looked: the next resolution decides
    existing = session.scalar(select(Survey).where(Survey.case_id == case.id))
    if existing is not None and not _decide_again(existing, resolution):
        return None  # once per case, however often it is resolved or replayed
    settings = survey_settings(case.brand)
    if not settings.enabled:
        return None
    if resolution.at - case.resolved_at > STALE or now - resolution.at > STALE:
        return None
    author = case.customer_author
    survey = existing or Survey(case_id=case.id)
    survey.brand_id = case.brand_id
    survey.author_id = author.id
    survey.customer_id = case.customer_id or author.customer_id
    survey.network = case.network
    survey.resolved_by = case.resolved_by
    survey.resolution_event_id = resolution.event_id
    survey.created_at = now
    survey.reason = skip_reason(session, case, settings, survey.customer_id, now=now)
    kind, why_not = (None, None) if survey.reason else kind_due(session, case, settings, now=now)
    survey.reason = (survey.reason or why_not or "")[:200] or None
    survey.kind = (kind or settings.kinds[0]).value
    survey.status = (SurveyStatus.SKIPPED if survey.reason else SurveyStatus.QUEUED).value
    survey.text = "" if survey.reason or kind is None else survey_text(case, settings, kind)
    survey.sent_at = survey.expires_at = survey.answered_at = survey.prompt_post_id = None
    session.add(survey)
    session.flush()
    if survey.reason is None:
        job = jobs.enqueue(
            session,
            kind=SURVEY_JOB,
            key=f"{SURVEY_JOB}:case:{case.id}:resolution:{resolution.event_id}",
            brand_id=case.brand_id,
            case_id=case.id,
            payload={
                "case_id": case.id,
                "survey_id": survey.id,
                "private": True,
                "text": survey.text,
                "purpose": "survey",
            },
        )
        survey.job_id = job.id
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action=f"survey.{survey.status}",
        actor=ACTOR,
        after={"survey_id": survey.id, "kind": survey.kind, "reason": survey.reason or ""},
    )
    session.flush()
    return survey


def _decide_again(survey: Survey, resolution: Resolution) -> bool:
    """A survey cancelled because its case reopened is decided again at a later resolution."""
    return (
        survey.status == SurveyStatus.CANCELLED.value
        and (survey.resolution_event_id or 0) < resolution.event_id
    )


def survey_text(case: Case, settings: SurveySettings, kind: SurveyKind) -> str:
    """The brand's question for this customer, fitted to a private message on the network."""
    return personal_text(case, settings.text_for(kind))


def skip_reason(
    session: Session,
    case: Case,
    settings: SurveySettings,
    customer_id: int | None,
    *,
    now: datetime,
) -> str | None:
    """Why this resolution gets no survey, or None when it should get one."""
    author = case.customer_author
    if handle_key(author.handle) in blocked_handles(session, case.brand_id):
        return "the customer is on the brand's block list"
    noise = noise_reason(session, case)
    if noise is not None:
        return noise
    if not session.scalar(
        select(ChannelAccount.id)
        .where(ChannelAccount.brand_id == case.brand_id, ChannelAccount.network == case.network)
        .limit(1)
    ):
        return f"the brand has no {case.network} account to send it from"
    if not case.outbound_count:
        return "nobody answered the customer, so there is nothing to rate"
    if settings.skip_automated and not _person_involved(session, case):
        return "closed by the bot or an automation with no person involved"
    if not _wrote_privately(session, case) and case.network not in UNPROMPTED_DM:
        return (
            f"the conversation was public and {NETWORK_NAMES.get(case.network, case.network)} "
            "lets a brand message only customers who wrote to it privately; surveys never go "
            "out in public"
        )
    if settings.every_days:
        since = now - timedelta(days=settings.every_days)
        same_customer = Survey.author_id == author.id
        if customer_id is not None:
            same_customer = or_(same_customer, Survey.customer_id == customer_id)
        earlier = session.scalar(
            select(Survey.created_at)
            .where(
                Survey.brand_id == case.brand_id,
                same_customer,
                Survey.status.in_(_COUNTED),
                Survey.created_at >= since,
                Survey.case_id != case.id,
            )
            .order_by(Survey.created_at.desc())
            .limit(1)
        )
        if earlier is not None:
            return (
                f"the customer was asked on {earlier:%Y-%m-%d}; at most one survey every "
                f"{settings.every_days} days"
            )
    earlier_today = _asked_on_network(session, case, customer_id, now=now)
    if earlier_today is not None:
        return (
            f"the customer was asked on {case.network} at {earlier_today:%Y-%m-%d %H:%M} UTC; "
            "at most one survey per customer and network in 24 hours"
        )
    return None


def noise_reason(session: Session, case: Case) -> str | None:
    """Why the case is noise, if it is: the customer wrote to the brand as spam or abuse, a
    post of theirs was filtered, or someone tagged the case as spam, abuse or noise."""
    noisy = or_(
        Post.spam.is_(True),
        Post.abuse.is_(True),
        Post.filtered_reason.is_not(None) & (Post.filtered_reason != "repost"),
    )
    found = session.execute(
        select(Post.spam, Post.abuse, Post.filtered_reason)
        .where(
            Post.author_id == case.customer_author_id,
            or_(Post.brand_id == case.brand_id, Post.case_id == case.id),
            Post.inbound.is_(True),
            noisy,
        )
        .limit(1)
    ).first()
    if found is not None:
        spam, abuse, filtered = found
        what = "spam" if spam else ("abuse" if abuse else f"noise ({filtered})")
        return f"the customer's posts were flagged as {what}; no survey after noise or spam"
    tag = session.scalar(
        select(CaseTag.name).where(CaseTag.case_id == case.id, CaseTag.name.in_(NOISE_TAGS))
    )
    if tag is not None:
        return f"the case is tagged {tag}; no survey after noise or spam"
    return None


def _wrote_privately(session: Session, case: Case) -> bool:
    """Whether the customer wrote to the brand privately in this case (a DM can answer)."""
    found = session.scalar(
        select(Post.id)
        .where(Post.case_id == case.id, Post.inbound.is_(True), Post.direct.is_(True))
        .limit(1)
    )
    return found is not None


def _same_customer(author_id: int, customer_id: int | None) -> Any:
    same = Survey.author_id == author_id
    return or_(same, Survey.customer_id == customer_id) if customer_id is not None else same


def _asked_on_network(
    session: Session, case: Case, customer_id: int | None, *, now: datetime
) -> datetime | None:
    """When the customer was last surveyed on this network by any brand in the last 24 hours."""
    return session.scalar(
        select(Survey.created_at)
        .where(
            _same_customer(case.customer_author_id, customer_id),
            Survey.network == case.network,
            Survey.status.in_(_COUNTED),
            Survey.created_at > now - NETWORK_WINDOW,
            Survey.case_id != case.id,
        )
        .order_by(Survey.created_at.desc())
        .limit(1)
    )


def kind_due(
    session: Session, case: Case, settings: SurveySettings, *, now: datetime
) -> tuple[SurveyKind | None, str | None]:
    """Which question this resolution gets: NPS when the brand asks it and the customer had
    none in `nps_every_days`, else CSAT; or why none (an NPS-only brand asked recently)."""
    if settings.nps:
        customer_id = case.customer_id or case.customer_author.customer_id
        last_nps = session.scalar(
            select(Survey.created_at)
            .where(
                Survey.brand_id == case.brand_id,
                _same_customer(case.customer_author_id, customer_id),
                Survey.kind == SurveyKind.NPS.value,
                Survey.status.in_(_COUNTED),
                Survey.case_id != case.id,
            )
            .order_by(Survey.created_at.desc())
            .limit(1)
        )
        if last_nps is None or last_nps < now - timedelta(days=settings.nps_every_days):
            return SurveyKind.NPS, None
        if not settings.csat:
            return None, (
                f"the customer was asked NPS on {last_nps:%Y-%m-%d}; at most one NPS every "
                f"{settings.nps_every_days} days"
            )
    return SurveyKind.CSAT, None


def _person_involved(session: Session, case: Case) -> bool:
    """A person resolved the case or wrote to the customer (not the bot, not a rule)."""
    people = select(User.username).where(User.username != AUTOMATION_USERNAME)
    if case.resolved_by and session.scalar(people.where(User.username == case.resolved_by)):
        return True
    automation = session.scalar(select(User.id).where(User.username == AUTOMATION_USERNAME))
    by_person = session.scalar(
        select(Post.id)
        .where(
            Post.case_id == case.id,
            Post.inbound.is_(False),
            or_(Post.sent_by_user_id.is_(None), Post.sent_by_user_id != (automation or -1)),
        )
        .limit(1)
    )
    return by_person is not None


def cancel(session: Session, survey: Survey, reason: str) -> None:
    """A queued survey that must not go out after all (the case reopened meanwhile)."""
    survey.status = SurveyStatus.CANCELLED.value
    survey.reason = reason[:200]
    if survey.case_id is not None and session.get(Case, survey.case_id) is not None:
        audit.record(
            session,
            entity_type="case",
            entity_id=survey.case_id,
            action="survey.cancelled",
            actor=ACTOR,
            after={"survey_id": survey.id, "reason": survey.reason},
        )
    session.flush()


def mark_sent(session: Session, survey: Survey, post_id: int) -> None:
    """The survey is out: answers count from the message's time for the brand's window."""
    post = session.get(Post, post_id)
    assert post is not None
    brand = session.get(Brand, survey.brand_id)
    assert brand is not None
    survey.status = SurveyStatus.SENT.value
    survey.prompt_post_id = post.id
    survey.sent_at = post.created_at
    survey.expires_at = post.created_at + timedelta(days=survey_settings(brand).answer_days)
    session.flush()


def save_settings(
    session: Session, brand: Brand, changes: Mapping[str, Any], *, actor: User | str
) -> SurveySettings:
    """Check and store a change to the brand's survey settings, audited on the brand."""
    before = survey_settings(brand)
    after = parse_settings(changes, before)
    if after != before:
        store_settings_change(
            session,
            brand,
            {SETTINGS_KEY: after.to_json()},
            action="brand.surveys",
            actor=actor,
            before=before.to_json(),
            after=after.to_json(),
        )
    return after
