"""The demo supervisor reads the replay's brands in the reports, once however often the demo
loads, and the report facts are computed before the first visit."""

from __future__ import annotations

from sqlalchemy import func, select

from atdesk.accounts.access import visible_brand_ids
from atdesk.config import Settings
from atdesk.demo.reports_team import REPLAY_TEAM, ensure_replay_reports
from atdesk.demo.workspace import ensure_workspace
from atdesk.models import Brand, CaseFacts, Team, TeamMember, User
from atdesk.storage.session import transaction
from tests.factories import make_brand, post, run


def test_the_supervisor_reads_the_replay_brands_once(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        session.add_all(Brand(name=f"replay{i}", settings={}, replay_only=True) for i in range(3))
        run(session, post("1", "@acmehelp my parcel is lost"))
    ensure_workspace(settings)
    said: list[str] = []
    assert ensure_replay_reports(settings, said.append) == 3
    assert ensure_replay_reports(settings, said.append) == 3, "a second load adds nothing"
    with transaction(settings.database_url) as session:
        teams = session.scalars(select(Team).where(Team.name == REPLAY_TEAM)).all()
        assert len(teams) == 1 and teams[0].auto_assign is False
        members = session.scalars(
            select(User.username).join(TeamMember).where(TeamMember.team_id == teams[0].id)
        ).all()
        assert members == ["sam"]
        sam = session.scalars(select(User).where(User.username == "sam")).one()
        replay = set(session.scalars(select(Brand.id).where(Brand.replay_only.is_(True))))
        seen = visible_brand_ids(session, sam)
        assert seen is not None and replay <= seen
        assert session.scalar(select(func.count()).select_from(CaseFacts)) == 1
    assert any("reads the 3 replay brands" in line for line in said), said
