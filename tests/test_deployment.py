"""The Dockerfile, the Compose example and the Kubernetes CronJob: linted and checked.

No Docker engine runs here, so nothing is built; hadolint lints the Dockerfile, and the
essentials the docs promise are checked in each file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import cli

ROOT = Path(__file__).resolve().parent.parent
HADOLINT = str(Path(sys.executable).parent / "hadolint")


def test_hadolint_finds_nothing() -> None:
    linted = subprocess.run([HADOLINT, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_image_is_multi_stage_unprivileged_and_checks_its_health() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    final = text[text.rindex("\nFROM ") :]
    (user,) = re.findall(r"^USER (\S+)", final, re.M)
    assert user not in ("root", "0")
    (healthcheck,) = re.findall(r"^HEALTHCHECK .*(?:\n  .*)*", final, re.M)
    default_port = re.search(
        r"port: Port = (\d+)", (ROOT / "sqlsentinel_dbt/cli/daemon.py").read_text()
    )
    assert default_port is not None
    assert f"127.0.0.1:{default_port.group(1)}/healthz" in healthcheck
    assert f"EXPOSE {default_port.group(1)}" in final
    assert '"daemon", "--host", "0.0.0.0"' in final  # with SENTINEL_TOKEN, as documented


def test_compose_runs_postgres_then_dbt_build_then_the_daemon() -> None:
    compose = yaml.safe_load((ROOT / "deploy/docker-compose.yml").read_text())
    services = compose["services"]
    assert services["warehouse"]["image"].startswith("postgres:")
    assert services["build"]["command"][0] == "build"
    sentinel = services["sentinel"]
    assert sentinel["depends_on"]["build"]["condition"] == "service_completed_successfully"
    assert "SENTINEL_TOKEN" in sentinel["environment"]
    assert sentinel["ports"] == ["8765:8765"]


def test_the_cronjob_never_overlaps_and_runs_a_real_command() -> None:
    job = yaml.safe_load((ROOT / "deploy/kubernetes/cronjob.yaml").read_text())
    assert job["kind"] == "CronJob" and job["spec"]["concurrencyPolicy"] == "Forbid"
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    command, *flags = container["args"]
    help_text = cli(command, "--help").stdout
    assert all(flag in help_text for flag in flags if flag.startswith("--"))


def test_the_deployment_doc_shows_the_files_as_they_are() -> None:
    doc = (ROOT / "docs/deployment.md").read_text()
    for path in ("Dockerfile", "deploy/docker-compose.yml", "deploy/kubernetes/cronjob.yaml"):
        assert (ROOT / path).read_text() in doc, path
