"""Every route of the connectors capability, included by the web app in one line."""

from __future__ import annotations

from fastapi import APIRouter

from atdesk.connectors import api, pages, push_api, x_webhook

router = APIRouter()
router.include_router(x_webhook.router)
router.include_router(pages.router)
router.include_router(api.router)
router.include_router(push_api.router)
