"""`sentinel dbt-run --shard I/N`: every selected alert runs in exactly one of N shards.

The split is stable (a hash of the name, the same in every process and on every machine)
and even enough to fan a run out; bad values are usage errors.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from sqlsentinel_dbt.dbt import dbt_build
from sqlsentinel_dbt.engine.shards import Shard, shard_of
from tests.conftest import Project, cli, make_project

NAMES = [f"alert_{i:04d}" for i in range(1000)]


def test_each_alert_is_in_exactly_one_shard_and_the_split_is_even() -> None:
    for count in (1, 2, 3, 4, 7):
        shards = [Shard(i, count) for i in range(1, count + 1)]
        assert all(sum(s.holds(n) for s in shards) == 1 for n in NAMES)
        sizes = Counter(shard_of(n, count) for n in NAMES)
        assert set(sizes) == set(range(1, count + 1))
        assert max(sizes.values()) - min(sizes.values()) < 0.3 * len(NAMES) / count


def test_the_split_is_the_same_in_every_process() -> None:
    # Python's own hash() of a string changes with PYTHONHASHSEED; the shard must not.
    script = "from sqlsentinel_dbt.engine.shards import shard_of; print([shard_of(f'a{i}', 5) for i in range(50)])"  # noqa: E501
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(seen) == 1 and seen == {str([shard_of(f"a{i}", 5) for i in range(50)]) + "\n"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2/4", None),
        (" 1 / 1 ", None),
        ("0/3", "the shard must be 1 to 3"),
        ("4/3", "the shard must be 1 to 3"),
        ("1/0", "the number of shards must be 1 to"),
        ("a/b", "is not a shard: write I/N"),
        ("3", "is not a shard: write I/N"),
    ],
)
def test_a_shard_is_read_or_refused_with_the_reason(text: str, problem: str | None) -> None:
    if problem is None:
        assert str(Shard.parse(text)) == text.replace(" ", "")
    else:
        with pytest.raises(ValueError, match=problem):
            Shard.parse(text)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = make_project(tmp_path_factory.mktemp("shards"), "shop", "duckdb")
    dbt_build(project.args)
    return project


def ran(shop: Project, *args: str) -> list[str]:
    result = cli("dbt-run", *shop.flags(), "-o", "json", "--dry-run", "--fail-on", "never", *args)
    assert result.exit_code == 0, result.stderr
    return sorted({r["alert"] for r in result.json()["results"]})


def test_three_shards_run_what_one_run_runs_once_each(shop: Project) -> None:
    everything = ran(shop, "--select", "tag:finance tag:basic tag:lifecycle")
    parts = [ran(shop, "--select", "tag:finance tag:basic tag:lifecycle", "--shard", f"{i}/3")
             for i in (1, 2, 3)]  # fmt: skip
    assert sorted(a for part in parts for a in part) == everything
    assert len(everything) >= 3 and sum(1 for p in parts if p) >= 2  # really split


def test_a_shard_with_nothing_to_run_says_so_and_bad_values_are_usage_errors(
    shop: Project, tmp_path: Path
) -> None:
    name = "orders_present"
    empty = next(i for i in range(1, 4) if shard_of(name, 3) != i)
    nothing = cli("dbt-run", *shop.flags(), "--dry-run", "-s", name, "--shard", f"{empty}/3")
    assert nothing.exit_code == 0
    assert f"Shard {empty}/3 holds none of the selected alerts: nothing ran." in nothing.stderr
    bad = cli("dbt-run", *shop.flags(), "--shard", "4/3")
    assert bad.exit_code == 2 and "the shard must be 1 to 3" in bad.stderr
    both = cli("dbt-run", *shop.flags(), "--shard", "1/2", "--from-artifacts", str(tmp_path))
    assert both.exit_code == 2 and "--from-artifacts" in both.stderr
