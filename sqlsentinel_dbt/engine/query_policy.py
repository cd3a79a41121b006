"""What an alert's SQL may do, in the final query and while its Jinja compiles.

Both only read (engine/read_only.py), neither reads files through the warehouse unless
the project allows it (engine/file_access.py), and the Jinja reads no environment
variable that holds a secret: one a channel setting reads, or one named like a secret,
unless the project allows it by name. docs/alerts.md ("What an alert may do") is the
user's account of these rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from sqlsentinel_dbt.dbt import CompileChecks
from sqlsentinel_dbt.engine.verdict_cache import Verdict, VerdictCache
from sqlsentinel_dbt.errors import WriteRefused

# Names people give to variables that hold secrets (case-insensitive).
SECRET_LOOKING = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|_KEY$", re.IGNORECASE)


@dataclass(frozen=True)
class QueryPolicy:
    """The rules for one project's alert queries."""

    adapter_type: str
    allow_file_functions: bool = False
    channel_env_vars: frozenset[str] = frozenset()
    allowed_env_vars: tuple[str, ...] = ()
    verdicts: VerdictCache | None = field(default=None, compare=False)
    """Where verdicts on SQL texts are remembered across runs (None: parse every time)."""

    @property
    def cache_key(self) -> str:
        """What a verdict on a SQL text depends on, besides the text and the rules."""
        return f"{self.adapter_type}\nallow_file_functions={self.allow_file_functions}"

    def check_query(self, sql: str) -> None:
        """Raise WriteRefused unless the compiled `sql` is one read query this policy allows."""
        self._check("query", sql, compile_time=False)

    def check_statement(self, sql: str) -> None:
        """The same, for a statement the alert's Jinja runs while compiling."""
        self._check("statement", sql, compile_time=True)

    def _check(self, kind: str, sql: str, *, compile_time: bool) -> None:
        def judge(text: str) -> Verdict:
            # Imported here: with every verdict kept, a warm run never loads sqlglot.
            from sqlsentinel_dbt.engine.file_access import check_file_access
            from sqlsentinel_dbt.engine.read_only import (
                check_compile_time_statements,
                check_statements,
                parse_sql,
            )

            rule = check_compile_time_statements if compile_time else check_statements
            try:
                statements = parse_sql(text, self.adapter_type)
                rule(statements)
                if not self.allow_file_functions:
                    check_file_access(statements, self.adapter_type)
            except WriteRefused as refused:
                return str(refused)
            return None

        verdict = judge(sql) if self.verdicts is None else self.verdicts.verdict(kind, sql, judge)
        if verdict is not None:
            raise WriteRefused(verdict)

    def check_env_var(self, name: str) -> None:
        """Raise ValueError when an alert's Jinja may not read the variable `name`."""
        if any(fnmatchcase(name, allowed) for allowed in self.allowed_env_vars):
            return
        if name in self.channel_env_vars:
            why = "a notification channel reads it, so it holds a secret"
        elif SECRET_LOOKING.search(name):
            why = "its name says it holds a secret"
        else:
            return
        raise ValueError(
            f"config error: env_var('{name}') is refused in alert queries: {why}, and query "
            f"results reach history and notifications (list it under "
            f"`allow_secret_env_vars` in sentinel.yml if it is not a secret)"
        )

    def compile_checks(self) -> CompileChecks:
        """The checks dbt's compiler applies while rendering an alert's Jinja."""
        return CompileChecks(statement=self.check_statement, env_var=self.check_env_var)
