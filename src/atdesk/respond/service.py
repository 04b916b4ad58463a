"""Sending a reply: check length and PII, claim the case, then send or hold for approval.

Two agents cannot send conflicting replies: every reply (sent or held) moves the case's
`reply_version` with a compare-and-set, so a composer opened before someone else's reply
is refused and shows what was said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.cases.queries import case_posts
from atdesk.channels.base import ReplyTarget
from atdesk.channels.errors import ChannelError
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author
from atdesk.models import Case, ReplyDraft, User
from atdesk.models import Post as PostRow
from atdesk.models.base import utcnow
from atdesk.observability.counters import Failure, Stage, count, count_error
from atdesk.respond.approvals import PENDING, check_reviewer, hold_reasons, needs_approval
from atdesk.respond.dm import move_to_dm_text
from atdesk.respond.limits import Measured, measure
from atdesk.respond.macros import variables_for
from atdesk.respond.outbox import DeliveryError, Outbox, Outgoing, brand_account
from atdesk.respond.pii import Finding, KnownPii, check_public_reply
from atdesk.respond.record import store_sent
from atdesk.respond.unconfirmed import SENDING

MODES = ("public", "private")


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    """What the composer submits."""

    text: str
    mode: str
    version: int
    reply_to_post_id: int | None = None
    confirm_pii: bool = False
    job_id: int | None = None  # the automation job sending it, if any


@dataclass(slots=True)
class Outcome:
    """What became of a reply: sent, held for approval, failed, or refused (and why)."""

    status: str
    message: str
    draft: ReplyDraft | None = None
    post: PostRow | None = None
    findings: list[Finding] = field(default_factory=list)
    measured: Measured | None = None

    @property
    def ok(self) -> bool:
        """Sent or held: the composer can be cleared."""
        return self.status in ("sent", "held")


def known_pii(session: Session, case: Case) -> KnownPii:
    """The customer's personal data: CRM record and everything they wrote in this case."""
    known = KnownPii()
    customer = case.customer_author.customer
    if customer is not None:
        known.add_email(customer.email)
        known.add_phone(customer.phone)
        known.add_account(customer.external_id)
    for post in case_posts(session, case):
        if post.inbound:
            known.add_text(post.text)
            known.add_entities(post.entities or {})
    return known


def reply_target(session: Session, case: Case, post_id: int | None, mode: str) -> PostRow | None:
    """The post a public reply answers: the one chosen, else the customer's latest public post."""
    if post_id is not None:
        post = session.get(PostRow, post_id)
        if post is None or post.case_id != case.id:
            raise ValueError(f"post {post_id} is not part of case {case.id}")
        return post
    if mode == "private":
        return None
    return session.scalar(
        select(PostRow)
        .where(
            PostRow.case_id == case.id,
            PostRow.inbound.is_(True),
            PostRow.direct.is_(False),
        )
        .order_by(PostRow.created_at.desc(), PostRow.id.desc())
        .limit(1)
    )


def _claim(session: Session, case: Case, version: int) -> bool:
    """Compare-and-set the case's reply version: True for exactly one of two racing replies."""
    result = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.reply_version == version)
        .values(reply_version=version + 1)
        .execution_options(synchronize_session=False)
    )
    claimed = bool(getattr(result, "rowcount", 0) == 1)
    session.refresh(case, ["reply_version"])
    return claimed


def _conflict_message(session: Session, case: Case, user: User) -> str:
    latest = session.scalar(
        select(ReplyDraft)
        .where(ReplyDraft.case_id == case.id)
        .order_by(ReplyDraft.id.desc())
        .limit(1)
    )
    who = latest.author.display_name if latest and latest.author_user_id != user.id else "Someone"
    return (
        f"{who} replied to this case while you were writing. Read their reply in the thread; "
        "your text is kept — send again if it still fits."
    )


def too_long_message(measured: Measured) -> str:
    """Why a draft cannot go out, with its count and what to do, in the composer's words."""
    over = -measured.remaining
    if over <= 0:
        return f"This text cannot be sent as written ({measured.rule}). Change it and send again."
    return (
        f"Too long to send: {measured.length} of {measured.limit} ({measured.rule}). "
        f"Shorten it by {over} and send again."
    )


def submit_reply(
    session: Session, case: Case, user: User, request: ReplyRequest, outbox: Outbox
) -> Outcome:
    """Check, claim, then send the reply now or hold it for a supervisor."""
    text = request.text.strip()
    if request.mode not in MODES:
        return Outcome("refused", f"mode must be one of {', '.join(MODES)}")
    if not text:
        return Outcome("refused", "Write a reply first.")
    private = request.mode == "private"
    measured = measure(
        case.network, text, private=private, recipient_handle=case.customer_author.handle
    )
    if not measured.valid:
        return Outcome("refused", too_long_message(measured), measured=measured)
    findings: list[Finding] = []
    if not private:
        allowed = (case.brand.settings or {}).get("public_contacts", [])
        findings = check_public_reply(text, known_pii(session, case), allowed=allowed)
        theirs = [f for f in findings if f.customers]
        if theirs:
            kinds = ", ".join(sorted({f.kind for f in theirs}))
            return Outcome(
                "refused",
                f"This public reply shows the customer's {kinds}. Send it as a private "
                "message instead, or take it out.",
                findings=findings,
                measured=measured,
            )
        if findings and not request.confirm_pii:
            kinds = ", ".join(sorted({f.kind for f in findings}))
            return Outcome(
                "refused",
                f"This public reply contains a {kinds}. If it is the brand's own, confirm and "
                "send again; if it is the customer's, send a private message instead.",
                findings=findings,
                measured=measured,
            )
    try:
        target = reply_target(session, case, request.reply_to_post_id, request.mode)
    except ValueError as exc:
        return Outcome("refused", str(exc))
    if not private and target is None:
        return Outcome("refused", "There is no public post to answer; send a private message.")
    if not _claim(session, case, request.version):
        return Outcome("refused", _conflict_message(session, case, user), measured=measured)
    draft = ReplyDraft(
        case_id=case.id,
        author_user_id=user.id,
        mode=request.mode,
        text=text,
        reply_to_post_id=target.id if target else None,
        status=PENDING,
        hold_reason="",
        review_note="",
        job_id=request.job_id,
    )
    session.add(draft)
    session.flush()
    if needs_approval(case, request.mode, user):
        draft.hold_reason = hold_reasons(case)
        audit.record(
            session,
            entity_type="case",
            entity_id=case.id,
            action="reply.held",
            actor=user,
            after={"draft_id": draft.id, "mode": draft.mode, "text": text},
        )
        session.flush()
        return Outcome(
            "held",
            f"{'High-risk' if case.risk_high and not case.sensitive else 'Sensitive'} case: "
            "your reply waits for a supervisor's approval.",
            draft=draft,
            measured=measured,
        )
    return deliver(session, case, draft, user, outbox, measured=measured)


def deliver(
    session: Session,
    case: Case,
    draft: ReplyDraft,
    sender: User,
    outbox: Outbox,
    *,
    measured: Measured | None = None,
) -> Outcome:
    """Send a draft through the channel and store the sent post in the thread.

    The draft is committed as `sending` before the call and recorded as sent or failed after
    it; a process that dies in between leaves it `sending`, and `mark_unconfirmed` later tells
    the agents to check the network before saying it again. Inside a savepoint nothing is
    committed early: the caller's transaction decides.
    """
    author = case.customer_author
    recipient = Author(Network(author.network), author.native_id, author.handle, author.name)
    target_row = session.get(PostRow, draft.reply_to_post_id) if draft.reply_to_post_id else None
    if draft.mode == "private" or target_row is None:
        message = Outgoing(draft.text, f"draft-{draft.id}", recipient=recipient)
    else:
        message = Outgoing(
            draft.text,
            f"draft-{draft.id}",
            target=ReplyTarget(target_row.native_id, recipient, target_row.direct),
        )
    try:
        account = brand_account(session, case.brand_id, case.network)
        draft.status, draft.send_started_at = SENDING, utcnow()
        if not session.in_nested_transaction():
            # Commit before the network call: the claim and the draft are durable, and no lock
            # is held while the network answers (on SQLite that would stop every writer). A
            # caller holding a savepoint (the job runner) records the send with its own mark.
            session.commit()
        sent = outbox.send(account, message)
    except (ChannelError, DeliveryError) as exc:
        count_error(Failure.SEND)
        draft.status, draft.error = "failed", str(exc)
        audit.record(
            session,
            entity_type="case",
            entity_id=case.id,
            action="reply.failed",
            actor=sender,
            after={"draft_id": draft.id, "error": str(exc)},
        )
        session.flush()
        return Outcome("failed", f"Not sent: {exc}", draft=draft, measured=measured)
    account.state = sent.account.to_json()
    post = store_sent(session, case, sent.post, account=account, user=sender)
    draft.status, draft.sent_post_id = "sent", post.id
    count(Stage.REPLIES_SENT)
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="reply.sent",
        actor=sender,
        after={
            "draft_id": draft.id,
            "mode": draft.mode,
            "network_id": post.native_id,
            "text": post.text,
        },
    )
    session.flush()
    network = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}.get(case.network)
    where = "privately" if draft.mode == "private" else "in public"
    said = f"Sent {where} on {network or case.network} as {post.native_id}."
    return Outcome("sent", said, draft, post, [], measured)


def approve(
    session: Session,
    draft: ReplyDraft,
    reviewer: User,
    outbox: Outbox,
    *,
    text: str | None = None,
) -> Outcome:
    """Send a held reply, as written or edited by the supervisor (the edit is audited)."""
    check_reviewer(draft, reviewer)
    case = session.get(Case, draft.case_id)
    assert case is not None
    edited = text.strip() if text is not None else draft.text
    if not edited:
        return Outcome("refused", "The approved reply cannot be empty.")
    measured = measure(case.network, edited, private=False, recipient_handle="")
    if not measured.valid:
        return Outcome("refused", too_long_message(measured), measured=measured)
    before = {"draft_id": draft.id, "status": PENDING, "text": draft.text}
    draft.text = edited
    draft.reviewer_user_id = reviewer.id
    draft.decided_at = utcnow()
    draft.status = "approved"
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="reply.approved",
        actor=reviewer,
        before=before,
        after={"draft_id": draft.id, "status": "approved", "text": edited},
    )
    session.flush()
    outcome = deliver(session, case, draft, draft.author, outbox, measured=measured)
    if outcome.status == "sent":
        case.reply_version = (case.reply_version or 0) + 1
    return outcome


def move_to_dm(session: Session, case: Case, user: User, version: int, outbox: Outbox) -> Outcome:
    """One click: a short public reply with the way into a private chat (and an opener DM)."""
    account = brand_account(session, case.brand_id, case.network)
    names = variables_for(case, user)
    try:
        public, opener = move_to_dm_text(account, names["first_name"])
    except ValueError as exc:
        return Outcome("refused", str(exc))
    outcome = submit_reply(
        session, case, user, ReplyRequest(public, "public", version, confirm_pii=True), outbox
    )
    if outcome.status == "sent" and opener:
        follow = submit_reply(
            session, case, user, ReplyRequest(opener, "private", case.reply_version), outbox
        )
        if follow.status != "sent":
            outcome.message += f" The private opener failed: {follow.message}"
    return outcome
