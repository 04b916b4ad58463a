"""Which retrained intent model triages each brand: read once per batch, in the short read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.models import Brand, TriageModel
from atdesk.triage.base import Triager


@dataclass(frozen=True, slots=True)
class LiveModels:
    """Paths of the live retrained models: per brand name, and for every other brand."""

    by_brand: dict[str, str] = field(default_factory=dict)
    everyone: str | None = None

    def __bool__(self) -> bool:
        """Whether any retrained model is live at all."""
        return bool(self.by_brand) or self.everyone is not None


def read_live_models(session: Session) -> LiveModels:
    """The live rows of triage_models (a few rows; brands are named as TriageInput names them)."""
    rows = session.execute(
        select(TriageModel.path, Brand.name)
        .outerjoin(Brand, Brand.id == TriageModel.brand_id)
        .where(TriageModel.live.is_(True))
        .order_by(TriageModel.id)
    ).all()
    by_brand = {name: path for path, name in rows if name is not None}
    everyone = next((path for path, name in rows if name is None), None)
    return LiveModels(by_brand, everyone)


class BrandRouted:
    """Each post triaged by its brand's triager (else the default), one batch per triager."""

    def __init__(self, default: Triager, by_brand: dict[str, Triager]) -> None:
        self.default = default
        self.by_brand = by_brand

    def triager_of(self, item: TriageInput) -> Triager:
        """The triager a post's brand uses."""
        if item.brand is None:
            return self.default
        return self.by_brand.get(item.brand, self.default)

    def triage(self, item: TriageInput) -> TriageResult:
        """Label one post with its brand's triager."""
        return self.triager_of(item).triage(item)

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        """Label a batch: the posts of each triager together, answers in input order."""
        groups: dict[int, tuple[Triager, list[int]]] = {}
        for row, item in enumerate(items):
            triager = self.triager_of(item)
            groups.setdefault(id(triager), (triager, []))[1].append(row)
        results: list[TriageResult | None] = [None] * len(items)
        for triager, rows in groups.values():
            for row, result in zip(
                rows, triager.triage_many([items[r] for r in rows]), strict=True
            ):
                results[row] = result
        return [r for r in results if r is not None]
