"""dbt's `warn_if` / `error_if` conditions on a count of failing rows: `!=0`, `>10`, `>=5`."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_CONDITION = re.compile(r"^\s*(==|=|!=|<>|>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


def _parse(text: str) -> tuple[Callable[[float, float], bool], float]:
    match = _CONDITION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a condition; write e.g. '!=0', '>10' or '>=5'")
    return _OPERATORS[match.group(1)], float(match.group(2))


def holds(condition: str, count: float) -> bool:
    """Whether `count` satisfies `condition` (already validated)."""
    compare, bound = _parse(condition)
    return compare(count, bound)


def bound(condition: str) -> float:
    """The number a condition compares against: the threshold to show."""
    return _parse(condition)[1]


def _validate(text: str) -> str:
    _parse(text)
    return text.strip()


Condition = Annotated[str, AfterValidator(_validate)]
