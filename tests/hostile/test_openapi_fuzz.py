"""Issue 10, point 8: schemathesis over the app's own /openapi.json finds no 5xx.

Every operation the API documents is called in-process (ASGI, no socket, no network) with
generated requests, valid ones and deliberately invalid ones, by an admin's bearer token and by
an agent of the other brand, whose brand checks run queries of their own. Generation is
derandomized and bounded, so a run is the same every time and a failure can be replayed.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from atdesk.accounts.service import create_token, find_user
from atdesk.config import Settings
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import seed

pytestmark = pytest.mark.hostile

# Enough examples per operation and mode to reach boundaries, few enough for about a minute.
EXAMPLES = 10
FUZZ = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
)


def _app_and_token(settings: Settings, username: str) -> tuple[FastAPI, str]:
    """The seeded workspace's app and a fresh API token for this user."""
    seed(settings)
    with transaction(settings.database_url) as session:
        token = create_token(session, find_user(session, username), name="schemathesis")
    return create_app(settings, outbox=RecordingOutbox()), token


def _fuzz(operation: Any, mode: GenerationMode, auth: dict[str, str]) -> None:
    """Send generated requests to one operation; the first 5xx fails (after shrinking)."""

    @FUZZ
    @hypothesis.given(case=operation.as_strategy(mode, headers=auth))
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(headers=auth)
        case.validate_response(response, checks=[not_a_server_error], headers=auth)

    run()


@pytest.mark.parametrize("username", ["root", "olga"])
def test_no_generated_request_answers_5xx(settings: Settings, username: str) -> None:
    app, token = _app_and_token(settings, username)
    auth = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, headers=auth)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the schema is valid: {result.err()}"
        operations.append(result.ok())
    assert len(operations) > 40, "the schema documents the API"
    failures: list[str] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, auth)
            except Unsatisfiable:
                continue  # nothing to make invalid: the operation takes no input
            except Exception as error:  # collected: every operation is reported
                notes = "\n".join(getattr(error, "__notes__", []))
                failures.append(f"{operation.label} ({mode.value}): {error}\n{notes}")
    assert not failures, "\n\n".join(failures)
