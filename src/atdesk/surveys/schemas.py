"""API shapes for surveys, their answers, brand summaries and settings, apart from the tables."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class SurveyOut(BaseModel):
    """A survey as the API shows it, with the customer's answer once there is one."""

    id: int
    brand_id: int
    case_id: int | None
    author_id: int
    customer_handle: str
    customer_id: int | None
    network: str
    kind: str
    status: str
    reason: str | None
    resolved_by: str | None
    text: str
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime | None
    answered_at: datetime | None
    score: int | None
    comment: str | None
    answer_post_id: int | None
    # After a low score (ADR 93): the follow-up question and what the loop did to the case.
    question_status: str | None = None
    loop_action: str | None = None
    follow_up_case_id: int | None = None


class CsatOut(BaseModel):
    """CSAT over a period: the average (1-5) and the share of 4s and 5s."""

    model_config = ConfigDict(from_attributes=True)

    answers: int
    average: float | None
    satisfied: int
    satisfied_pct: float | None


class NpsOut(BaseModel):
    """NPS over a period: % promoters (9-10) minus % detractors (0-6)."""

    model_config = ConfigDict(from_attributes=True)

    answers: int
    promoters: int
    passives: int
    detractors: int
    score: float | None


class PeriodOut(BaseModel):
    """One brand's numbers over the last `days` days."""

    days: int
    since: datetime
    sent: int
    answered: int
    response_rate: float | None
    csat: CsatOut
    nps: NpsOut


class BrandSummaryOut(BaseModel):
    """A brand's survey setting and numbers."""

    brand_id: int
    brand: str
    enabled: bool
    kind: str
    periods: list[PeriodOut]


class SummaryOut(BaseModel):
    """Every brand the caller works on."""

    generated_at: datetime
    brands: list[BrandSummaryOut]


class SurveySettingsOut(BaseModel):
    """A brand's survey settings. `kind` ("csat", "nps" or "both") sums up `csat` and `nps`."""

    brand_id: int
    enabled: bool
    kind: str
    csat: bool
    nps: bool
    nps_every_days: int
    every_days: int
    answer_days: int
    skip_automated: bool
    follow_up: bool
    close_loop: bool
    reopen_days: int
    csat_text: str
    nps_text: str
    follow_up_text: str


class SurveySettingsUpdate(BaseModel):
    """A change to a brand's survey settings; only the fields given change. `kind` (csat,
    nps or both) is the older way to set `csat` and `nps`, still accepted."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    kind: str | None = None
    csat: bool | None = None
    nps: bool | None = None
    nps_every_days: int | None = None
    every_days: int | None = None
    answer_days: int | None = None
    skip_automated: bool | None = None
    follow_up: bool | None = None
    close_loop: bool | None = None
    reopen_days: int | None = None
    csat_text: str | None = None
    nps_text: str | None = None
    follow_up_text: str | None = None
