"""Each triaged post records which model labelled it, through either way the pipeline runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from atdesk.domain.posts import RawEvent
from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.models import Post
from atdesk.pipeline.prepare import PipelineHandler
from atdesk.storage.session import transaction
from atdesk.triage.baseline import RulesTriager
from atdesk.triage.versions import model_version
from tests.factories import make_brand, post


@dataclass
class Bundle:
    manifest: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.manifest["version"])


@dataclass
class BrandIntents:
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Shipped:
    """Looks like the shipped triager to `model_version`; labels with the keyword rules."""

    bundle: Bundle
    intent_model: BrandIntents | None = None

    def triage(self, item: TriageInput) -> TriageResult:
        return RulesTriager().triage(item)

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        return RulesTriager().triage_many(items)


def test_each_kind_of_triager_is_named() -> None:
    assert model_version(RulesTriager()) == "rules"
    assert model_version(Shipped(Bundle({"version": "triage-2026.12.1"}))) == (
        "model:triage-2026.12.1"
    )
    branded = Shipped(Bundle({"version": "v3"}), BrandIntents({"version": "acme-7"}))
    assert model_version(branded) == "model:v3+intent:acme-7"
    assert model_version(Shipped(Bundle({"version": "v3"}), BrandIntents())) == (
        "model:v3+intent:BrandIntents"
    )
    assert len(model_version(Shipped(Bundle({"version": "x" * 200})))) == 80


def test_the_staged_pipeline_stores_the_version_it_triaged_with(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
    payloads = [
        RawEvent(source="jsonl", payload=post("1", "@acmehelp please call me")).to_json(),
        RawEvent(source="jsonl", payload=post("2", "@acmehelp hi", author="7")).to_json(),
    ]
    handler = PipelineHandler(triager=Shipped(Bundle({"version": "triage-test"})))
    store = handler.prepare(database_url, payloads)
    with transaction(database_url) as session:
        store(session, payloads)
        versions = {p.native_id: p.model_version for p in session.scalars(select(Post))}
    assert versions == {"1": "model:triage-test", "2": "model:triage-test"}
