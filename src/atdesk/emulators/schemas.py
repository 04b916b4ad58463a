"""Validation of emulator traffic against the networks' own published schemas.

X: the OpenAPI 3 document (classic field names, 2026-02). Bluesky: the AT Protocol
lexicons. Both are read from the shared data directory (ATDESK_DATA_DIR); without it the
emulators run unvalidated and say so once. Mastodon publishes no machine-readable schema.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import regex
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from atdesk.config import Settings

log = logging.getLogger(__name__)

OPENAPI_FILE = "x-api-openapi/openapi-2026-02-classic-names.json"
LEXICON_DIR = "atproto-lexicons/lexicons"
_DOC_URI = "urn:atdesk:x-openapi"


def shared_data_dir() -> Path | None:
    """The shared data directory, or None when it is not on this machine."""
    path = Path(os.environ.get("ATDESK_DATA_DIR") or Settings().data_dir)
    return path if path.is_dir() else None


# --- OpenAPI (X) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenApiOperation:
    """One operation of the spec with its path template compiled to a regex."""

    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Mapping[str, Any]


class OpenApiValidator:
    """Checks requests (path, query, body) and responses against one OpenAPI 3 document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT7)
        self._registry: Registry[Any] = Registry().with_resource(_DOC_URI, resource)
        self._operations: list[OpenApiOperation] = []
        self._validators: dict[str, Draft7Validator] = {}
        for template, item in document.get("paths", {}).items():
            regex_text = "^" + re.sub(r"\{([^}/]+)\}", r"(?P<\1>[^/]+)", template) + "$"
            compiled = re.compile(regex_text)
            for method, spec in item.items():
                if method in {"get", "post", "put", "delete", "patch"}:
                    self._operations.append(
                        OpenApiOperation(method.upper(), template, compiled, spec)
                    )
        # Literal paths win over templated ones (`/2/tweets/search/stream` vs `/2/tweets/{id}`).
        self._operations.sort(key=lambda o: o.template.count("{"))

    @classmethod
    def load(cls, path: Path) -> OpenApiValidator:
        """Read the spec file."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def operation(self, method: str, path: str) -> tuple[OpenApiOperation, dict[str, str]] | None:
        """The operation serving this request, with its path parameters."""
        for op in self._operations:
            if op.method == method.upper():
                match = op.pattern.match(path)
                if match:
                    return op, match.groupdict()
        return None

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node
        target: Any = self.document
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        return dict(target)

    def _validator(self, schema: Mapping[str, Any]) -> Draft7Validator:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            validator = Draft7Validator(_reroot(schema), registry=self._registry)
            self._validators[key] = validator
        return validator

    def _errors(self, schema: Mapping[str, Any], value: Any, where: str) -> list[str]:
        validator = self._validator(schema)
        return [
            f"{where}: {e.message} at {'/'.join(str(p) for p in e.absolute_path) or '(root)'}"
            for e in validator.iter_errors(value)
        ]

    def check_request(
        self, method: str, path: str, query: Mapping[str, list[str]], body: Any
    ) -> list[str]:
        """Problems with a request; [] when it conforms (or the path is not in the spec)."""
        found = self.operation(method, path)
        if found is None:
            return []
        op, path_params = found
        problems: list[str] = []
        declared: dict[str, Mapping[str, Any]] = {}
        for raw in op.spec.get("parameters", []):
            param = self._resolve(raw)
            declared[f"{param['in']}:{param['name']}"] = param
        for name, value in path_params.items():
            path_param = declared.get(f"path:{name}")
            if path_param is not None:
                schema = path_param.get("schema", {})
                problems += self._errors(schema, value, f"path parameter {name}")
        for name, values in query.items():
            query_param = declared.get(f"query:{name}")
            if query_param is None:
                known = sorted(k.split(":", 1)[1] for k in declared if k.startswith("query:"))
                problems.append(f"unknown query parameter {name!r}; known: {', '.join(known)}")
                continue
            raw_schema = query_param.get("schema", {})
            value = _coerce(self._resolve(raw_schema), values[-1])
            problems += self._errors(raw_schema, value, f"query parameter {name}")
        for key, declared_param in declared.items():
            if key.startswith("query:") and declared_param.get("required") and key[6:] not in query:
                problems.append(f"missing required query parameter {key[6:]!r}")
        request_body = op.spec.get("requestBody")
        if request_body:
            body_schema = _json_schema(request_body)
            if body is None and request_body.get("required"):
                problems.append("missing JSON request body")
            elif body_schema is not None and body is not None:
                problems += self._errors(body_schema, body, "request body")
        return problems

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """Problems with a response body the emulator produced."""
        found = self.operation(method, path)
        if found is None or body is None:
            return []
        responses = found[0].spec.get("responses", {})
        spec = responses.get(str(status)) or responses.get("default")
        if not spec:
            return [f"status {status} is not documented for {method} {found[0].template}"]
        schema = _json_schema(spec, prefer_problem=status >= 400)
        return self._errors(schema, body, f"response {status}") if schema else []

    def check_schema(self, name: str, value: Any) -> list[str]:
        """Validate against one named component schema (e.g. a stream line)."""
        return self._errors({"$ref": f"#/components/schemas/{name}"}, value, name)


def _reroot(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Point local refs (`#/components/...`) at the registered document."""
    text = json.dumps(schema).replace('"#/components/', f'"{_DOC_URI}#/components/')
    result: dict[str, Any] = json.loads(text)
    return result


def _json_schema(spec: Mapping[str, Any], prefer_problem: bool = False) -> Mapping[str, Any] | None:
    content = spec.get("content") or {}
    order = (
        ["application/problem+json", "application/json"] if prefer_problem else ["application/json"]
    )
    for media in order:
        if media in content:
            schema = content[media].get("schema")
            return dict(schema) if schema else None
    return None


def _coerce(schema: Mapping[str, Any], value: str) -> Any:
    """Query strings to the JSON types their schema expects (comma lists for arrays)."""
    kind = schema.get("type")
    if kind == "array":
        return value.split(",")
    if kind == "integer":
        try:
            return int(value)
        except ValueError:
            return value
    if kind == "boolean":
        return {"true": True, "false": False}.get(value, value)
    return value


@cache
def x_openapi() -> OpenApiValidator | None:
    """The shared X spec, loaded once; None (with a warning) when the data is absent."""
    base = shared_data_dir()
    path = base / OPENAPI_FILE if base else None
    if path is None or not path.is_file():
        log.warning("X OpenAPI spec not found (set ATDESK_DATA_DIR); X emulator runs unvalidated")
        return None
    return OpenApiValidator.load(path)


# --- Lexicons (Bluesky) --------------------------------------------------------------

_GRAPHEME = regex.compile(r"\X")


class LexiconValidator:
    """Checks XRPC params, inputs, outputs and records against AT Protocol lexicons."""

    def __init__(self, lexicons: Mapping[str, Mapping[str, Any]]) -> None:
        self.lexicons = lexicons

    @classmethod
    def load(cls, directory: Path) -> LexiconValidator:
        """Read every lexicon file under `directory`."""
        found: dict[str, Mapping[str, Any]] = {}
        for path in directory.rglob("*.json"):
            doc = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(doc, dict) and "id" in doc:
                found[str(doc["id"])] = doc
        return cls(found)

    def main(self, nsid: str) -> Mapping[str, Any] | None:
        """The `main` definition of a lexicon."""
        doc = self.lexicons.get(nsid)
        return doc["defs"].get("main") if doc else None

    def _def(self, ref: str, context: str) -> tuple[Mapping[str, Any], str]:
        nsid, _, name = ref.partition("#")
        nsid = nsid or context
        doc = self.lexicons.get(nsid)
        if doc is None:
            raise KeyError(f"unknown lexicon {nsid}")
        return doc["defs"][name or "main"], nsid

    def check_params(self, nsid: str, query: Mapping[str, list[str]]) -> list[str]:
        """Query parameters of a query or procedure."""
        main = self.main(nsid)
        if main is None:
            return [f"unknown XRPC method {nsid}"]
        params = main.get("parameters") or {"properties": {}}
        props = params.get("properties", {})
        problems = [f"unknown parameter {name!r}" for name in query if name not in props]
        for name in params.get("required", []):
            if name not in query:
                problems.append(f"missing required parameter {name!r}")
        for name, values in query.items():
            spec = props.get(name)
            if spec is None:
                continue
            if spec.get("type") == "array":
                value: Any = [_param_value(spec.get("items", {}), v) for v in values]
            else:
                value = _param_value(spec, values[-1])
            problems += self._check(spec, value, f"{nsid} param {name}", nsid)
        return problems

    def check_input(self, nsid: str, body: Any) -> list[str]:
        """A procedure's JSON input."""
        main = self.main(nsid)
        schema = ((main or {}).get("input") or {}).get("schema")
        if schema is None:
            return []
        return self._check(schema, body, f"{nsid} input", nsid)

    def check_output(self, nsid: str, body: Any) -> list[str]:
        """A method's JSON output."""
        main = self.main(nsid)
        schema = ((main or {}).get("output") or {}).get("schema")
        if schema is None:
            return []
        return self._check(schema, body, f"{nsid} output", nsid)

    def check_record(self, collection: str, record: Any) -> list[str]:
        """A record of a known collection (e.g. app.bsky.feed.post)."""
        main = self.main(collection)
        if main is None or main.get("type") != "record":
            return []
        if not isinstance(record, Mapping) or record.get("$type") != collection:
            return [f"record $type must be {collection}"]
        return self._check(main["record"], record, f"{collection} record", collection)

    def _check(self, spec: Mapping[str, Any], value: Any, where: str, ctx: str) -> list[str]:
        kind = spec.get("type")
        if kind == "ref":
            target, target_ctx = self._def(str(spec["ref"]), ctx)
            return self._check(target, value, where, target_ctx)
        if kind == "union":
            return self._union(spec, value, where, ctx)
        if kind in {"object", "params"}:
            return self._object(spec, value, where, ctx)
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where}: expected an array"]
            problems = []
            if "maxLength" in spec and len(value) > spec["maxLength"]:
                problems.append(f"{where}: more than {spec['maxLength']} items")
            if "minLength" in spec and len(value) < spec["minLength"]:
                problems.append(f"{where}: fewer than {spec['minLength']} items")
            for index, item in enumerate(value):
                problems += self._check(spec.get("items", {}), item, f"{where}[{index}]", ctx)
            return problems
        if kind == "string":
            return _string(spec, value, where)
        if kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return [f"{where}: expected an integer"]
            if "minimum" in spec and value < spec["minimum"]:
                return [f"{where}: below minimum {spec['minimum']}"]
            if "maximum" in spec and value > spec["maximum"]:
                return [f"{where}: above maximum {spec['maximum']}"]
            return []
        if kind == "boolean":
            return [] if isinstance(value, bool) else [f"{where}: expected a boolean"]
        if kind in {"unknown", "blob", "cid-link", "bytes"}:
            return [] if isinstance(value, dict) else [f"{where}: expected an object"]
        return []

    def _object(self, spec: Mapping[str, Any], value: Any, where: str, ctx: str) -> list[str]:
        if not isinstance(value, Mapping):
            return [f"{where}: expected an object"]
        problems = [
            f"{where}: missing required {name!r}"
            for name in spec.get("required", [])
            if name not in value
        ]
        nullable = set(spec.get("nullable", []))
        for name, prop in spec.get("properties", {}).items():
            if name in value and not (value[name] is None and name in nullable):
                problems += self._check(prop, value[name], f"{where}.{name}", ctx)
        return problems

    def _union(self, spec: Mapping[str, Any], value: Any, where: str, ctx: str) -> list[str]:
        if not isinstance(value, Mapping) or "$type" not in value:
            return [f"{where}: union member needs $type"]
        wanted = str(value["$type"])
        for ref in spec.get("refs", []):
            target, target_ctx = self._def(str(ref), ctx)
            full = ref if not ref.startswith("#") else f"{ctx}{ref}"
            if (
                full == wanted
                or (full.endswith("#main") and full[:-5] == wanted)
                or ("#" not in full and full == wanted)
            ):
                return self._check(target, value, where, target_ctx)
        if spec.get("closed"):
            return [f"{where}: $type {wanted} not allowed here"]
        return []


def _param_value(spec: Mapping[str, Any], raw: str) -> Any:
    kind = spec.get("type")
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def _string(spec: Mapping[str, Any], value: Any, where: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{where}: expected a string"]
    problems = []
    size = len(value.encode("utf-8"))
    if "maxLength" in spec and size > spec["maxLength"]:
        problems.append(f"{where}: longer than {spec['maxLength']} bytes")
    if "minLength" in spec and size < spec["minLength"]:
        problems.append(f"{where}: shorter than {spec['minLength']} bytes")
    graphemes = len(_GRAPHEME.findall(value))
    if "maxGraphemes" in spec and graphemes > spec["maxGraphemes"]:
        problems.append(f"{where}: more than {spec['maxGraphemes']} graphemes")
    if "minGraphemes" in spec and graphemes < spec["minGraphemes"]:
        problems.append(f"{where}: fewer than {spec['minGraphemes']} graphemes")
    if "enum" in spec and value not in spec["enum"]:
        problems.append(f"{where}: {value!r} not one of {spec['enum']}")
    if "const" in spec and value != spec["const"]:
        problems.append(f"{where}: must be {spec['const']!r}")
    problems += _format(spec.get("format"), value, where)
    return problems


def _format(fmt: Any, value: str, where: str) -> list[str]:
    if fmt == "did" and not re.fullmatch(r"did:[a-z]+:[A-Za-z0-9._:%-]+", value):
        return [f"{where}: {value!r} is not a DID"]
    if fmt == "at-uri" and not value.startswith("at://"):
        return [f"{where}: {value!r} is not an at:// URI"]
    if fmt == "handle" and not re.fullmatch(r"([a-zA-Z0-9-]+\.)+[a-zA-Z][a-zA-Z0-9-]*", value):
        return [f"{where}: {value!r} is not a handle"]
    if fmt == "datetime":
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return [f"{where}: {value!r} is not an ISO 8601 datetime"]
        if parsed.tzinfo is None:
            return [f"{where}: {value!r} has no time zone"]
    if fmt == "nsid" and not re.fullmatch(r"[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+){2,}", value):
        return [f"{where}: {value!r} is not an NSID"]
    return []


@cache
def atproto_lexicons() -> LexiconValidator | None:
    """The shared lexicons, loaded once; None (with a warning) when the data is absent."""
    base = shared_data_dir()
    path = base / LEXICON_DIR if base else None
    if path is None or not path.is_dir():
        log.warning(
            "AT Protocol lexicons not found (set ATDESK_DATA_DIR); Bluesky emulator unvalidated"
        )
        return None
    return LexiconValidator.load(path)
