"""The dbt flags every sqlsentinel command accepts, named as dbt names them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DbtArgs:
    """dbt's project flags. None means: let dbt resolve it (env vars, cwd, ~/.dbt)."""

    project_dir: str | None = None
    profiles_dir: str | None = None
    profile: str | None = None
    target: str | None = None
    vars: str | None = None
    threads: int | None = None

    def to_cli(self) -> list[str]:
        """The same settings as dbt command-line arguments."""
        pairs = [
            ("--project-dir", self.project_dir),
            ("--profiles-dir", self.profiles_dir),
            ("--profile", self.profile),
            ("--target", self.target),
            ("--vars", self.vars),
            ("--threads", None if self.threads is None else str(self.threads)),
        ]
        return [part for flag, value in pairs if value is not None for part in (flag, value)]
