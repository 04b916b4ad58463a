"""The schema checkers the emulators use, on small hand-written specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from atdesk.emulators.schemas import LexiconValidator, OpenApiValidator

SPEC = {
    "openapi": "3.0.0",
    "paths": {
        "/2/things/{id}": {
            "get": {
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"$ref": "#/components/schemas/Id"},
                    },
                    {
                        "name": "max_results",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 5},
                    },
                    {
                        "name": "fields",
                        "in": "query",
                        "schema": {"type": "array", "items": {"enum": ["a", "b"]}},
                    },
                ],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        }
                    }
                },
            }
        },
        "/2/things/search": {"get": {"parameters": [], "responses": {}}},
    },
    "components": {
        "schemas": {
            "Id": {"type": "string", "pattern": "^[0-9]+$"},
            "Thing": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"$ref": "#/components/schemas/Id"}},
            },
        }
    },
}

LEXICONS = {
    "app.example.post": {
        "lexicon": 1,
        "id": "app.example.post",
        "defs": {
            "main": {
                "type": "record",
                "record": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {
                        "text": {"type": "string", "maxGraphemes": 3, "maxLength": 12},
                        "tags": {"type": "array", "maxLength": 1, "items": {"type": "string"}},
                        "embed": {"type": "union", "refs": ["#image"], "closed": True},
                        "author": {"type": "string", "format": "did"},
                    },
                },
            },
            "image": {
                "type": "object",
                "required": ["alt"],
                "properties": {"alt": {"type": "string"}},
            },
        },
    },
    "app.example.list": {
        "lexicon": 1,
        "id": "app.example.list",
        "defs": {
            "main": {
                "type": "query",
                "parameters": {
                    "type": "params",
                    "required": ["actor"],
                    "properties": {
                        "actor": {"type": "string"},
                        "limit": {"type": "integer", "maximum": 10},
                    },
                },
            }
        },
    },
}


def test_openapi_requests_paths_queries_and_responses() -> None:
    spec = OpenApiValidator(SPEC)
    assert spec.operation("GET", "/2/things/search")[0].template == "/2/things/search"  # type: ignore[index]
    assert (
        spec.check_request("GET", "/2/things/12", {"max_results": ["5"], "fields": ["a,b"]}, None)
        == []
    )
    problems = spec.check_request(
        "GET", "/2/things/x1", {"max_results": ["2"], "fields": ["c"], "z": ["1"]}, None
    )
    assert any("path parameter id" in p for p in problems)
    assert any("max_results" in p for p in problems)
    assert any("'c' is not one of" in p for p in problems)
    assert any("unknown query parameter 'z'" in p for p in problems)
    assert spec.check_response("GET", "/2/things/1", 200, {"id": "1"}) == []
    assert spec.check_response("GET", "/2/things/1", 200, {}) != []
    assert spec.check_request("GET", "/not/in/spec", {"x": ["1"]}, None) == []


def test_lexicon_records_unions_and_params() -> None:
    lexicons = LexiconValidator(LEXICONS)
    good = {
        "$type": "app.example.post",
        "text": "héé",
        "embed": {"$type": "app.example.post#image", "alt": "x"},
    }
    assert lexicons.check_record("app.example.post", good) == []
    bad = {
        "$type": "app.example.post",
        "text": "four",
        "tags": ["a", "b"],
        "embed": {"$type": "app.other#video"},
        "author": "dana",
    }
    problems = lexicons.check_record("app.example.post", bad)
    assert len(problems) == 4
    assert lexicons.check_record(
        "app.example.post", {"$type": "app.example.post", "text": "ééééééé"[:3] * 3}
    )
    assert lexicons.check_params("app.example.list", {"actor": ["a"], "limit": ["3"]}) == []
    assert lexicons.check_params("app.example.list", {"limit": ["30"], "x": ["1"]}) == [
        "unknown parameter 'x'",
        "missing required parameter 'actor'",
        "app.example.list param limit: above maximum 10",
    ]


@pytest.mark.data
def test_the_shared_specs_load(data_dir: Path) -> None:
    spec = OpenApiValidator.load(data_dir / "x-api-openapi/openapi-2026-02-classic-names.json")
    assert spec.operation("GET", "/2/users/1/mentions") is not None
    lexicons = LexiconValidator.load(data_dir / "atproto-lexicons/lexicons")
    assert lexicons.main("app.bsky.feed.post") is not None
