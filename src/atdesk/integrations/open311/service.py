"""The field-report flow as steps a durable job can run: build, submit, follow up, tell.

Each step returns a typed outcome instead of raising, so the job only stores what it got:
an id or token on the case, a time to try again (the city is down: never drop the report),
or a reason for a human to take over (no service fits, no location, the city refused it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from atdesk.domain.retry import DEFAULT_POLICY, BackoffPolicy, next_retry_delay
from atdesk.integrations.open311.client import Open311Client
from atdesk.integrations.open311.errors import (
    NextAction,
    Open311Error,
    Open311NotFound,
    Open311Unavailable,
)
from atdesk.integrations.open311.form import attribute_problems
from atdesk.integrations.open311.location import location_for_report
from atdesk.integrations.open311.mapping import ServiceCodeMapper, ServiceMatch
from atdesk.integrations.open311.schemas import (
    AttributeInput,
    Contact,
    NewServiceRequest,
    ServiceDefinition,
    ServiceRequest,
    SubmitReceipt,
)


@dataclass(frozen=True, slots=True)
class ReadyToSubmit:
    """A request the city should accept, and the service match that chose its code."""

    request: NewServiceRequest
    match: ServiceMatch


@dataclass(frozen=True, slots=True)
class NeedsHuman:
    """Stop the automation and show `reason` to the agent who takes the case over."""

    reason: str


@dataclass(frozen=True, slots=True)
class Submitted:
    """The city has the report: store the id (or the batch token) on the case."""

    receipt: SubmitReceipt


@dataclass(frozen=True, slots=True)
class TryAgain:
    """The city could not be reached; run the same step again after `after_s` seconds."""

    after_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class StillPending:
    """A batch token that the city has not turned into a request id yet."""

    token: str


@dataclass(frozen=True, slots=True)
class Progress:
    """The request as the city sees it now; `closed` is when to tell the reporter."""

    request: ServiceRequest
    id_just_assigned: bool = False


BuildOutcome = ReadyToSubmit | NeedsHuman
SubmitOutcome = Submitted | TryAgain | NeedsHuman
FollowUpOutcome = Progress | StillPending | TryAgain | NeedsHuman


@dataclass(frozen=True, slots=True)
class FieldReport:
    """What a post says about the problem, already triaged: text, place and photos."""

    text: str
    coordinates: tuple[float, float] | None = None
    address_text: str | None = None
    media_urls: Sequence[str] = ()
    case_reference: str | None = None
    attributes: Mapping[str, AttributeInput] = field(default_factory=dict)
    contact: Contact = field(default_factory=Contact)


def build_request(
    report: FieldReport,
    *,
    mapper: ServiceCodeMapper,
    definitions: Mapping[str, ServiceDefinition] | None = None,
) -> BuildOutcome:
    """Choose the service code and location; refuse early what the city would refuse."""
    match = mapper.match(report.text)
    if match is None:
        return NeedsHuman("no city service matches this report; choose one by hand")
    try:
        location = location_for_report(report.coordinates, address_text=report.address_text)
    except ValueError as exc:
        return NeedsHuman(f"the post's location is unusable ({exc}); ask the reporter where")
    if location is None:
        return NeedsHuman("the report has no coordinates and no address; ask the reporter where")
    definition = (definitions or {}).get(match.service_code)
    if definition is not None:
        problems = attribute_problems(definition, report.attributes)
        if problems:
            return NeedsHuman("; ".join(problems))
    description = report.text.strip()
    if report.case_reference:
        # The reference lets anyone searching the city's system find atdesk's case again.
        description = f"{description}\n\n(Reported via social care, ref {report.case_reference})"
    request = NewServiceRequest(
        service_code=match.service_code,
        location=location,
        description=description,
        media_url=report.media_urls[0] if report.media_urls else None,
        attributes=dict(report.attributes),
        contact=report.contact,
    )
    return ReadyToSubmit(request=request, match=match)


def submit_report(
    client: Open311Client,
    request: NewServiceRequest,
    *,
    attempt: int,
    policy: BackoffPolicy = DEFAULT_POLICY,
) -> SubmitOutcome:
    """POST the request (try number `attempt`, from 1) and say what the job should do next."""
    try:
        return Submitted(client.submit(request))
    except Open311Error as exc:
        return _after_failure(exc, attempt, policy)


def follow_up(
    client: Open311Client,
    *,
    service_request_id: str | None = None,
    token: str | None = None,
    attempt: int = 1,
    policy: BackoffPolicy = DEFAULT_POLICY,
) -> FollowUpOutcome:
    """Poll the city: resolve a batch token first, then read the request's status."""
    try:
        just_assigned = False
        if not service_request_id:
            if not token:
                raise ValueError(
                    "follow_up needs the service_request_id or token stored on the case"
                )
            service_request_id = client.resolve_token(token)
            if service_request_id is None:
                return StillPending(token)
            just_assigned = True
        return Progress(client.get_request(service_request_id), id_just_assigned=just_assigned)
    except Open311NotFound as exc:
        return NeedsHuman(f"the city no longer knows request {service_request_id} ({exc})")
    except Open311Error as exc:
        return _after_failure(exc, attempt, policy)


def closure_message(request: ServiceRequest) -> str:
    """What to tell the reporter when the city closes the request."""
    what = (request.service_name or "report").lower()
    notes = f" The city says: {request.status_notes}" if request.status_notes else ""
    ref = request.service_request_id
    return f"Update on your {what} report (city ref {ref}): the city has closed it.{notes}"


def receipt_message(receipt: SubmitReceipt) -> str:
    """What to tell the reporter once the city has the report."""
    if receipt.service_request_id:
        ref = f" Its reference is {receipt.service_request_id}."
    else:
        ref = " The city will give it a reference shortly."
    notice = f" {receipt.service_notice}" if receipt.service_notice else ""
    return (
        f"Thanks, we've passed this to the city.{ref}{notice} We'll let you know when it's closed."
    )


def _after_failure(exc: Open311Error, attempt: int, policy: BackoffPolicy) -> TryAgain | NeedsHuman:
    if exc.next_action is NextAction.RETRY_LATER:
        retry_after = exc.retry_after_s if isinstance(exc, Open311Unavailable) else None
        delay = next_retry_delay(attempt, policy, retry_after_s=retry_after)
        if delay is None:
            return NeedsHuman(f"the city's server kept failing after {attempt} attempts: {exc}")
        return TryAgain(after_s=delay, reason=str(exc))
    return NeedsHuman(str(exc))
