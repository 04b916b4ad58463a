"""Brand walls on the reports pages (issue 14): Zzother's numbers, names and cases never show to
Acme's agent or supervisor, whatever the filter, key or format; they do show to Zzother's own
agent (the control that the walk's markers are really there)."""

from __future__ import annotations

import pytest

from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.test_brand_walls import Ids, Walker, leaks, report_searches, zzother  # noqa: F401
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)


@pytest.mark.parametrize("username", ["ana", "sam"])
def test_reports_show_nothing_of_another_brand(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,  # noqa: F811 (fixture)
    username: str,
) -> None:
    walker = Walker(workspace, username)
    for path, params in report_searches(zzother):
        status, text = walker.send("GET", path, params=params)
        assert status == 200, (path, params, status, text[:300])
        assert not leaks(text, zzother), (path, params, leaks(text, zzother))
        assert f'/cases/{zzother.case}"' not in text
    for path in ("/reports", "/reports/agents", "/reports/cases"):
        for params in ({"brand_id": zzother.brand}, {"team_id": zzother.team}):
            status, _text = walker.send("GET", path, params={"metric": "cases", **params})
            assert status == 404, (path, params, status)


def test_the_brands_own_agent_sees_its_reports(
    workspace: Workspace,  # noqa: F811 (fixture)
    zzother: Ids,  # noqa: F811 (fixture)
) -> None:
    olga = Walker(workspace, "olga")
    searches = report_searches(zzother)
    expected = [(p, q) for p, q in searches if p in ("/reports/brands", "/reports/cases")]
    shown = [(p, q) for p, q in expected if leaks(olga.send("GET", p, params=q)[1], zzother)]
    assert shown == expected
    _status, text = olga.send("GET", "/reports/cases", params=searches[-2][1])
    assert f'data-case="{zzother.case}"' in text
