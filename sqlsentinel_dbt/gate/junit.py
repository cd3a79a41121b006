"""`--junit-xml`: one testcase per alert result, as CI systems display test reports.

An ALERT that fails the gate (`--fail-on`) is a failure, an ERROR an error, a SKIPPED
result skipped; an ALERT below the gate passes, its firing noted in `system-out`.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree

from sqlsentinel_dbt.config.models import Severity
from sqlsentinel_dbt.engine.result import AlertResult, Status


def junit_xml(results: Sequence[AlertResult], gate: Severity | None, suite: str) -> bytes:
    """A JUnit XML document (UTF-8) for `results`, gated at `gate` (None: errors only)."""
    cases = [_testcase(result, gate) for result in results]
    counts = {
        "tests": len(cases),
        "failures": sum(c.find("failure") is not None for c in cases),
        "errors": sum(c.find("error") is not None for c in cases),
        "skipped": sum(c.find("skipped") is not None for c in cases),
    }
    time = sum(r.duration_ms for r in results) / 1000
    attributes = {k: str(v) for k, v in counts.items()} | {"time": f"{time:.3f}"}
    testsuite = ElementTree.Element("testsuite", {"name": suite, **attributes})
    testsuite.extend(cases)
    testsuites = ElementTree.Element("testsuites", {"name": "sqlsentinel", **attributes})
    testsuites.append(testsuite)
    return bytes(ElementTree.tostring(testsuites, encoding="utf-8", xml_declaration=True))


def describe(result: AlertResult) -> str:
    """One line: status, severity, values, and the error if any."""
    parts = [f"{result.status.value} ({result.severity.value})"]
    if result.actual_value is not None:
        parts.append(f"actual {result.actual_value:g}")
    if result.threshold is not None:
        parts.append(f"threshold {result.threshold:g}")
    if result.state is not None:
        parts.append(f"state {result.state.state.value}")
    if result.error:
        parts.append(result.error)
    return ", ".join(parts)


def _testcase(result: AlertResult, gate: Severity | None) -> ElementTree.Element:
    name = f"{result.alert}[{result.key}]" if result.key is not None else result.alert
    case = ElementTree.Element(
        "testcase",
        classname=f"sqlsentinel.{result.alert}",
        name=name,
        time=f"{result.duration_ms / 1000:.3f}",
    )
    message = describe(result)
    if result.status is Status.ERROR:
        ElementTree.SubElement(case, "error", message=message, type="error").text = message
    elif result.status is Status.SKIPPED:
        ElementTree.SubElement(case, "skipped", message=message)
    elif result.fails(gate):
        ElementTree.SubElement(case, "failure", message=message, type="alert").text = message
    elif result.status is Status.ALERT:
        ElementTree.SubElement(case, "system-out").text = f"firing below the gate: {message}"
    return case
