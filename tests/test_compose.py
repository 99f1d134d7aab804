"""Static checks of the Docker Compose stack (docker-compose.yaml, include/docker/).

No Docker engine is needed: the file is validated against the compose specification with
check-jsonschema's vendored schema (offline) and its structure is inspected with PyYAML.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "include" / "docker" / "Dockerfile"
INIT_SQL = ROOT / "include" / "docker" / "init-warehouse.sql"
LOCK_FILE = ROOT / "requirements.lock"

REQUIRED_SERVICES = {
    "postgres",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "simulator",
    "smtp-sink",
}
AIRFLOW_SERVICES = sorted(s for s in REQUIRED_SERVICES if s.startswith("airflow-"))
LONG_RUNNING_AIRFLOW = [s for s in AIRFLOW_SERVICES if s != "airflow-init"]
# Connections the stack itself must provide (architecture.md); dvcqg_reporting and
# alerts_webhook are optional and may be left empty.
REQUIRED_CONNECTIONS = ("warehouse", "dvc_portal", "pii_hash", "alerts_smtp")
AIRFLOW_MOUNTS = {
    "dags": "/opt/airflow/dags",
    "plugins": "/opt/airflow/plugins",
    "include": "/opt/airflow/include",
}
PLACEHOLDER = "change-me"
DEPENDS_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, ${VAR:+alt}, ${VAR+alt}
_INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")
_URI_PASSWORD = re.compile(r"[a-z][a-z0-9+.\-]*://[^:/@\s]*:([^@\s]*)@")
_SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers


def interpolate(value: str) -> str:
    """Resolve compose interpolation the way `docker compose config` does with no .env."""

    def replace(match: re.Match[str]) -> str:
        operator, default = match.group(2), match.group(3) or ""
        if operator in {":-", "-"}:
            return default
        return ""

    return _INTERPOLATION.sub(replace, value.replace("$$", "\0")).replace("\0", "$")


def resolve(node: Any) -> Any:
    if isinstance(node, str):
        return interpolate(node)
    if isinstance(node, dict):
        return {key: resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item) for item in node]
    return node


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {pair[0]: pair[1] if len(pair) == 2 else "" for pair in pairs}
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def is_placeholder(value: str) -> bool:
    return value == "" or PLACEHOLDER in value.lower()


def looks_random(token: str) -> bool:
    """A long mixed letters/digits string with high character entropy: a key, not a word."""
    if len(token) < 20 or is_placeholder(token):
        return False
    if not (re.search(r"[A-Za-z]", token) and re.search(r"[0-9]", token)):
        return False
    mixed_case = bool(re.search(r"[a-z]", token) and re.search(r"[A-Z]", token))
    long_hex = len(token) >= 32 and re.fullmatch(r"[0-9a-fA-F]+", token) is not None
    if not (mixed_case or long_hex):
        return False  # e.g. a URL path such as 8080/api/v2/monitor/health
    counts = Counter(token)
    entropy = -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())
    return entropy >= 3.5


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Host path (relative, as written) -> container path for short-syntax bind mounts."""
    mounts: dict[str, str] = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str) and volume.startswith("."):
            host, target = volume.split(":")[:2]
            mounts[host] = target
        elif isinstance(volume, dict) and volume.get("type") == "bind":
            mounts[volume["source"]] = volume["target"]
    return mounts


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def raw(compose_text: str) -> dict[str, Any]:
    data = yaml.safe_load(compose_text)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def compose(raw: dict[str, Any]) -> dict[str, Any]:
    resolved = resolve(raw)
    assert isinstance(resolved, dict)
    return resolved


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- tests


def test_compose_file_matches_compose_spec() -> None:
    executable = Path(sys.executable).parent / "check-jsonschema"
    assert executable.exists(), f"check-jsonschema not installed next to {sys.executable}"
    # The builtin schema is vendored in the package; a dead proxy makes sure nothing is
    # fetched from the network.
    env = dict(os.environ)
    dead_proxy = "http://127.0.0.1:9"
    env.update(HTTP_PROXY=dead_proxy, HTTPS_PROXY=dead_proxy, NO_PROXY="")
    env.update(http_proxy=dead_proxy, https_proxy=dead_proxy, no_proxy="")
    result = subprocess.run(
        [str(executable), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_obsolete_version_key(raw: dict[str, Any]) -> None:
    assert "version" not in raw


def test_required_services_exist(services: dict[str, dict[str, Any]]) -> None:
    missing = REQUIRED_SERVICES - services.keys()
    assert not missing, f"missing services: {sorted(missing)}"
    assert not any(name in services for name in ("airflow-webserver", "webserver"))


def test_every_interpolation_has_a_default(compose_text: str) -> None:
    """`docker compose config` must work with no .env file and no exported variables."""
    text = compose_text.replace("$$", "")
    without_default = [
        match.group(0)
        for match in _INTERPOLATION.finditer(text)
        if match.group(2) not in {":-", "-"}
    ]
    assert not without_default, f"variables without a default: {without_default}"
    assert not re.search(r"\$[A-Za-z_]", text), "use ${VAR:-default}, not $VAR"


def test_python_services_share_one_image(services: dict[str, dict[str, Any]]) -> None:
    reference = services["airflow-init"]
    assert reference.get("image"), "the shared image needs a tag so it is built once"
    build = reference.get("build")
    assert isinstance(build, dict)
    assert (ROOT / build.get("context", ".")).resolve() == ROOT
    assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE
    for name in [*AIRFLOW_SERVICES, "simulator", "smtp-sink"]:
        service = services[name]
        assert service.get("image") == reference["image"], name
        assert service.get("build") == build, name
    assert services["postgres"]["image"].startswith("postgres:16")


def test_airflow_services_share_configuration(services: dict[str, dict[str, Any]]) -> None:
    envs = {name: environment(services[name]) for name in AIRFLOW_SERVICES}
    reference = envs["airflow-init"]
    for name, env in envs.items():
        assert env == reference, f"{name} environment differs from airflow-init"
    assert reference["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert reference["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert reference["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert reference["AIRFLOW__CORE__PARALLELISM"] == "4"
    assert reference["AIRFLOW__API_AUTH__JWT_SECRET"], "all components need one JWT secret"
    assert "/opt/airflow/include" in reference["PYTHONPATH"].split(":")

    execution_api = urlsplit(reference["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert execution_api.hostname == "airflow-apiserver"
    assert execution_api.path == "/execution/"
    assert execution_api.port == 8080

    metadata_db = urlsplit(reference["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert metadata_db.scheme.startswith("postgresql")
    assert metadata_db.hostname == "postgres"
    assert metadata_db.path == "/" + environment(services["postgres"])["POSTGRES_DB"]


def test_required_connections_are_set(services: dict[str, dict[str, Any]]) -> None:
    env = environment(services["airflow-scheduler"])
    for conn_id in REQUIRED_CONNECTIONS:
        assert env.get(f"AIRFLOW_CONN_{conn_id.upper()}"), f"connection {conn_id} not set"

    warehouse = urlsplit(env["AIRFLOW_CONN_WAREHOUSE"])
    assert warehouse.scheme in {"postgres", "postgresql"}
    assert (warehouse.hostname, warehouse.path) == ("postgres", "/warehouse")

    portal = urlsplit(env["AIRFLOW_CONN_DVC_PORTAL"])
    assert portal.scheme in {"http", "https"}
    assert portal.hostname == "simulator"
    assert f"--port {portal.port}" in command_text(services["simulator"])

    smtp = urlsplit(env["AIRFLOW_CONN_ALERTS_SMTP"])
    assert smtp.scheme == "smtp"
    assert smtp.hostname == "smtp-sink"
    assert f":{smtp.port}" in command_text(services["smtp-sink"])

    pii_hash = json.loads(env["AIRFLOW_CONN_PII_HASH"])
    assert pii_hash["conn_type"] == "generic"
    assert pii_hash["password"]


def test_project_folders_are_mounted(services: dict[str, dict[str, Any]]) -> None:
    for name in AIRFLOW_SERVICES:
        mounts = bind_mounts(services[name])
        for folder, target in AIRFLOW_MOUNTS.items():
            assert mounts.get(f"./{folder}") == target, f"{name}: ./{folder} not mounted"
        env = environment(services[name])
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == AIRFLOW_MOUNTS["dags"]
        assert any(str(v).endswith(":/opt/airflow/logs") for v in services[name]["volumes"])


def test_bind_mount_sources_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for host in bind_mounts(service):
            assert (ROOT / host).exists(), f"{name}: {host} does not exist"


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            if isinstance(volume, str) and not volume.startswith((".", "/")):
                assert volume.split(":")[0] in declared, f"{name}: {volume}"


def test_dockerfile_base_image_matches_lock(dockerfile: str) -> None:
    pinned = re.search(r"^apache-airflow==(\S+)\s*$", LOCK_FILE.read_text(), re.MULTILINE)
    assert pinned, "apache-airflow is not pinned in requirements.lock"
    base = re.search(r"^FROM\s+apache/airflow:(\S+?)-python(\S+)", dockerfile, re.MULTILINE)
    assert base, "Dockerfile must start FROM apache/airflow:<version>-python<x.y>"
    assert base.group(1) == pinned.group(1)
    assert base.group(2) == "3.11"


def test_dockerfile_installs_the_lock_and_the_package(dockerfile: str) -> None:
    instructions = re.sub(r"\\\n", " ", dockerfile)
    copies = [line for line in instructions.splitlines() if line.startswith("COPY")]
    runs = [line for line in instructions.splitlines() if line.startswith("RUN")]
    assert any("requirements.lock" in line for line in copies)
    assert any(re.search(r"pip install .*-r \S*requirements\.lock", line) for line in runs)
    assert any("pyproject.toml" in line for line in copies)
    assert any(re.search(r"pip install .*--no-deps", line) for line in runs)
    lock_install = next(i for i, line in enumerate(runs) if "requirements.lock" in line)
    package_install = next(i for i, line in enumerate(runs) if "--no-deps" in line)
    assert lock_install < package_install
    assert re.search(r"^ENV\s+PYTHONPATH=\S*/opt/airflow/include", instructions, re.MULTILINE)


def test_depends_on_names_existing_services(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dependency, condition in depends_on(service).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert dependency != name
            assert condition in DEPENDS_CONDITIONS, f"{name}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle: {' -> '.join((*path, name))}"
        for dependency in depends_on(services[name]):
            visit(dependency, (*path, name))

    for name in services:
        visit(name, ())


def test_airflow_start_order(services: dict[str, dict[str, Any]]) -> None:
    assert depends_on(services["airflow-init"]) == {"postgres": "service_healthy"}
    for name in LONG_RUNNING_AIRFLOW:
        deps = depends_on(services[name])
        assert deps.get("postgres") == "service_healthy", name
        assert deps.get("airflow-init") == "service_completed_successfully", name


def test_commands_and_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    expected = {
        "airflow-init": "airflow db migrate",
        "airflow-apiserver": "airflow api-server",
        "airflow-scheduler": "airflow scheduler",
        "airflow-dag-processor": "airflow dag-processor",
        "airflow-triggerer": "airflow triggerer",
        "simulator": "portal-kpi simulate --host 0.0.0.0 --port 8000",
        "smtp-sink": "python -m aiosmtpd -n -l 0.0.0.0:1025",
    }
    for name, command in expected.items():
        assert command_text(services[name]).startswith(command), name
    # The image's default entrypoint would run "airflow <command>" for these two.
    for name in ("simulator", "smtp-sink"):
        assert "entrypoint" in services[name], name

    for name, service in services.items():
        if name == "airflow-init":
            assert str(service.get("restart", "no")) == "no"
            continue
        assert service.get("restart") in {"always", "unless-stopped", "on-failure"}, name
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, f"{name} has no healthcheck"

    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    api_check = " ".join(services["airflow-apiserver"]["healthcheck"]["test"])
    assert re.search(r"http://localhost:8080/api/v2/(version|monitor/health)", api_check)
    assert any(str(port).endswith(":8080") for port in services["airflow-apiserver"]["ports"])


def test_init_script_creates_the_warehouse(services: dict[str, dict[str, Any]]) -> None:
    mounts = bind_mounts(services["postgres"])
    target = mounts.get("./include/docker/init-warehouse.sql", "")
    assert target.startswith("/docker-entrypoint-initdb.d/")
    sql = INIT_SQL.read_text(encoding="utf-8")
    assert re.search(r"CREATE ROLE warehouse\b", sql, re.IGNORECASE)
    assert re.search(r"CREATE DATABASE warehouse\b", sql, re.IGNORECASE)
    assert "\\getenv warehouse_password WAREHOUSE_DB_PASSWORD" in sql
    assert "WAREHOUSE_DB_PASSWORD" in environment(services["postgres"])
    warehouse = urlsplit(environment(services["airflow-scheduler"])["AIRFLOW_CONN_WAREHOUSE"])
    assert warehouse.username == "warehouse"


def test_aiosmtpd_is_in_the_lock() -> None:
    assert re.search(r"^aiosmtpd==", LOCK_FILE.read_text(), re.MULTILINE)


def test_secret_detector_flags_tokens() -> None:
    assert looks_random("k8Jd93hFz0QpLm2Xv7Rt5Wy1Nc4B")
    assert looks_random("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    assert not looks_random("8080/api/v2/monitor/health")
    assert not looks_random("change-me-to-a-long-random-string-of-at-least-64-characters")
    assert not looks_random("/opt/airflow/auth/simple_auth_manager_passwords")


def test_no_real_secrets(raw: dict[str, Any], compose: dict[str, Any], dockerfile: str) -> None:
    texts = [*strings(compose), dockerfile, INIT_SQL.read_text(encoding="utf-8")]
    tokens = [token for text in texts for token in _TOKEN.findall(text) if looks_random(token)]
    assert not tokens, f"secret-looking values: {tokens}"

    for text in strings(compose):
        for password in _URI_PASSWORD.findall(text):
            assert is_placeholder(password), f"password in URI is not a placeholder: {text}"

    for name, service in raw["services"].items():
        for key, value in environment(service).items():
            if key.startswith("AIRFLOW_CONN_"):
                continue
            if _SECRET_NAME.search(key):
                assert "${" in value, f"{name}: {key} must come from ${{VAR:-placeholder}}"
                assert is_placeholder(interpolate(value)), (
                    f"{name}: {key} default is not a placeholder"
                )

    pii_hash = json.loads(
        environment(compose["services"]["airflow-scheduler"])["AIRFLOW_CONN_PII_HASH"]
    )
    assert is_placeholder(pii_hash["password"])
