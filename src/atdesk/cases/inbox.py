"""The inbox's filters, read the same way from a query string and from a saved view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from atdesk.accounts.deps import Viewer
from atdesk.cases.queries import CaseFilter
from atdesk.cases.saved_views import stored_filters
from atdesk.domain.cases import View
from atdesk.domain.ids import parse_id, parse_page
from atdesk.domain.networks import Network
from atdesk.domain.triage import Intent, Priority, Sentiment
from atdesk.models.base import utcnow

STATUSES = ("new", "open", "pending", "resolved")


@dataclass(frozen=True, slots=True)
class InboxParams:
    """The inbox's query string, read once and echoed back into links and forms."""

    view: View
    brand_id: int | None
    intent: str
    sentiment: str
    priority: str
    language: str
    network: str
    tag: str
    q: str
    status: str
    page: int
    # Cases holding a post triage flagged as spam / abuse: "1" only those, "0" none of those.
    spam: str = ""
    abuse: str = ""

    def query(self, **changes: Any) -> str:
        """This query string with some values changed (empty values left out)."""
        values = {
            "view": self.view.value,
            "brand_id": self.brand_id,
            "intent": self.intent,
            "sentiment": self.sentiment,
            "priority": self.priority,
            "language": self.language,
            "network": self.network,
            "tag": self.tag,
            "q": self.q,
            "status": self.status,
            "spam": self.spam,
            "abuse": self.abuse,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def filters(self) -> dict[str, str]:
        """What a saved view stores of these parameters: every filter, never the page."""
        return stored_filters(
            {
                "view": self.view.value,
                "brand_id": self.brand_id,
                "intent": self.intent,
                "sentiment": self.sentiment,
                "priority": self.priority,
                "language": self.language,
                "network": self.network,
                "tag": self.tag,
                "q": self.q,
                "status": self.status,
                "spam": self.spam,
                "abuse": self.abuse,
            }
        )

    def filter_for(self, viewer: Viewer) -> CaseFilter:
        """The case filter these parameters describe, limited to the viewer's brands."""
        return CaseFilter(
            status=self.status or None,
            brand_id=self.brand_id,
            intent=self.intent or None,
            sentiment=self.sentiment or None,
            priority=self.priority or None,
            language=self.language or None,
            network=self.network or None,
            tag=self.tag or None,
            search=self.q or None,
            spam=_flag(self.spam),
            abuse=_flag(self.abuse),
            view=self.view,
            user_id=viewer.user.id,
            team_ids=viewer.team_ids,
            team_brand_ids=viewer.team_brand_ids,
            brand_ids=viewer.brand_ids,
            now=utcnow(),
        )


def read_params(request: Request) -> InboxParams:
    """Parse the inbox query string; unknown values fall back to 'any'."""
    return params_from(request.query_params)


def params_from(q: Mapping[str, str]) -> InboxParams:
    """Inbox parameters from a query string or a saved view's filters, checked the same way."""
    try:
        view = View(q.get("view") or View.ALL.value)
    except ValueError:
        view = View.ALL
    brand = q.get("brand_id") or ""
    page = q.get("page") or "1"
    return InboxParams(
        view=view,
        brand_id=parse_id(brand),
        intent=q.get("intent", "") if q.get("intent") in {i.value for i in Intent} else "",
        sentiment=q.get("sentiment", "")
        if q.get("sentiment") in {s.value for s in Sentiment}
        else "",
        priority=q.get("priority", "") if q.get("priority") in {p.value for p in Priority} else "",
        language=(q.get("language") or "")[:8],
        network=q.get("network", "") if q.get("network") in {n.value for n in Network} else "",
        tag=(q.get("tag") or "").strip().lower()[:64],
        q=(q.get("q") or "").strip()[:200],
        status=q.get("status", "") if q.get("status") in STATUSES else "",
        page=parse_page(page),
        spam=_flag_param(q.get("spam")),
        abuse=_flag_param(q.get("abuse")),
    )


_YES = ("1", "true", "yes", "on")
_NO = ("0", "false", "no", "off")


def _flag_param(raw: str | None) -> str:
    """A yes/no filter as the query string keeps it: "1", "0", or "" (any)."""
    value = (raw or "").strip().lower()
    return "1" if value in _YES else "0" if value in _NO else ""


def _flag(value: str) -> bool | None:
    return None if not value else value == "1"
