"""ASGI middlewares that keep other web pages out: CSRF, body size, browser headers.

- `SameOriginWrites`: every method but GET, HEAD and OPTIONS changes something, so it
  must come with `Content-Type: application/json` (a plain HTML form or a "simple"
  cross-site fetch cannot send that without a CORS preflight, which this server never
  grants), and a browser's `Origin` / `Sec-Fetch-Site` must say it comes from this very
  origin. A request carrying `Authorization: Bearer` cannot be forged by another page (a
  browser never adds a bearer token by itself), so only the JSON rule applies to it.
- `BodyLimit`: a declared `Content-Length` over the limit is refused before anything is
  read; a body without one is read only up to the limit.
- `SecurityHeaders`: a Content Security Policy allowing this origin's own scripts,
  styles, images and fetches and nothing else, no framing, no MIME sniffing, no referrer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 64 * 1024
"""Bytes a request body may have; the largest legitimate one (a silence) is far smaller."""
_DRAIN = 16 * 1024 * 1024  # read and drop up to this much so the client sees the 413
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class SecurityHeaders:
    """ASGI middleware: the headers above on every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in HEADERS if name not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self._app(scope, receive, with_headers)


class SameOriginWrites:
    """ASGI middleware: state changes only as JSON, and from this origin (see above)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """403 for a cross-site write, 415 for one that is not JSON; else the app."""
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            problem = _write_problem(scope)
            if problem is not None:
                status, detail = problem
                await JSONResponse({"detail": detail}, status)(scope, receive, send)
                return
        await self._app(scope, receive, send)


def _write_problem(scope: Scope) -> tuple[int, str] | None:
    headers = Headers(scope=scope)
    bearer = headers.get("authorization", "").lower().startswith("bearer ")
    if not bearer:
        site = headers.get("sec-fetch-site")
        if site is not None and site.lower() not in ("same-origin", "none"):
            return 403, f"refused a {site} request: changes come only from this origin"
        origin = headers.get("origin")
        if origin is not None and not _same_origin(origin, scope, headers.get("host", "")):
            return 403, "refused a request from another origin: changes come only from this one"
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        return 415, "send changes as JSON, with `Content-Type: application/json`"
    return None


def _same_origin(origin: str, scope: Scope, host: str) -> bool:
    """Whether `origin` (scheme://host[:port]) is this server as the request reached it."""
    scheme = str(scope.get("scheme", "http")).lower()
    try:
        theirs = urlsplit(origin)
        ours = urlsplit(f"{scheme}://{host}")
        their_port = theirs.port or _DEFAULT_PORTS.get(theirs.scheme.lower())
        our_port = ours.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return False
    if theirs.path or theirs.query or not theirs.hostname:
        return False
    return (theirs.scheme.lower(), theirs.hostname, their_port) == (
        scheme,
        ours.hostname,
        our_port,
    )


class BodyLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes, read no further."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self._app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body up to the limit, then hand it to the app as one message."""
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and not declared.strip().isdigit():
            await _refuse(400, "invalid Content-Length", scope, receive, send)
            return
        if declared is not None and int(declared) > self._limit:
            await _drain(receive, _DRAIN)
            await self._too_large(scope, receive, send)
            return
        body = await _read(receive, self._limit)
        if body is None:
            return  # the client left: nobody to answer
        if isinstance(body, _TooLarge):
            if body.more:
                await _drain(receive, _DRAIN)
            await self._too_large(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self._app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self._limit} bytes"
        await _refuse(413, detail, scope, receive, send)


class _TooLarge:
    """The body went past the limit; `more` if the client is still sending."""

    def __init__(self, more: bool) -> None:
        self.more = more


async def _read(receive: Receive, limit: int) -> bytes | _TooLarge | None:
    """The whole body; _TooLarge once it passes `limit`; None when the client left."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        more = bool(message.get("more_body", False))
        size += len(chunk)
        if size > limit:
            return _TooLarge(more)
        chunks.append(chunk)
        if not more:
            return b"".join(chunks)


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop up to `budget` bytes, so that a client still sending sees our answer."""
    dropped = 0
    while dropped <= budget:
        message = await receive()
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _refuse(status: int, detail: str, scope: Scope, receive: Receive, send: Send) -> None:
    await JSONResponse({"detail": detail}, status)(scope, receive, send)
