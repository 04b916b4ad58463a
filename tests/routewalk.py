"""Every route of the app with its parameters, for tests that walk the whole HTTP surface."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PLACEHOLDER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One method on one path, with the names and types of what it reads from the request."""

    method: str
    path: str
    module: str
    path_params: dict[str, Any]
    query_params: dict[str, Any]
    form_params: dict[str, Any]
    json_params: dict[str, Any]
    required: frozenset[str]

    @property
    def writes(self) -> bool:
        """POST, PUT, PATCH and DELETE change something; GET only reads."""
        return self.method in WRITE_METHODS

    def url(self, values: dict[str, object]) -> str:
        """The path with its placeholders filled from values."""
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def is_int(annotation: Any) -> bool:
    """An int parameter, optional or repeated (int, int | None, list[int])."""
    if annotation is int:
        return True
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(is_int(a) for a in args if a is not type(None))
    if origin is list:
        return bool(args) and is_int(args[0])
    return False


def _collect(dependant: Dependant, into: dict[str, dict[str, Any]]) -> None:
    for p in dependant.path_params:
        into["path"][p.alias] = p.field_info.annotation
    for p in dependant.query_params:
        into["query"][p.alias] = p.field_info.annotation
        if p.field_info.is_required():
            into["required"][p.alias] = True
    for p in dependant.body_params:
        kind = type(p.field_info).__name__
        into["form" if kind in ("Form", "File") else "json"][p.alias] = p.field_info.annotation
    for sub in dependant.dependencies:
        _collect(sub, into)


def routes(app: FastAPI) -> Iterator[Route]:
    """Every API route and page of the app, one per method, in the app's order."""
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        if not isinstance(original, APIRoute) or context.path is None:
            continue
        found: dict[str, dict[str, Any]] = {
            "path": {},
            "query": {},
            "form": {},
            "json": {},
            "required": {},
        }
        _collect(original.dependant, found)
        for method in sorted(original.methods or ()):
            if method == "HEAD":
                continue
            yield Route(
                method=method,
                path=context.path,
                module=original.endpoint.__module__,
                path_params=found["path"],
                query_params=found["query"],
                form_params=found["form"],
                json_params=found["json"],
                required=frozenset(found["required"]),
            )
