"""Creating brands and attaching their network accounts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.errors import AppError
from atdesk.domain.handles import handle_key
from atdesk.domain.networks import Network
from atdesk.models import Brand, ChannelAccount, User


class BrandError(AppError):
    """A brand request that cannot be carried out, with the reason."""


def add_account(
    session: Session,
    brand: Brand,
    network: Network,
    handle: str,
    native_user_id: str | None = None,
) -> ChannelAccount:
    """Attach a network account to a brand; one account belongs to one brand only."""
    key = handle_key(handle)
    if not key:
        raise BrandError(f"empty {network.value} handle")
    existing = session.scalar(
        select(ChannelAccount).where(
            ChannelAccount.network == network.value, ChannelAccount.handle_key == key
        )
    )
    if existing is not None:
        if existing.brand_id != brand.id:
            raise BrandError(f"{network.value} account {handle!r} already belongs to another brand")
        if native_user_id and existing.native_user_id != native_user_id:
            existing.native_user_id = native_user_id
        return existing
    account = ChannelAccount(
        brand_id=brand.id,
        network=network.value,
        handle=handle.strip().lstrip("@"),
        handle_key=key,
        native_user_id=native_user_id,
        state={},
    )
    session.add(account)
    session.flush()
    return account


def create_brand(
    session: Session, name: str, accounts: Iterable[tuple[Network, str, str | None]] = ()
) -> Brand:
    """A new brand with its accounts; names are unique."""
    name = name.strip()
    if not name:
        raise BrandError("brand name must not be empty")
    if session.scalar(select(Brand).where(Brand.name == name)) is not None:
        raise BrandError(f"brand {name!r} already exists")
    brand = Brand(name=name, settings={})
    session.add(brand)
    session.flush()
    for network, handle, native_user_id in accounts:
        add_account(session, brand, network, handle, native_user_id)
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.created",
        actor=audit.SYSTEM,
        after={"name": name, "accounts": [f"{n.value}:{h}" for n, h, _ in accounts]},
    )
    return brand


def ensure_brand_accounts(
    session: Session, network: Network, handles: Iterable[str], *, replay_only: bool = False
) -> int:
    """Register company accounts seen in replay data as brands; returns how many were new.

    A history replay marks the brands it creates `replay_only` (ADR 73): they exist only
    because of the archive, so the workspace lists them apart from the working brands.
    """
    known = set(
        session.scalars(
            select(ChannelAccount.handle_key).where(ChannelAccount.network == network.value)
        )
    )
    created = 0
    for handle in sorted(set(handles)):
        if handle_key(handle) in known:
            continue
        brand = session.scalar(select(Brand).where(Brand.name == handle))
        if brand is None:
            brand = Brand(name=handle, settings={}, replay_only=replay_only)
            session.add(brand)
            session.flush()
        add_account(session, brand, network, handle, handle)
        known.add(handle_key(handle))
        created += 1
    return created


def adopt_brand(session: Session, brand: Brand, *, actor: User) -> bool:
    """A person gave a replay brand an account or credentials: it is a working brand now."""
    if not brand.replay_only:
        return False
    brand.replay_only = False
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.adopted",
        actor=actor,
        before={"replay_only": True},
        after={"replay_only": False},
    )
    session.flush()
    return True


def is_connected(account: ChannelAccount) -> bool:
    """True when credentials are stored."""
    state = account.state or {}
    return bool(state.get("user_token") or state.get("token") or state.get("app_password"))
