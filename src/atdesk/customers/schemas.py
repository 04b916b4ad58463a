"""API shapes for customers and their handles."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from atdesk.domain.networks import Network


class HandleOut(BaseModel):
    """A handle a customer is known by."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    network: str
    handle: str
    source: str


class CustomerOut(BaseModel):
    """A customer record as the API shows it (to authenticated staff only)."""

    id: int
    external_id: str | None
    name: str
    email: str | None
    phone: str | None
    handles: list[HandleOut]
    case_ids: list[int]
    created_at: datetime


class CustomerCreate(BaseModel):
    """Fields for a new customer."""

    name: str = Field(default="", max_length=200)
    email: str | None = None
    phone: str | None = None
    external_id: str | None = Field(default=None, max_length=128)
    handles: list[HandleIn] = Field(default_factory=list)


class CustomerUpdate(BaseModel):
    """Fields an agent may change; absent fields stay as they are."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = None
    phone: str | None = None
    external_id: str | None = Field(default=None, max_length=128)


class HandleIn(BaseModel):
    """A handle to link."""

    network: Network
    handle: str = Field(min_length=1, max_length=320)


CustomerCreate.model_rebuild()


class CustomerRef(BaseModel):
    """Who a callback or visit is for (contact data is on /api/v1/customers)."""

    id: int
    name: str
