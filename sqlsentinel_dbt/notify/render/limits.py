"""How much each medium takes, and cutting what is longer with a visible mark.

Whatever a message holds (a `message` template's output, a description, a 20 MB value a
query returned) is cut to its medium's documented limit, ending in
`… (truncated, N characters cut)`, so no receiver ever gets a message it refuses or
cannot show. Text is also made encodable: lone surrogates (which UTF-8 cannot carry) and
control characters other than tab and newline are replaced or dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

SLACK_SECTION = 3000
"""Characters in a Block Kit section's text (Slack refuses more)."""
SLACK_FIELD = 200
"""Title-like values (owner, project) inside a section header."""
TEAMS_BYTES = 28_000
"""A Teams webhook refuses messages over about 28 KB of JSON."""
TEAMS_FIELD = 200
"""Titles and fact values of a Teams card."""
EMAIL_PART = 1_000_000
"""Characters of an email's text part, and of its HTML part, shared by its notifications."""
PAGERDUTY_BYTES = 512_000
"""PagerDuty's Events API v2 refuses events over 512 KB."""
PAGERDUTY_SUMMARY = 1024
"""Characters of an event's summary (PagerDuty's limit)."""
OPSGENIE_MESSAGE = 130
"""Characters of an Opsgenie alert's message (longer is cut by Opsgenie)."""
OPSGENIE_DESCRIPTION = 15_000
"""Characters of an Opsgenie alert's description."""
OPSGENIE_DETAILS = 8_000
"""Characters of an Opsgenie alert's details, keys and values together."""
OPSGENIE_TAGS = 20
"""Tags of an Opsgenie alert, each of at most 50 characters."""
WEBHOOK_BYTES = 5_000_000
"""A webhook body, shared by its notifications: below common gateway limits (6-10 MB)."""

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def mark(cut: int, more: bool = False) -> str:
    """The visible note that `cut` (or `more` than `cut`) characters were left out."""
    return f"… (truncated, {'more than ' if more else ''}{cut:,} characters cut)"


def clean(text: str) -> str:
    """`text` that every medium can encode: no lone surrogates, no control characters."""
    return _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text))


def cut(text: str, limit: int, hidden: int = 0, more: bool = False) -> str:
    """`text` within `limit` characters, ending in the mark if anything was cut.

    `hidden` counts characters after `text` that were already left out (`more`: at least).
    """
    total = len(text) + hidden
    if total <= limit:
        return text
    keep = max(0, min(len(text), limit - len(mark(total, more))))
    return text[:keep] + mark(total - keep, more)


def cut_html(html: str, limit: int, hidden: int = 0, more: bool = False) -> str:
    """`cut` for HTML: never inside a tag or an entity (the mark needs no escaping)."""
    total = len(html) + hidden
    if total <= limit:
        return html
    kept = html[: max(0, min(len(html), limit - len(mark(total, more))))]
    for opener, closer in (("<", ">"), ("&", ";")):
        if kept.rfind(opener) > kept.rfind(closer):
            kept = kept[: kept.rfind(opener)]
    return kept + mark(total - len(kept), more)


def fit(text: str, limit: int, size: Callable[[str], int]) -> str:
    """`text`, or its longest start that with the mark has `size(...) <= limit`."""
    if size(text) <= limit:
        return text
    low, high = 0, min(len(text), limit)
    while low < high:  # bisection, since `size` (JSON bytes, say) is not the length
        middle = (low + high + 1) // 2
        if size(text[:middle] + mark(len(text) - middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low] + mark(len(text) - low)


def json_size(document: Any) -> int:
    """Bytes of `document` as JSON with every non-ASCII character escaped (the larger form)."""
    return len(json.dumps(document, default=str))


def fit_json(document: Any, limit: int) -> tuple[Any, bool]:
    """`document` within `limit` bytes of JSON, and whether anything was cut.

    Strings are cut shorter and shorter (each keeping the mark); if that is not enough,
    lists are shortened. Text is always cleaned (see `clean`).
    """
    longer: list[str] = []

    def cut_then_clean(text: str) -> str:
        # A string longer than the whole budget cannot stay whole: cut it before cleaning.
        if len(text) > limit:
            longer.append(text)
        return clean(cut(text, limit))

    cleaned = _map_strings(document, cut_then_clean)
    if json_size(cleaned) <= limit:
        return cleaned, bool(longer)
    for longest in (10_000, 1_000, 100):
        shorter = _map_strings(cleaned, partial(_cut_to, longest))
        if json_size(shorter) <= limit:
            return shorter, True
    for items in (100, 10, 1, 0):
        fewer = _shorten_lists(shorter, items)
        if json_size(fewer) <= limit:
            return fewer, True
    return fewer, True


def _cut_to(limit: int, text: str) -> str:
    return cut(text, limit)


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {change(str(k)): _map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(v, change) for v in value]
    return value


def _shorten_lists(value: Any, items: int) -> Any:
    if isinstance(value, dict):
        return {k: _shorten_lists(v, items) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten_lists(v, items) for v in value[:items]]
    return value
