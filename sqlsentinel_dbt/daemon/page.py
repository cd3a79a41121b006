"""The dashboard's one HTML page, served by the daemon or written whole by `sentinel report`.

Served, the page loads its scripts and stylesheets from /static/ and its data from the API.
Written as a report, it carries them inline, with the data as a JSON block, under a Content
Security Policy that allows exactly those scripts and styles (by hash) and nothing else:
no request leaves the file. The charting library, uPlot, is vendored from npm in
static/vendor/ (static/vendor/VENDORED.md says which version and how to update it).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from sqlsentinel_dbt.store.timestamps import json_default

STATIC = Path(__file__).parent / "static"
SCRIPTS = ("vendor/uPlot.iife.min.js", "page.js", "charts.js", "dashboard.js")
STYLES = ("vendor/uPlot.min.css", "style.css")
REFRESH_SECONDS = 10
"""How often the served page asks the API for changes."""

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def served_page(project: str, *, can_run: bool) -> str:
    """The page `sentinel daemon` and `sentinel serve` answer at /."""
    return _TEMPLATES.get_template("dashboard.html").render(
        title=f"sqlsentinel · {project}",
        project=project,
        subtitle="",
        can_run=can_run,
        refresh_seconds=REFRESH_SECONDS,
        scripts=SCRIPTS,
        styles=STYLES,
        inline=None,
    )


def self_contained_page(project: str, subtitle: str, data_json: str) -> str:
    """The same page with its scripts, styles and data inside: `sentinel report`'s file.

    `data_json`: the data as `json_for_script` writes it.
    """
    scripts = [(STATIC / name).read_text(encoding="utf-8") for name in SCRIPTS]
    styles = [(STATIC / name).read_text(encoding="utf-8") for name in STYLES]
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(_hash(s) for s in scripts),
            "style-src " + " ".join(_hash(s) for s in styles),
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    return _TEMPLATES.get_template("dashboard.html").render(
        title=f"sqlsentinel report · {project}",
        project=project,
        subtitle=subtitle,
        can_run=False,
        refresh_seconds=0,
        csp=csp,
        # Markup: our own files, and JSON whose "<" are escaped so no "</script>" ends it.
        inline={
            "scripts": [Markup(s) for s in scripts],
            "styles": [Markup(s) for s in styles],
            "data": Markup(data_json),
        },
    )


def json_for_script(data: Any) -> str:
    """`data` as JSON safe inside a <script> block: every `<`, `>` and `&` escaped."""
    text = json.dumps(data, ensure_ascii=False, default=json_default, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
