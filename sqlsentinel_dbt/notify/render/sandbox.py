"""A Jinja2 sandbox that bounds what one `message` template may cost.

Jinja's own sandbox stops a template from reaching Python internals, but not from
spending unbounded time or memory (`{{ 'x' * 10**10 }}`, nested loops, `~` doubling a
string). This one adds three bounds, and any breach is a `TemplateProblem`, like any
other failure of the template:

- work: the render runs under a trace function that counts Python events, so a template
  that loops (nearly) forever stops after `WORK_LIMIT` of them, whatever the machine's
  speed;
- size: no value a template builds (by `*`, `+`, `%`, `~`, `join`, `replace`, a filter
  or a method) may hold more than `VALUE_LIMIT` characters or items, checked before the
  operations that could jump past it in one step;
- mutation: lists and dicts are immutable (`ImmutableSandboxedEnvironment`).

The output itself is not bounded here: the caller reads it as a stream and keeps only
what its medium takes (see `template.py`).
"""

from __future__ import annotations

import math
import re
import sys
import time
import types
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

WORK_LIMIT = 1_000_000
"""Python trace events one render may take: about half a second; a template listing ten
instances takes a few thousand."""
VALUE_LIMIT = 32_000_000
"""Characters or items in any one value a template builds."""
TIME_LIMIT = 10.0
"""Seconds one render may take: a safety net for costly steps (copying a huge value in a
loop), which the count of steps does not weigh."""
WIDTH_LIMIT = 100_000
"""A width or precision in a `%` or `format` specification."""
_POWER_BITS = 1_000_000

# A printf-style conversion: flags, width, precision (either may be `*`), type.
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_BRACES = re.compile(r"\{([^{}]*)\}")
_DIGITS = re.compile(r"\d+")


class TemplateProblem(Exception):
    """A message template that cannot be used; `str()` is the reason, on one line."""


class OutOfWork(TemplateProblem):
    """The render went past its work budget or its time."""


def weight(value: Any) -> int:
    """How big a value is: characters of text, items of a collection (0 for anything else)."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    return 0


def _repeated_weight(value: Any) -> int:
    """The weight of a sequence about to be repeated, with the text of a short list's items.

    `[big_text] * 1000` is as big as the text a thousand times over.
    """
    if isinstance(value, list | tuple) and len(value) <= 1000:
        return len(value) + sum(weight(item) for item in value)
    return weight(value)


def checked(value: Any) -> Any:
    """`value`, if it is within VALUE_LIMIT."""
    _within(weight(value))
    return value


def _within(size: int) -> None:
    if size > VALUE_LIMIT:
        raise TemplateProblem(
            f"the template builds a value of {size:,} characters or items (at most {VALUE_LIMIT:,})"
        )


def _wide(number: Any) -> bool:
    return isinstance(number, int) and not isinstance(number, bool) and number > WIDTH_LIMIT


def _check_printf(template: Any, arguments: Any) -> None:
    """`template % arguments` must not ask for a huge width or precision."""
    if not isinstance(template, str):
        return
    specs = [part for spec in _PRINTF.findall(template) for part in spec if part]
    values = arguments if isinstance(arguments, tuple | list) else [arguments]
    starred = "*" in specs and any(_wide(v) for v in values)
    if starred or any(part.isdigit() and int(part) > WIDTH_LIMIT for part in specs):
        raise TemplateProblem(f"a format asks for a width or precision over {WIDTH_LIMIT:,}")


def _check_str_format(template: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """`template.format(...)` must not ask for a huge width or precision."""
    fields = _BRACES.findall(template)
    numbers = [int(d) for f in fields if ":" in f for d in _DIGITS.findall(f.split(":", 1)[1])]
    nested = "{" in "".join(_BRACES.sub("", template))  # a width taken from an argument
    given = [*args, *kwargs.values()]
    if any(n > WIDTH_LIMIT for n in numbers) or (nested and any(_wide(v) for v in given)):
        raise TemplateProblem(f"a format asks for a width or precision over {WIDTH_LIMIT:,}")


def _check_str_method(text: str | bytes, name: str, args: tuple[Any, ...]) -> None:
    """The str methods that can build a much longer string than they are given."""
    first = args[0] if args else None
    if name in ("center", "ljust", "rjust", "zfill") and isinstance(first, int):
        _within(first)
    elif name == "expandtabs" and isinstance(first, int):
        _within(len(text) * max(first, 1))
    elif name == "replace" and len(args) >= 2 and isinstance(first, type(text)):
        found = text.count(first) if first else len(text) + 1
        _within(len(text) + found * weight(args[1]))


def _joined(separator: Any, items: Iterable[Any]) -> list[Any]:
    """The items to join, read once; refused if the result would be too long."""
    listed = list(items)
    _within(weight(separator) * len(listed) + sum(weight(item) for item in listed))
    return listed


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter with its result size checked, and its arguments where they multiply."""

    @wraps(function)  # keeps Jinja's pass_context / pass_eval_context markers
    def bounded(*args: Any, **kwargs: Any) -> Any:
        offset = 1 if getattr(function, "jinja_pass_arg", None) else 0
        value, rest = (args[offset], args[offset + 1 :]) if len(args) > offset else (None, ())
        if name == "format":
            _check_printf(value, rest or tuple(kwargs.values()))
        elif name in ("center", "indent") and rest and isinstance(rest[0], int):
            lines = str(value).count("\n") + 1 if name == "indent" else 1
            _within(rest[0] * lines + weight(value))
        elif name == "join" and value is not None:
            separator = rest[0] if rest else kwargs.get("d", "")
            args = (*args[:offset], _joined(separator, value), *rest)
        elif name == "replace" and isinstance(value, str) and len(rest) >= 2:
            _check_str_method(value, "replace", tuple(rest))
        return checked(function(*args, **kwargs))

    return bounded


class _Generator(CodeGenerator):
    """Compiles `a ~ b` to a size-checked join instead of Jinja's plain one."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """`environment.concat((a, b, ...))`, which checks the size first."""
        self.write("environment.concat((")
        for arg in node.nodes:
            self.write("environment.text(")
            self.visit(arg, frame)
            self.write("), ")
        self.write("))")


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox `message` templates render in; see the module docstring."""

    intercepted_binops = frozenset({"+", "*", "%", "**"})
    code_generator_class = _Generator

    def __init__(self, finalize: Callable[[Any], str]) -> None:
        super().__init__(autoescape=False, finalize=finalize)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}

    def concat(self, parts: Iterable[str]) -> str:
        """Join output or `~` operands, refusing a result over VALUE_LIMIT."""
        return "".join(_joined("", parts))

    def text(self, value: Any) -> str:
        """`str(value)` for `~`, as Jinja does it."""
        return value if isinstance(value, str) else str(value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """`*`, `**`, `%` and `+`, refused before they build something huge."""
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if _is_int(times) and weight(sequence):
                    _within(_repeated_weight(sequence) * times)
        elif operator == "**" and _is_int(left) and _is_int(right) and abs(left) > 1:
            if right * math.log2(abs(left)) > _POWER_BITS:
                raise TemplateProblem(f"{left} ** {right} is too large a number")
        elif operator == "%":
            _check_printf(left, right)
        return checked(self.binop_table[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call from a template: str methods that multiply are checked, results too."""
        if isinstance(__obj, types.BuiltinMethodType) and isinstance(__obj.__self__, str | bytes):
            if __obj.__name__ == "join" and args:
                args = (_joined(__obj.__self__, args[0]), *args[1:])
            _check_str_method(__obj.__self__, __obj.__name__, args)
        return checked(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Jinja's sandboxed `str.format`, with widths checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        def format_checked(*args: Any, **kwargs: Any) -> str:
            mapping = args[0] if args and isinstance(args[0], dict) else {}
            _check_str_format(template, args, {**kwargs, **mapping})
            return str(checked(wrapped(*args, **kwargs)))

        return format_checked


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class WorkBudget:
    """Counts Python trace events in this thread while active; too many stops the render.

    So does running past TIME_LIMIT.
    """

    def __init__(self, limit: int = WORK_LIMIT, seconds: float = TIME_LIMIT) -> None:
        self.limit = limit
        self.used = 0
        self._seconds = seconds
        self._deadline = 0.0
        self._previous: Any = None

    def __enter__(self) -> WorkBudget:
        self._previous = sys.gettrace()
        self._deadline = time.monotonic() + self._seconds
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous)  # a tracer that raised was unset already; restore it

    def _trace(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        self.used += 1
        if self.used > self.limit:
            raise OutOfWork(f"the template does too much work (stopped after {self.limit:,} steps)")
        if time.monotonic() > self._deadline:
            raise OutOfWork(f"the template ran for over {self._seconds:g} seconds")
        return self._trace
