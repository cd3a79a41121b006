"""Outputs for CI gates: JUnit XML, and GitHub Actions' step summary and annotations."""

from sqlsentinel_dbt.gate.github import step_summary, workflow_annotations
from sqlsentinel_dbt.gate.junit import junit_xml

__all__ = ["junit_xml", "step_summary", "workflow_annotations"]
