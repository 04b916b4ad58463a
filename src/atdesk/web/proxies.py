"""Who is really asking, and over what: X-Forwarded-For/-Proto only from configured proxies.

Anyone can send an `X-Forwarded-For` header, so believing it would let a client pick the
address the login limiter counts against. Only a direct peer listed in `trusted_proxies`
(ATDESK_TRUSTED_PROXIES: IPs or CIDRs, comma-separated; empty by default, loopback included)
may say who the client is and whether it came over HTTPS. The resolved address and scheme
replace the ASGI scope's, so everything downstream (`request.client`, `request.url`) sees them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BadProxySetting(ValueError):
    """A trusted_proxies entry that is not an IP address or network."""


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """The proxies whose forwarding headers are believed; empty believes nobody."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, value: str) -> TrustedProxies:
        """'10.0.0.0/8, 192.0.2.7' → networks; a wrong entry is refused, naming it."""
        networks: list[Network] = []
        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise BadProxySetting(
                    f"ATDESK_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                    "(use e.g. 10.0.0.5 or 10.0.0.0/8, comma-separated)"
                ) from None
        return cls(tuple(networks))

    def trusts(self, address: str | None) -> bool:
        """Whether this peer is one of our proxies."""
        if not self.networks or not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client_address(self, peer: str, forwarded_for: Iterable[str]) -> str:
        """The first address, from the right, that is not one of our proxies.

        Each proxy appends the address it saw, so entries left of the nearest untrusted one
        were written by the client and prove nothing. A garbled entry there means the chain
        cannot be read, and the peer itself is kept.
        """
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
        for hop in reversed(hops):
            if self.trusts(hop):
                continue
            return hop if _is_ip(hop) else peer
        return hops[0] if hops else peer


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class ForwardedHeaders:
    """ASGI middleware: a trusted proxy's forwarded address and scheme become the request's."""

    def __init__(self, app: ASGIApp, trusted: TrustedProxies) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rewrite `client` and `scheme` only when the direct peer is a trusted proxy."""
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            peer = client[0] if client else None
            if peer is not None and self.trusted.trusts(peer):
                self._resolve(scope, peer)
        await self.app(scope, receive, send)

    def _resolve(self, scope: Scope, peer: str) -> None:
        headers = Headers(scope=scope)
        forwarded_for = headers.getlist("x-forwarded-for")
        if forwarded_for:
            address = self.trusted.client_address(peer, forwarded_for)
            scope["client"] = (address, 0)
        proto = headers.get("x-forwarded-proto", "")
        nearest = proto.split(",")[-1].strip().lower()
        if nearest in ("http", "https"):
            secure = nearest == "https"
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if secure else "ws"
            else:
                scope["scheme"] = nearest
