"""Static checks of the Docker Compose stack (docker-compose.yaml, .env.example, docs).

No Docker engine is needed: the file is validated against the compose specification with
check-jsonschema's vendored schema (offline) and its structure is inspected with PyYAML
(tests/compose_support.py). Images, locks and written folders are checked in
tests/test_compose_images.py; databases, logins and secrets in tests/test_compose_secrets.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from compose_support import (
    COMPOSE_DOC,
    COMPOSE_FILE,
    DOCKERFILE,
    INTERPOLATION,
    PROD_TARGET,
    ROOT,
    SUPERSET_TARGET,
    builds,
    command_text,
    compose,
    compose_text,
    depends_on,
    environment,
    is_one_shot,
    named_volumes,
    published_ports,
    raw,
    services,
)

# Services that run the project's Airflow configuration (x-airflow-common).
AIRFLOW_SERVICES = [
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "flower",
]
LONG_RUNNING_AIRFLOW = [name for name in AIRFLOW_SERVICES if name != "airflow-init"]
ONE_SHOTS = {"airflow-init", "warehouse-bi-login", "superset-init"}
REQUIRED_SERVICES = {
    *AIRFLOW_SERVICES,
    "postgres",
    "redis",
    "simulator",
    "mailpit",
    "warehouse-bi-login",
    "superset-init",
    "superset",
}
# Connections the stack itself must provide (architecture); dvcqg_reporting and
# alerts_webhook are optional and may be left empty.
REQUIRED_CONNECTIONS = ("warehouse", "dvc_portal", "pii_hash", "alerts_smtp")
AIRFLOW_MOUNTS = {
    "dags": "/opt/airflow/dags",
    "plugins": "/opt/airflow/plugins",
    "include": "/opt/airflow/include",
}
DEPENDS_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


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


def test_services_exist() -> None:
    assert "version" not in raw(), "the version key is obsolete"
    found = services()
    missing = REQUIRED_SERVICES - found.keys()
    assert not missing, f"missing services: {sorted(missing)}"
    assert not any(name in found for name in ("airflow-webserver", "webserver", "smtp-sink"))


def test_every_interpolation_has_a_default() -> None:
    """`docker compose config` must work with no .env file and no exported variables."""
    text = compose_text().replace("$$", "")
    without_default = [
        match.group(0)
        for match in INTERPOLATION.finditer(text)
        if match.group(2) not in {":-", "-"}
    ]
    assert not without_default, f"variables without a default: {without_default}"
    assert not re.search(r"\$[A-Za-z_]", text), "use ${VAR:-default}, not $VAR"


def test_images_and_build_targets() -> None:
    found = services()
    reference = found["airflow-init"]
    assert reference.get("image"), "the shared image needs a tag so it is built once"
    build = reference["build"]
    assert (ROOT / build.get("context", ".")).resolve() == ROOT
    assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE
    assert build["target"] == PROD_TARGET
    for name in [*AIRFLOW_SERVICES, "simulator"]:
        assert found[name].get("image") == reference["image"], name
        assert found[name].get("build") == build, name
    superset = found["superset"]
    assert builds(superset, SUPERSET_TARGET)
    assert superset["image"] != reference["image"]
    assert found["superset-init"]["image"] == superset["image"]
    assert found["superset-init"]["build"] == superset["build"]
    for name in ("postgres", "warehouse-bi-login"):
        assert found[name]["image"].startswith("postgres:16"), name
    assert found["mailpit"]["image"].startswith("axllent/mailpit:v")
    assert found["redis"]["image"].startswith("redis:7")
    # A tag other than latest, so that a rebuild months later gets the same servers.
    for name, service in found.items():
        assert ":" in service["image"] and not service["image"].endswith(":latest"), name


def test_airflow_services_share_configuration() -> None:
    envs = {name: environment(services()[name]) for name in AIRFLOW_SERVICES}
    reference = envs["airflow-init"]
    for name, env in envs.items():
        extra = {"DUMB_INIT_SETSID": "0"} if name == "airflow-worker" else {}
        assert env == {**reference, **extra}, f"{name} environment differs from airflow-init"
    assert reference["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert reference["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert reference["AIRFLOW__CORE__DEFAULT_TIMEZONE"] == "Asia/Ho_Chi_Minh"
    assert int(reference["AIRFLOW__CORE__PARALLELISM"]) >= 1
    assert reference["AIRFLOW__API_AUTH__JWT_SECRET"], "all components need one JWT secret"
    assert "/opt/airflow/include" in reference["PYTHONPATH"].split(":")

    execution_api = urlsplit(reference["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert (execution_api.hostname, execution_api.port) == ("airflow-apiserver", 8080)
    assert execution_api.path == "/execution/"

    postgres_db = "/" + environment(services()["postgres"])["POSTGRES_DB"]
    metadata_db = urlsplit(reference["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert metadata_db.scheme.startswith("postgresql")
    assert (metadata_db.hostname, metadata_db.path) == ("postgres", postgres_db)
    broker = urlsplit(reference["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)
    assert broker.password == environment(services()["redis"])["REDIS_PASSWORD"]
    results = urlsplit(reference["AIRFLOW__CELERY__RESULT_BACKEND"])
    assert results.scheme.startswith("db+postgresql")
    assert (results.hostname, results.path) == ("postgres", postgres_db)
    assert reference["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"


def test_required_connections_are_set() -> None:
    env = environment(services()["airflow-worker"])
    for conn_id in REQUIRED_CONNECTIONS:
        assert env.get(f"AIRFLOW_CONN_{conn_id.upper()}"), f"connection {conn_id} not set"

    warehouse = urlsplit(env["AIRFLOW_CONN_WAREHOUSE"])
    assert warehouse.scheme in {"postgres", "postgresql"}
    assert (warehouse.hostname, warehouse.path) == ("postgres", "/warehouse")
    assert warehouse.username == "warehouse"

    portal = urlsplit(env["AIRFLOW_CONN_DVC_PORTAL"])
    assert portal.scheme in {"http", "https"}
    assert portal.hostname == "simulator"
    assert f"--port {portal.port}" in command_text(services()["simulator"])
    assert f"--client-secret {portal.password}" in command_text(services()["simulator"])

    # Alerts go to Mailpit's SMTP port (1025, its default) without TLS or login.
    smtp = urlsplit(env["AIRFLOW_CONN_ALERTS_SMTP"])
    assert (smtp.scheme, smtp.hostname, smtp.port) == ("smtp", "mailpit", 1025)
    query = parse_qs(smtp.query)
    assert query["disable_tls"] == ["true"] and query["disable_ssl"] == ["true"]
    assert "MP_SMTP_BIND_ADDR" not in environment(services()["mailpit"])

    pii_hash = json.loads(env["AIRFLOW_CONN_PII_HASH"])
    assert pii_hash["conn_type"] == "generic"
    assert pii_hash["password"]


def test_project_folders_are_mounted() -> None:
    for name in AIRFLOW_SERVICES:
        service = services()[name]
        volumes = [str(volume) for volume in service["volumes"]]
        for folder, target in AIRFLOW_MOUNTS.items():
            assert f"./{folder}:{target}" in volumes, f"{name}: ./{folder} not mounted"
        assert environment(service)["AIRFLOW__CORE__DAGS_FOLDER"] == AIRFLOW_MOUNTS["dags"]
        assert named_volumes(service).get("airflow-logs") == "/opt/airflow/logs", name
        assert named_volumes(service).get("portal-kpi-data") == "/opt/airflow/data", name


def test_bind_mount_sources_exist_and_volumes_are_declared() -> None:
    declared = set(compose().get("volumes") or {})
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"


def test_every_dependency_has_a_condition() -> None:
    for name, service in raw()["services"].items():
        deps = service.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on must be a mapping with conditions"
        for dependency, spec in deps.items():
            assert isinstance(spec, dict) and spec.get("condition"), f"{name} -> {dependency}"

    found = services()
    for name, service in found.items():
        for dependency, condition in depends_on(service).items():
            assert dependency in found and dependency != name, f"{name} -> {dependency}"
            assert condition in DEPENDS_CONDITIONS, f"{name}: {condition}"
            # A one-shot service is waited for until it has finished, anything else until
            # its healthcheck passes.
            if dependency in ONE_SHOTS:
                assert condition == "service_completed_successfully", f"{name} -> {dependency}"
            else:
                assert condition == "service_healthy", f"{name} -> {dependency}"

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle: {' -> '.join((*path, name))}"
        for dependency in depends_on(found[name]):
            visit(dependency, (*path, name))

    for name in found:
        visit(name, ())


def test_long_running_services_have_healthchecks_and_restart() -> None:
    for name, service in services().items():
        if name in ONE_SHOTS:
            assert is_one_shot(service), f"{name} must not be restarted"
            assert "healthcheck" not in service, name
            continue
        assert service.get("restart") in {"always", "unless-stopped"}, name
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in {"CMD", "CMD-SHELL"}, f"{name} has no healthcheck"
        assert not is_one_shot(service), name
    assert {name for name, s in services().items() if is_one_shot(s)} == ONE_SHOTS


def test_start_order() -> None:
    found = services()
    assert depends_on(found["airflow-init"]) == {"postgres": "service_healthy"}
    for name in LONG_RUNNING_AIRFLOW:
        deps = depends_on(found[name])
        assert deps.get("postgres") == "service_healthy", name
        assert deps.get("redis") == "service_healthy", name
        assert deps.get("airflow-init") == "service_completed_successfully", name
    # Components that call the Execution API start once the API server answers.
    for name in ("airflow-scheduler", "airflow-triggerer", "airflow-worker"):
        assert depends_on(found[name]).get("airflow-apiserver") == "service_healthy", name
    # The BI login needs bi_reader, which the warehouse migrations of airflow-init create.
    bi_login = depends_on(found["warehouse-bi-login"])
    assert bi_login.get("airflow-init") == "service_completed_successfully"
    assert depends_on(found["superset-init"]).get("warehouse-bi-login") == (
        "service_completed_successfully"
    )
    assert depends_on(found["superset"]).get("superset-init") == ("service_completed_successfully")


def test_commands_and_healthchecks() -> None:
    found = services()
    expected = {
        "airflow-apiserver": "airflow api-server --port 8080",
        "airflow-scheduler": "airflow scheduler",
        "airflow-dag-processor": "airflow dag-processor",
        "airflow-triggerer": "airflow triggerer",
        "airflow-worker": "airflow celery worker",
        "flower": "airflow celery flower",
        "simulator": "portal-kpi simulate --host 0.0.0.0 --port 8000",
        "superset": "gunicorn --bind 0.0.0.0:8088",
    }
    for name, command in expected.items():
        assert command_text(found[name]).startswith(command), name
    # The image's default entrypoint would run "airflow <command>".
    assert found["simulator"]["entrypoint"] == ["/usr/bin/dumb-init", "--"]

    checks = {
        name: " ".join(s["healthcheck"]["test"])
        for name, s in found.items()
        if name not in ONE_SHOTS
    }
    assert "pg_isready" in checks["postgres"]
    assert "redis-cli ping" in checks["redis"]
    assert "http://localhost:8080/api/v2/monitor/health" in checks["airflow-apiserver"]
    assert "http://localhost:8974/health" in checks["airflow-scheduler"]
    assert "--job-type DagProcessorJob" in checks["airflow-dag-processor"]
    assert "--job-type TriggererJob" in checks["airflow-triggerer"]
    assert 'inspect ping -d "celery@${HOSTNAME}"' in checks["airflow-worker"]
    assert "http://localhost:5555/healthcheck" in checks["flower"]
    assert "/mailpit readyz" in checks["mailpit"]
    assert "http://127.0.0.1:8088/health" in checks["superset"]
    assert "('127.0.0.1', 8000)" in checks["simulator"]


def test_celery_workers_and_flower() -> None:
    worker = raw()["services"]["airflow-worker"]
    replicas = str(worker["deploy"]["replicas"])
    match = re.fullmatch(r"\$\{AIRFLOW_WORKER_REPLICAS:-(\d+)\}", replicas)
    assert match and int(match.group(1)) >= 1, replicas
    # Replicas cannot share a container name or a published port.
    assert "container_name" not in worker and "ports" not in worker
    assert environment(services()["airflow-worker"])["DUMB_INIT_SETSID"] == "0"
    assert services()["flower"]["profiles"] == ["flower"]
    assert "redis" not in {key.split(":")[0] for key in published_ports()}


def test_documented_ports_exist() -> None:
    """Every localhost port docs/compose.md sends a reader to is published, and back."""
    doc = COMPOSE_DOC.read_text(encoding="utf-8").split("## Running the same services without")[0]
    documented = {int(port) for port in re.findall(r"(?:localhost|127\.0\.0\.1):(\d{4,5})", doc)}
    published = set(published_ports().values())
    assert documented, "docs/compose.md names no port"
    assert documented <= published, f"documented but not published: {documented - published}"
    assert published <= documented, f"published but not documented: {published - documented}"
    # Only the Airflow UI listens beyond the loopback interface.
    for name, service in services().items():
        for port in service.get("ports", []):
            if name != "airflow-apiserver":
                assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


def test_iso_drop_folder_is_documented() -> None:
    doc = COMPOSE_DOC.read_text(encoding="utf-8")
    folder = environment(services()["airflow-scheduler"])["PORTAL_KPI_ISO9001_SOURCE"]
    assert folder == "/opt/airflow/data/iso9001"
    assert re.search(rf"docker compose cp \S+ airflow-\w+:{re.escape(folder)}/", doc)
    assert folder in doc
