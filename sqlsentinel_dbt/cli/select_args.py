"""`--select a b`: dbt's selection flags take every word up to the next option.

dbt reads `--select a b`, `--select "a b"`, `-s a -s b` and `--select=a b` alike (its
MultiOption). Click options take one value each, so a command built with `DbtSelectCommand`
rewrites the words that follow a selection flag into repeated flags before parsing:
`--select a b --exclude c d` becomes `--select a --select b --exclude c --exclude d`.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand

# Every spelling of a selection flag, and the flag its extra words are given to.
SELECTION_FLAGS = {"--select": "--select", "-s": "--select", "--exclude": "--exclude"}


def spread_selection_words(args: list[str]) -> list[str]:
    """`args` with the bare words after a selection flag's value given that flag too."""
    spread: list[str] = []
    greedy: str | None = None  # the flag that takes the bare words that follow
    words = iter(args)
    for word in words:
        if word == "--":  # everything after it is positional, as for any click command
            spread += [word, *words]
            break
        if greedy is not None and not word.startswith("-"):
            spread += [greedy, word]
            continue
        greedy = None
        spread.append(word)
        flag, has_value, _ = word.partition("=")
        if word in SELECTION_FLAGS:
            value = next(words, None)
            if value is not None:
                spread.append(value)
                greedy = SELECTION_FLAGS[word]
        elif has_value and flag in SELECTION_FLAGS:
            greedy = SELECTION_FLAGS[flag]
        elif word.startswith("-s") and not word.startswith("--") and len(word) > 2:
            greedy = "--select"  # `-sorders`: click's short option with its value attached
    return spread


class DbtSelectCommand(TyperCommand):
    """A Typer command whose `--select`/`--exclude` read words as dbt's do."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Parse `args` after spreading the words of the selection flags."""
        return super().parse_args(ctx, spread_selection_words(args))
