"""An HTML fragment made safe to put inside an email: known tags only, every tag closed.

A `message` template's own markup is kept in HTML email, but a template can produce HTML
that breaks the rest of the message (`<table>` never closed, a stray `</body>`, a
`<style>` that restyles the page, a `<!--` that swallows everything after it). The
fragment is parsed with the standard library's HTML parser and written out again: text
escaped, tags outside a small formatting allowlist dropped (the content of `script` and
`style` with them), attributes only where they are harmless, and every open tag closed.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

_ALLOWED = frozenset(
    {"a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "u"}
    | {"table", "tbody", "td", "th", "thead", "tr", "ul"}
)
_VOID = frozenset({"br", "hr"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "title", "head", "template", "textarea"})
_LINK_SCHEMES = ("http://", "https://", "mailto:")


def balanced(fragment: str) -> str:
    """`fragment` rewritten as well-formed HTML of allowed tags; its text is unchanged."""
    writer = _Writer()
    writer.feed(fragment)
    writer.close()
    return writer.result()


class _Writer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._open: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self._skipping += 1
        elif tag in _ALLOWED and not self._skipping:
            self._out.append(f"<{tag}{_attributes(tag, attrs)}>")
            if tag not in _VOID:
                self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID and not self._skipping:
            self._out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._open and not self._skipping:  # a stray end tag is dropped
            while self._open:
                last = self._open.pop()
                self._out.append(f"</{last}>")
                if last == tag:
                    break

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._out.append(escape(data, quote=False))

    def result(self) -> str:
        return "".join(self._out) + "".join(f"</{tag}>" for tag in reversed(self._open))


def _attributes(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    if tag != "a":
        return ""
    href = next((value for name, value in attrs if name == "href" and value), "")
    if not href.strip().lower().startswith(_LINK_SCHEMES):
        return ""
    return f' href="{escape(href.strip(), quote=True)}"'
