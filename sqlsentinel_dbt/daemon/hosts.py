"""Which `Host` a request may name: the defence against DNS rebinding.

A web page on an attacker's domain can have its name re-pointed at 127.0.0.1 and then
read a server on localhost as if it were its own origin; what gives it away is the
`Host` header, which still carries the attacker's name. So every request must name one
of the hosts the server is meant to be reached by: the localhost names, the address it
is bound to (unless that is a wildcard such as 0.0.0.0), and whatever `--allowed-host`
adds. Starlette's TrustedHostMiddleware does the comparison (ports are not compared).

The probes `/healthz` and `/readyz` also accept any IP address as `Host`, because a
Kubernetes probe sends the pod's IP; a rebinding attack always needs a host *name*.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "[::]"})
PROBES = frozenset({"/healthz", "/readyz"})
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_NAME = re.compile(rf"^(\*\.)?{_LABEL}(\.{_LABEL})*$")


def host_pattern(entry: str) -> str:
    """One allowed-host entry as it is compared: lower case, no port, IPv6 in brackets.

    `*` allows any host, `*.example.com` any subdomain of example.com. Raises
    ValueError for anything that is not a host name or an IP address.
    """
    text = entry.strip().lower()
    if text == "*":
        return text
    literal = _ip_literal(text)
    if literal is not None:
        return literal
    try:
        host = urlsplit("//" + text).hostname or ""
        literal = _ip_literal(host)
    except ValueError:
        host, literal = "", None
    if literal is not None:
        return literal
    if text.startswith("*.") and _NAME.match(text):
        return text
    if not _NAME.match(host) or ("@" in text) or ("/" in text):
        raise ValueError(f"{entry!r} is not a host name or an IP address")
    return host


def allowed_hosts(bind: str, extra: Sequence[str] = ()) -> list[str]:
    """The localhost names, the bind address (if not a wildcard) and `extra`, as patterns."""
    names = list(LOCAL_NAMES)
    if bind.strip().lower() not in WILDCARD_BINDS:
        names.append(host_pattern(bind))
    names += [host_pattern(entry) for entry in extra]
    return list(dict.fromkeys(names))


class HostCheck:
    """ASGI middleware: 400 for a `Host` outside `allowed` (probes: any IP address too)."""

    def __init__(self, app: ASGIApp, allowed: Sequence[str]) -> None:
        self._app = app
        self._checked = TrustedHostMiddleware(app, allowed_hosts=list(allowed), www_redirect=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request through to the app, or answer 400 `Invalid host header`."""
        if scope["type"] == "http" and scope["path"] in PROBES:
            host = Headers(scope=scope).get("host", "")
            try:
                named = urlsplit("//" + host).hostname or ""
            except ValueError:
                named = ""
            if _ip_literal(named) is not None:
                await self._app(scope, receive, send)
                return
        await self._checked(scope, receive, send)


def _ip_literal(text: str) -> str | None:
    """`text` as TrustedHostMiddleware sees an IP address (IPv6 in brackets), or None."""
    try:
        address = ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    return f"[{address.compressed}]" if address.version == 6 else address.compressed
