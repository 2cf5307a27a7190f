"""The generated project's tooling files: CI, pre-commit, editors, deployment."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import UV_STAGE, generate_project

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return generate_project(
        tmp_path_factory.mktemp("tooling"), project_name="Tool_ Shop_"
    )


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def assert_valid(project: Path, schema: str, path: str) -> None:
    """`path` in the project is valid against one of check-jsonschema's schemas."""
    result = run(
        str(BIN / "check-jsonschema"), "--builtin-schema", schema, path, cwd=project
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_workflow_is_a_valid_github_workflow(project):
    assert_valid(project, "vendor.github-workflows", ".github/workflows/ci.yml")
    jobs = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())["jobs"]
    steps = " ".join(
        str(step.get("run", "")) for job in jobs.values() for step in job["steps"]
    )
    for expected in ("uv lock --check", "ruff check", "pytest", "--profile prod build",
                     "/healthz", "app.debug is False"):  # fmt: skip
        assert expected in steps


def test_dependabot_keeps_the_lock_uv_the_base_image_and_actions_current(project):
    assert_valid(project, "vendor.dependabot", ".github/dependabot.yml")
    config = yaml.safe_load((project / ".github/dependabot.yml").read_text())
    watched = {(u["package-ecosystem"], u["directory"]) for u in config["updates"]}
    assert watched == {
        ("uv", "/"),  # pyproject.toml, uv.lock
        ("docker", "/"),  # the Dockerfile's images: the base image and uv's
        ("github-actions", "/"),
    }
    # Tags it can read and update: written out, no ${ARG}, uv's one exact.
    dockerfile = (project / "Dockerfile").read_text()
    assert "FROM python:" in dockerfile
    assert UV_STAGE.search(dockerfile)


def test_uv_comes_from_its_official_image_at_the_version_ci_uses(project):
    """uv's image, pinned to one version, as uv's Docker guide does (nothing
    of the project installs it); CI's setup-uv names the same version."""
    dockerfile = (project / "Dockerfile").read_text()
    ((_, version),) = UV_STAGE.findall(dockerfile)
    assert dockerfile.count("astral-sh/uv") == 1
    assert not (project / "compose/uv").exists()
    jobs = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())["jobs"]
    setup_uv = [
        step for job in jobs.values() for step in job["steps"]
        if step.get("uses", "").startswith("astral-sh/setup-uv@")
    ]  # fmt: skip
    assert setup_uv
    assert {step["with"]["version"] for step in setup_uv} == {version}


def test_pre_commit_config_is_valid_and_runs_ruff(project):
    result = run(
        str(BIN / "pre-commit"),
        "validate-config",
        ".pre-commit-config.yaml",
        cwd=project,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff", "ruff-format"} <= hooks


def test_pre_commit_runs_the_ruff_of_every_shipped_lock(project):
    """One ruff: the version CI and the dev image run (the lock's) is the one
    pre-commit runs (refresh-locks.sh updates the hook's rev)."""
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    (ruff,) = [repo for repo in config["repos"] if "ruff" in repo["repo"]]
    locks = Path(__file__).parents[1] / "template/{{cookiecutter.project_slug}}/.locks"
    for lock in locks.glob("*.lock"):
        packages = tomllib.loads(lock.read_text())["package"]
        (version,) = [p["version"] for p in packages if p["name"] == "ruff"]
        assert ruff["rev"] == f"v{version}", lock.name


KUBERNETES_VERSION = "1.37.0"  # a current release; its schemas ship offline


def test_kubernetes_manifest_is_valid_and_hardened(project):
    manifest = project / "deploy/kubernetes.yml"
    result = run(
        str(BIN / "kubernetes-validate"), "--strict",
        "--kubernetes-version", KUBERNETES_VERSION, str(manifest), cwd=project,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    documents = {doc["kind"]: doc for doc in yaml.safe_load_all(manifest.read_text())}
    assert set(documents) == {
        "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
    }  # fmt: skip
    deployment = documents["Deployment"]
    assert deployment["metadata"]["name"] == "tool-shop"  # a DNS label
    assert "replicas" not in deployment["spec"]  # the autoscaler's to set
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    for hardened in (container, *pod.get("initContainers", [])):
        context = hardened["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert set(hardened["resources"]) == {"requests", "limits"}
    # The Secret as files, never as environment variables.
    (secrets,) = [v for v in pod["volumes"] if "secret" in v]
    assert secrets["secret"]["secretName"] == "tool-shop"
    for reader in (container, *pod.get("initContainers", [])):
        assert "envFrom" not in reader
        (mount,) = [m for m in reader["volumeMounts"] if m["name"] == secrets["name"]]
        assert mount["readOnly"] is True
        files = {e["name"]: e["value"] for e in reader["env"]}
        assert files["SECRET_KEY_FILE"] == f"{mount['mountPath']}/SECRET_KEY"
    probes = {probe: container[probe]["httpGet"]["path"] for probe in PROBES}
    assert probes == {
        "startupProbe": "/healthz", "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",  # readiness is not liveness
    }  # fmt: skip
    assert documents["Service"]["spec"]["ports"][0]["targetPort"] == "http"
    budget = documents["PodDisruptionBudget"]["spec"]
    assert budget["minAvailable"] == 1
    assert budget["selector"] == deployment["spec"]["selector"]
    autoscaler = documents["HorizontalPodAutoscaler"]["spec"]
    assert autoscaler["scaleTargetRef"]["name"] == "tool-shop"
    assert autoscaler["minReplicas"] >= 2
    # The migrations, before the app serves, from the same image and Secret
    # (DATABASE_URL).
    (migrate,) = pod["initContainers"]
    assert migrate["image"] == container["image"]
    assert migrate["command"][-2:] == ["db", "upgrade"]
    assert migrate["env"] == container["env"]
    assert migrate["env"][-1]["name"] == "DATABASE_URL_FILE"
    assert "DATABASE_URL" in manifest.read_text()


PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


def test_devcontainer_opens_the_dev_service(project):
    config = json.loads((project / ".devcontainer/devcontainer.json").read_text())
    assert config["name"] == "Tool_ Shop_"
    compose = yaml.safe_load(
        (project / ".devcontainer" / config["dockerComposeFile"][0]).read_text()
    )
    assert config["service"] in compose["services"]
    assert config["workspaceFolder"] == "/app"
    settings = config["customizations"]["vscode"]["settings"]
    assert settings["python.defaultInterpreterPath"] == "/opt/venv/bin/python"


def test_vscode_attaches_to_the_published_debugpy_port(project):
    (attach,) = json.loads((project / ".vscode/launch.json").read_text())[
        "configurations"
    ]
    assert attach["type"] == "debugpy"
    assert attach["request"] == "attach"
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())
    published = f"127.0.0.1:${{DEBUGPY_PORT:-{attach['connect']['port']}}}:5678"
    assert published in compose["services"]["dev"]["ports"]
    assert attach["pathMappings"][0]["remoteRoot"] == "/app"
