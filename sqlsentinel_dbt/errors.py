"""The project's own exceptions; dbt's are wrapped into these at the dbt boundary."""

from __future__ import annotations


class SentinelError(Exception):
    """Base of every error sqlsentinel raises on purpose."""


class ConfigError(SentinelError):
    """An alert declaration is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ProjectError(SentinelError):
    """The dbt project or profile could not be loaded or parsed."""


class WarehouseError(SentinelError):
    """The warehouse could not be reached or refused a statement of ours."""


class CompileError(SentinelError):
    """An alert query could not be compiled by dbt's Jinja."""


class Refused(CompileError):
    """Compiling an alert asked for something sqlsentinel does not allow.

    A statement that writes, run by the alert's Jinja while it compiles, or an
    environment variable that holds a secret. The alert alone fails; nothing is sent.
    """


class SelectionError(SentinelError):
    """A `--select`/`--exclude` term dbt refuses, or one that matches no alert.

    A usage error, not an empty run. `allowable`: the problems are only terms that match
    nothing, which --allow-empty-selection allows.
    """

    def __init__(self, problems: list[str], *, allowable: bool = False) -> None:
        self.problems = problems
        self.allowable = allowable
        super().__init__("; ".join(problems))


class NotFound(SentinelError):
    """A name given to a command (an alert, a channel) that the project does not declare."""


class WriteRefused(ValueError):
    """An alert's compiled SQL is not a single read query, or reads what it may not."""
