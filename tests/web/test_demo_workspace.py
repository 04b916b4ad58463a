"""The demo comes with people: agents and a supervisor in teams, SLA hours, macros; idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from atdesk.accounts.access import visible_brand_ids
from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.demo.workspace import ensure_workspace, reset_staff
from atdesk.models import Brand, BusinessCalendar, Macro, Team, User
from atdesk.storage.session import transaction


def test_the_demo_workspace_is_set_up_once(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        for name in ("Harbor Bank", "Cable Co", "City Works"):
            create_brand(session, name)
    ensure_workspace(settings)
    ensure_workspace(settings)
    assert reset_staff(settings, "a-demo-password") == ["ana", "leo", "sam"]
    with transaction(settings.database_url) as session:
        assert session.scalar(select(func.count(Team.id))) == 2
        assert session.scalar(select(func.count(Macro.id))) == 4
        ana = session.scalars(select(User).where(User.username == "ana")).one()
        names = {
            b.name
            for b in session.scalars(
                select(Brand).where(Brand.id.in_(visible_brand_ids(session, ana) or []))
            )
        }
        assert names == {"Harbor Bank", "Cable Co"}
        bank = session.scalars(select(Brand).where(Brand.name == "Harbor Bank")).one()
        calendar = session.get(BusinessCalendar, bank.id)
        assert calendar is not None and calendar.timezone == "America/New_York"
