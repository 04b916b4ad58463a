"""REST API for surveys: the list (by brand, case, customer), brand summaries, settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from atdesk.accounts.access import visible_brand
from atdesk.accounts.deps import ApiViewer
from atdesk.cases.schemas import Page
from atdesk.domain.ids import Offset, RowId
from atdesk.models import Survey, SurveyResponse
from atdesk.models.base import utcnow
from atdesk.surveys import queries
from atdesk.surveys.schemas import (
    BrandSummaryOut,
    CsatOut,
    NpsOut,
    PeriodOut,
    SummaryOut,
    SurveyOut,
    SurveySettingsOut,
    SurveySettingsUpdate,
)
from atdesk.surveys.service import save_settings
from atdesk.surveys.settings import SurveySettings, SurveySettingsError, survey_settings
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])

Limit = Annotated[int, Query(ge=1, le=500)]
Days = Annotated[list[int] | None, Query(description="periods in days, e.g. days=30&days=90")]


def survey_out(survey: Survey, response: SurveyResponse | None, handle: str) -> SurveyOut:
    """The API view of a survey and its answer."""
    return SurveyOut(
        id=survey.id,
        brand_id=survey.brand_id,
        case_id=survey.case_id,
        author_id=survey.author_id,
        customer_handle=handle,
        customer_id=survey.customer_id,
        network=survey.network,
        kind=survey.kind,
        status=survey.status,
        reason=survey.reason,
        resolved_by=survey.resolved_by,
        text=survey.text,
        created_at=survey.created_at,
        sent_at=survey.sent_at,
        expires_at=survey.expires_at,
        answered_at=survey.answered_at,
        score=response.score if response else None,
        comment=response.comment if response else None,
        answer_post_id=response.post_id if response else None,
        question_status=response.question_status if response else None,
        loop_action=response.loop_action if response else None,
        follow_up_case_id=response.follow_up_case_id if response else None,
    )


@router.get("")
def get_surveys(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    case_id: RowId | None = None,
    customer_id: RowId | None = None,
    author_id: RowId | None = None,
    kind: str | None = None,
    status: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SurveyOut]:
    """Surveys of your brands, newest first, with the answer (score, comment) if any."""
    rows, total = queries.list_surveys(
        session,
        queries.SurveyFilter(
            brand_id=brand_id,
            case_id=case_id,
            customer_id=customer_id,
            author_id=author_id,
            kind=kind,
            status=status,
            brand_ids=viewer.brand_ids,
        ),
        limit=limit,
        offset=offset,
    )
    return Page[SurveyOut](
        items=[survey_out(s, r, h) for s, r, h in rows], total=total, limit=limit, offset=offset
    )


@router.get("/summary")
def get_summary(
    session: DbSession, viewer: ApiViewer, brand_id: RowId | None = None, days: Days = None
) -> SummaryOut:
    """Per brand: surveys sent and answered, response rate, CSAT and NPS (last 30 and 90 days)."""
    periods = sorted(set(days or queries.PERIODS))
    if any(not 1 <= d <= 3650 for d in periods):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "days must be 1 to 3650")
    if brand_id is not None:
        visible_brand(session, viewer.brand_ids, brand_id)
    now = utcnow()
    found = queries.summaries(
        session, viewer.brand_ids, now=now, brand_id=brand_id, periods=periods
    )
    return SummaryOut(
        generated_at=now,
        brands=[
            BrandSummaryOut(
                brand_id=b.brand_id,
                brand=b.brand,
                enabled=b.enabled,
                kind=b.kind,
                periods=[
                    PeriodOut(
                        days=p.days,
                        since=p.since,
                        sent=p.sent,
                        answered=p.answered,
                        response_rate=p.response_rate,
                        csat=CsatOut.model_validate(p.csat),
                        nps=NpsOut.model_validate(p.nps),
                    )
                    for p in b.periods
                ],
            )
            for b in found
        ],
    )


def _settings_out(brand_id: int, settings: SurveySettings) -> SurveySettingsOut:
    return SurveySettingsOut(brand_id=brand_id, kind=settings.kind, **settings.to_json())


@router.get("/settings/{brand_id}")
def get_settings(brand_id: RowId, session: DbSession, viewer: ApiViewer) -> SurveySettingsOut:
    """A brand's survey settings."""
    return _settings_out(
        brand_id, survey_settings(visible_brand(session, viewer.brand_ids, brand_id))
    )


@router.put("/settings/{brand_id}")
def put_settings(
    brand_id: RowId, body: SurveySettingsUpdate, session: DbSession, viewer: ApiViewer
) -> SurveySettingsOut:
    """Change a brand's survey settings (admins); the change is audited on the brand."""
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")
    brand = visible_brand(session, viewer.brand_ids, brand_id)
    try:
        saved = save_settings(session, brand, body.model_dump(exclude_none=True), actor=viewer.user)
    except SurveySettingsError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return _settings_out(brand.id, saved)
