"""The JSON POST the webhook, Teams and PagerDuty senders share, classified by HTTP status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from sqlsentinel_dbt.notify.retry import SendResult, from_status
from sqlsentinel_dbt.notify.senders import USER_AGENT
from sqlsentinel_dbt.redact import Redactor


def post_json(
    url: str,
    body: Any,
    timeout: float,
    redact: Redactor,
    headers: Mapping[str, str] | None = None,
) -> SendResult:
    """POST `body` as JSON (bytes are sent as they are), with `headers` too; never raises.

    The answer is classified by its status (retry.from_status); every reason is redacted.
    """
    sent = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})}
    content: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"json": body}
    try:
        # A redirect is a configuration problem to fix, not something to follow.
        response = requests.post(
            url, **content, headers=sent, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        return SendResult(False, True, redact(f"{type(exc).__name__}: {exc}"))
    result = from_status(response.status_code, response.text, response.headers.get("Retry-After"))
    return SendResult(result.ok, result.retryable, redact(result.reason), result.retry_after)
