"""The dbt package's convention, as in dbt-utils: every public macro goes through
`adapter.dispatch(NAME, 'sqlsentinel')` to a `default__NAME`, so that a project can shim any
of them for its adapter."""

from __future__ import annotations

import re

from tests.conftest import MACROS, public_macros

# `{% macro NAME(PARAMS) %}BODY{% endmacro %}`, and a generic test's `{% test ... %}` block.
BLOCK = re.compile(r"\{% (macro|test) ([A-Za-z_]\w*)\((.*?)\) %\}(.*?)\{% end\1 %\}", re.S)


def macro_blocks() -> dict[str, tuple[list[str], str, bool]]:
    """Every macro of the package by the name dbt gives it: (parameter names, body, whether
    it is a generic test, which dbt names `test_NAME`)."""
    blocks: dict[str, tuple[list[str], str, bool]] = {}
    for path in MACROS.rglob("*.sql"):
        for kind, name, params, body in BLOCK.findall(path.read_text()):
            names = [p.split("=")[0].strip() for p in params.split(",") if p.strip()]
            full = f"test_{name}" if kind == "test" else name
            assert full not in blocks, f"{full} is defined twice"
            blocks[full] = (names, body, kind == "test")
    return blocks


def test_every_public_macro_dispatches_to_a_default() -> None:
    blocks = macro_blocks()
    public = {name for name in blocks if not name.startswith("_") and "__" not in name}
    assert public_macros() | {"test_alert"} == public  # the parse sees what the others see
    wrong = []
    for name in sorted(public):
        params, body, is_test = blocks[name]
        # A generic test hands on the fields dbt gives it as keyword arguments too.
        forwarded = [*params, "kwargs"] if is_test else params
        call = f"adapter.dispatch('{name}', 'sqlsentinel')({', '.join(forwarded)})"
        default = blocks.get(f"default__{name}")
        if body.strip() != f"{{{{ return({call}) }}}}":
            wrong.append(f"{name} does not return `{call}`")
        elif default is None or len(default[0]) != len(forwarded):
            wrong.append(f"default__{name} is missing, or takes other arguments")
    assert wrong == []
