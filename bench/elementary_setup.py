"""Elementary OSS beside a generated project: edr, its dbt package, and what edr needs.

Elementary is neither in this repository nor among its dependencies. Install it outside
the repository, once:

1. edr from PyPI, in a virtualenv of its own, with the extras of the warehouses to
   measure and the dbt-core and adapter versions this project runs:

       python3 -m venv /work/ext/edr-venv
       /work/ext/edr-venv/bin/pip install 'elementary-data[duckdb,postgres]==0.25.1' \\
           'dbt-core==1.11.16' 'dbt-duckdb==1.11.1' 'dbt-postgres==1.11.0'

2. Elementary's dbt package at the tag of the same version as edr (edr checks that they
   match), and dbt-utils 0.8.6, the one version both Elementary's package (>=0.8.0,<2.0.0)
   and edr's internal dbt project (>=0.8.0,<0.9.0) accept. The `fetch` tool (sources
   `github:elementary-data/dbt-data-reliability` and `github:dbt-labs/dbt-utils`) gives a
   git directory without a work tree; `git archive` takes a tag's files out of it (a
   clone of either repository, checked out at that tag, does as well):

       GIT=/work/.mirror/elementary-data+dbt-data-reliability/repo
       mkdir -p /work/ext/elementary-0.25.1
       git --git-dir=$GIT archive 0.25.1 | tar -x -C /work/ext/elementary-0.25.1
       GIT=/work/.mirror/dbt-labs+dbt-utils/repo
       mkdir -p /work/ext/dbt_utils-0.8.6
       git --git-dir=$GIT archive 0.8.6 | tar -x -C /work/ext/dbt_utils-0.8.6

Elementary's package is listed in packages.yml by `local:` path and linked into
dbt_packages/ as `dbt deps` links a local package: `dbt deps` itself would try to resolve
the package's own dbt-utils requirement on dbt's package hub, which is offline here.
edr's internal dbt project gets the same two packages through DBT_PACKAGES_FOLDER, and a
HOME of its own whose `.edr/config.yml` turns off edr's anonymous tracking, its version
check and its own `dbt deps`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from dbt_test_vs_sentinel import ENV


@dataclass(frozen=True)
class Elementary:
    """Where edr and the dbt packages it needs are."""

    edr: Path
    package: Path
    dbt_utils: Path

    def command(self, root: Path, webhook: str, *extra: str) -> list[str]:
        """`edr monitor` on the project, posting to `webhook`."""
        flags = ["--project-dir", str(root), "--profiles-dir", str(root)]
        target = ["--target-path", str(root / "edr_target")]
        return [str(self.edr), "monitor", *flags, *target, "--slack-webhook", webhook, *extra]

    def env(self, root: Path) -> dict[str, str]:
        """edr's environment: its venv first on PATH, its config and packages in `root`."""
        return {
            **ENV,
            "PATH": f"{self.edr.parent}{os.pathsep}{ENV.get('PATH', '')}",
            "HOME": str(root / "edr_home"),
            "DBT_PACKAGES_FOLDER": str(root / "edr_packages"),
            "EDR_INTERNAL_TARGET_PATH": str(root / "edr_internal_target"),
        }

    def versions(self) -> dict[str, str]:
        """Versions of edr's venv packages, and of Elementary's dbt package."""
        names = ["elementary-data", "dbt-core", "dbt-duckdb"]
        code = "import importlib.metadata as m, json, sys; "
        code += "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
        python = self.edr.parent / "python"
        found = subprocess.run([str(python), "-c", code, *names], capture_output=True, text=True)
        if found.returncode:
            raise SystemExit(f"cannot read edr's versions: {found.stderr[-1000:]}")
        versions: dict[str, str] = json.loads(found.stdout)
        package = yaml.safe_load((self.package / "dbt_project.yml").read_text())
        versions["elementary package"] = str(package["version"])
        return versions

    def install(self, root: Path, profile: str = "bench") -> None:
        """Add Elementary's package to the project at `root`, and set up edr for it.

        Elementary's models go to `<schema>_elementary`, and edr reads them through a
        profile named `elementary` that is the project's `profile` with that schema.
        """
        project = yaml.safe_load((root / "dbt_project.yml").read_text())
        project.setdefault("models", {})["elementary"] = {"+schema": "elementary"}
        (root / "dbt_project.yml").write_text(yaml.safe_dump(project, sort_keys=False))
        paths = {"elementary": self.package.resolve(), "dbt_utils": self.dbt_utils.resolve()}
        packages = [{"local": str(path)} for path in paths.values()]
        (root / "packages.yml").write_text(yaml.safe_dump({"packages": packages}))
        for folder in ("dbt_packages", "edr_packages"):
            for name, path in paths.items():
                (root / folder).mkdir(exist_ok=True)
                (root / folder / name).unlink(missing_ok=True)  # a --workdir used before
                (root / folder / name).symlink_to(path)
        profiles = yaml.safe_load((root / "profiles.yml").read_text())
        output = dict(profiles[profile]["outputs"]["dev"])
        output["schema"] = f"{output.get('schema', 'main')}_elementary"
        profiles["elementary"] = {"target": "dev", "outputs": {"dev": output}}
        (root / "profiles.yml").write_text(yaml.safe_dump(profiles))
        (root / "edr_home" / ".edr").mkdir(parents=True, exist_ok=True)
        edr_config = {
            "anonymous_usage_tracking": False,
            "disable_elementary_version_check": True,
            "run_dbt_deps_if_needed": False,
        }
        (root / "edr_home" / ".edr" / "config.yml").write_text(yaml.safe_dump(edr_config))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`--edr`, `--elementary-package`, `--dbt-utils-package`: where Elementary is."""
    parser.add_argument("--edr", type=Path, help="edr in its own venv (else no Elementary)")
    parser.add_argument("--elementary-package", type=Path)
    parser.add_argument("--dbt-utils-package", type=Path)


def from_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Elementary | None:
    """The Elementary the arguments name, or None without `--edr`."""
    if not args.edr:
        return None
    if not (args.elementary_package and args.dbt_utils_package):
        parser.error("--edr needs --elementary-package and --dbt-utils-package")
    return Elementary(args.edr, args.elementary_package, args.dbt_utils_package)
