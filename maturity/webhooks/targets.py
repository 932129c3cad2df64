"""Where a webhook may be delivered: the SSRF rule (docs/security.md, docs/webhooks.md).

In production a webhook never reaches a private, loopback, link-local, multicast, reserved or
unspecified address (IPv4 or IPv6, including IPv4 inside IPv6: mapped, NAT64, 6to4, Teredo),
and only over https. The URL is checked when it is registered (a clear message on the form)
and again at every delivery on the addresses the name resolves to then; the delivery connects
to the address it checked (``delivery.send``), so a name that resolves differently a moment
later (DNS rebinding) changes nothing. ``WEBHOOKS_ALLOW_PRIVATE_TARGETS`` (development and
tests) lifts the address rule; ``WEBHOOKS_ALLOW_HTTP`` allows plain http."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import current_app

MAX_URL_LENGTH = 500

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class TargetRefused(ValueError):
    """A URL or an address a webhook may not be delivered to. ``reason`` is a key the pages
    and the delivery log translate (``views.REFUSALS``)."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as it goes into the Host header and SNI (IDNA), without brackets
    port: int
    path: str  # path and query, as requested

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE_TARGETS"))


def allow_http() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_HTTP"))


def parse(url: str) -> Target:
    """The URL's parts, or ``TargetRefused`` for anything but a plain http(s) URL."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise TargetRefused("invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise TargetRefused("invalid") from None
    if parts.scheme not in {"http", "https"}:
        raise TargetRefused("scheme")
    if parts.scheme == "http" and not allow_http():
        raise TargetRefused("not_https")
    if not host or parts.username is not None or parts.password is not None:
        raise TargetRefused("invalid")
    if parts.fragment:
        raise TargetRefused("invalid")
    try:
        host = host.encode("idna").decode("ascii") if not _is_ip_literal(host) else host
    except UnicodeError:
        raise TargetRefused("invalid") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not path.isascii():  # the request line is ASCII: non-ASCII characters go percent-encoded
        path = quote(path, safe="/?&=%:@!$'()*+,;~-._")
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet: not private, loopback, link-local,
    multicast, reserved, unspecified or shared (carrier NAT), nor such an IPv4 address carried
    inside an IPv6 one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = []
        if address.ipv4_mapped is not None:
            embedded.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            embedded.append(address.sixtofour)
        if address.teredo is not None:
            embedded.extend(address.teredo)
        if address in _NAT64:
            embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(not is_public(v4) for v4 in embedded):
            return False
        if address.ipv4_mapped is not None:
            return True  # decided by the IPv4 address it carries
    return not (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
                or address.is_reserved or address.is_unspecified or not address.is_global)


def resolve(target: Target) -> list[str]:
    """The addresses the target's host resolves to now, each allowed (or ``TargetRefused``).
    Every address must be public, not only the first: a name that also resolves to an inside
    address is refused as a whole."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise TargetRefused("unresolvable", target.host) from None
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = sockaddr[0].split("%", 1)[0]  # an IPv6 scope id is not part of the address
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused("unresolvable", target.host)
    if not allow_private():
        for address in addresses:
            if not is_public(ipaddress.ip_address(address)):
                raise TargetRefused("private", address)
    return addresses


def check(url: str) -> Target:
    """At registration: the URL is well formed and, unless private targets are allowed, its
    host resolves to public addresses only."""
    target = parse(url)
    if not allow_private():
        resolve(target)
    return target
