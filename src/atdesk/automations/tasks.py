"""Every job handler, imported once so the job runner knows all kinds."""

from __future__ import annotations

import atdesk.automations.cityreports
import atdesk.automations.identity
import atdesk.automations.webhooks
import atdesk.respond.tasks
import atdesk.surveys.tasks
from atdesk.jobs.queue import HANDLERS

MODULES = (
    atdesk.automations.cityreports,
    atdesk.automations.identity,
    atdesk.respond.tasks,
    atdesk.automations.webhooks,
    atdesk.surveys.tasks,
)
KINDS = sorted(HANDLERS)
