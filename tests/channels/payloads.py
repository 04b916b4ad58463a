"""Recorded payloads (written from the wire-format reference, invented ids)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).parent / "payloads"


def load(name: str) -> Any:
    """One recorded payload by file name."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def raw(name: str) -> bytes:
    """A payload's exact bytes, as a webhook would deliver them."""
    return (PAYLOADS / name).read_bytes()
