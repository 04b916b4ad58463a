"""The demo's people and rules: agents and a supervisor in teams, SLA hours, holidays, macros."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.passwords import hash_password
from atdesk.accounts.service import create_user
from atdesk.accounts.teams import create_team, set_brands, set_members, set_skills
from atdesk.cases.policies import add_holiday, set_hours, set_targets
from atdesk.cases.sla import Targets
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.models import Brand, Holiday, Macro, Team, User
from atdesk.respond.macros import save_macro
from atdesk.storage.session import transaction

ACTOR = "demo"
STAFF: tuple[tuple[str, str, Role, list[str], list[str]], ...] = (
    ("ana", "Ana Ruiz", Role.AGENT, ["en", "es"], []),
    ("leo", "Leo Park", Role.AGENT, ["en"], []),
    ("sam", "Sam Lee", Role.SUPERVISOR, [], []),
)
TEAMS = (
    ("Bank & Cable care", ("Harbor Bank", "Cable Co"), ("ana", "sam")),
    ("City services", ("City Works",), ("leo", "sam")),
)
WEEKDAYS_8_TO_8 = {str(day): [["08:00", "20:00"]] for day in range(5)}
MACROS = (
    (
        "Move to DM",
        None,
        "Hi {first_name}, {agent} here. Please send us a DM with the details so we can "
        "keep them private.",
    ),
    (
        "Card frozen",
        "Harbor Bank",
        "Hi {first_name}, your card is frozen now. We'll DM you about a replacement. "
        "Ref {case_id}.",
    ),
    (
        "Technician visit",
        "Cable Co",
        "Hi {first_name}, {agent} here. Which day suits you for the technician? We have "
        "slots this week.",
    ),
    (
        "Report received",
        "City Works",
        "Thanks {first_name}, a crew is on it. Case {case_id}.",
    ),
)


def _brands(session: Session) -> dict[str, Brand]:
    return {b.name: b for b in session.scalars(select(Brand))}


def ensure_workspace(settings: Settings) -> None:
    """Staff, teams, SLA policies and macros for the demo brands; running twice adds nothing."""
    with transaction(settings.database_url) as session:
        brands = _brands(session)
        users: dict[str, User] = {}
        for username, name, role, languages, intents in STAFF:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                user = create_user(
                    session,
                    username=username,
                    password="demo-password-until-reset",  # noqa: S106 (replaced by reset_staff)
                    role=role,
                    display_name=name,
                )
                set_skills(
                    session, user, languages=languages, intents=intents, capacity=6, actor=ACTOR
                )
            users[username] = user
        for team_name, brand_names, members in TEAMS:
            if session.scalar(select(Team).where(Team.name == team_name)) is not None:
                continue
            team = create_team(session, team_name, actor=ACTOR)
            set_brands(
                session, team, [brands[b].id for b in brand_names if b in brands], actor=ACTOR
            )
            set_members(session, team, [users[m].id for m in members], actor=ACTOR)
        bank = brands.get("Harbor Bank")
        if bank is not None and not session.scalar(
            select(Holiday).where(Holiday.brand_id == bank.id)
        ):
            set_hours(session, bank, timezone="America/New_York", week=WEEKDAYS_8_TO_8, actor=ACTOR)
            add_holiday(session, bank, date(2026, 12, 25), "Christmas Day", actor=ACTOR)
            set_targets(
                session,
                bank,
                {"urgent": Targets(15, 30, 240), "high": Targets(30, 60, 480)},
                actor=ACTOR,
            )
            bank.settings = {**(bank.settings or {}), "public_contacts": ["+1 800 555 0100"]}
        if session.scalar(select(Macro).limit(1)) is None:
            for name, brand_name, body in MACROS:
                save_macro(
                    session,
                    name=name,
                    body=body,
                    brand=brands.get(brand_name) if brand_name else None,
                    actor=users["sam"],
                )


def reset_staff(settings: Settings, password: str) -> list[str]:
    """Give the demo staff this run's password (the admin's); returns their usernames."""
    with transaction(settings.database_url) as session:
        names = [s[0] for s in STAFF]
        for user in session.scalars(select(User).where(User.username.in_(names))):
            user.password_hash = hash_password(password)
    return names
