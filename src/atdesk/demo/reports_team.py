"""The demo's supervisor reads the twcs replay's brands in the reports, and the reports are
ready when the demo starts (issue 14).

Sam works on the scenario brands; the replay's 105 brands belong to no team, so only the admin
would see them. A team of the replay brands with Sam in it (no automatic assignment: replay
cases are history and never routed, ADR 73) lets the supervisor compare them on /reports
(period October–December 2017) beside the live brands. The case facts are computed once here
so the first visit to /reports shows numbers; the worker keeps them fresh from then on.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from atdesk.accounts.teams import create_team, set_brands, set_members
from atdesk.config import Settings
from atdesk.models import Brand, Team, User
from atdesk.reports.facts import refresh
from atdesk.storage.session import transaction

ACTOR = "demo"
REPLAY_TEAM = "Replay brands"
SUPERVISOR = "sam"


def ensure_replay_reports(settings: Settings, echo: Callable[[str], None]) -> int:
    """Put the replay's brands in a team with the demo supervisor, then compute the report
    facts; running it again adds nothing twice. Returns how many replay brands the team has."""
    with transaction(settings.database_url) as session:
        replay = list(
            session.scalars(select(Brand.id).where(Brand.replay_only.is_(True)).order_by(Brand.id))
        )
        supervisor = session.scalar(select(User).where(User.username == SUPERVISOR))
        if replay and supervisor is not None:
            team = session.scalar(select(Team).where(Team.name == REPLAY_TEAM))
            if team is None:
                team = create_team(session, REPLAY_TEAM, actor=ACTOR, auto_assign=False)
            set_brands(session, team, replay, actor=ACTOR)
            set_members(session, team, [supervisor.id], actor=ACTOR)
    report = refresh(settings.database_url)
    if replay:
        echo(
            f"reports: {SUPERVISOR} reads the {len(replay)} replay brands too "
            "(/reports, custom period 2017-10-01 to 2017-12-31)"
        )
    echo(f"reports: facts of {report.computed:,} cases computed")
    return len(replay)
