"""Static checks of the stack's databases, logins and secrets: the init SQL files, the
read-only BI login Superset uses, .env.example, and that nothing secret is committed.

No Docker engine is needed (tests/compose_support.py reads the files).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from compose_support import (
    BI_LOGIN_SQL,
    DOCKERFILE,
    INIT_SQL,
    INIT_SUPERSET_SQL,
    INTERPOLATION,
    ROOT,
    SUPERSET_DIR,
    command_text,
    compose,
    compose_text,
    env_example,
    environment,
    interpolate,
    is_placeholder,
    looks_random,
    random_tokens,
    raw,
    services,
    strings,
)

_URI_PASSWORD = re.compile(r"[a-z][a-z0-9+.\-]*://[^:/@\s]*:([^@\s]*)@")
_SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY|_AUTH)$", re.IGNORECASE)


def test_superset_reads_the_warehouse_as_the_bi_login() -> None:
    env = environment(services()["superset"])
    assert env == environment(services()["superset-init"])
    warehouse = urlsplit(env["SUPERSET_WAREHOUSE_URI"])
    assert (warehouse.hostname, warehouse.path) == ("postgres", "/warehouse")
    assert warehouse.password is None, "the password is passed separately"
    login = warehouse.username
    sql = BI_LOGIN_SQL.read_text(encoding="utf-8")
    assert re.search(rf"CREATE ROLE {login} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE", sql)
    grants = re.findall(r"^GRANT .*$", sql, re.MULTILINE)
    assert grants == [
        f"GRANT bi_reader TO {login};",
        f"GRANT CONNECT ON DATABASE warehouse TO {login};",
    ]
    bi_login = environment(services()["warehouse-bi-login"])
    assert bi_login["PGUSER"] == "warehouse" and bi_login["PGDATABASE"] == "warehouse"
    assert bi_login["BI_DB_PASSWORD"] == env["SUPERSET_WAREHOUSE_PASSWORD"]
    assert "--file=/opt/portal-kpi/bi-login.sql" in command_text(services()["warehouse-bi-login"])

    metadata = urlsplit(env["SUPERSET_DATABASE_URI"])
    assert (metadata.hostname, metadata.path, metadata.username) == (
        "postgres",
        "/superset",
        "superset",
    )
    assert metadata.password == environment(services()["postgres"])["SUPERSET_DB_PASSWORD"]
    assert "CREATE DATABASE superset WITH OWNER superset" in INIT_SUPERSET_SQL.read_text()

    init = command_text(services()["superset-init"])
    steps = [
        "superset db upgrade",
        "superset fab create-admin",
        "superset init",
        "import_assets.py /app/bi/assets",
    ]
    positions = [init.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), init
    assert env["SUPERSET_CONFIG_PATH"] == "/app/docker/superset_config.py"
    assert (SUPERSET_DIR / "superset_config.py").is_file()


def test_init_scripts_create_the_databases() -> None:
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in services()["postgres"]["volumes"]}
    assert mounts["./include/docker/init-warehouse.sql"].startswith(
        "/docker-entrypoint-initdb.d/10-"
    )
    assert mounts["./include/docker/init-superset.sql"].startswith(
        "/docker-entrypoint-initdb.d/20-"
    )
    sql = INIT_SQL.read_text(encoding="utf-8")
    assert re.search(r"CREATE ROLE warehouse\b", sql)
    assert re.search(r"CREATE DATABASE warehouse\b", sql)
    assert "\\getenv warehouse_password WAREHOUSE_DB_PASSWORD" in sql
    env = environment(services()["postgres"])
    assert {"WAREHOUSE_DB_PASSWORD", "SUPERSET_DB_PASSWORD"} <= env.keys()
    superset_sql = INIT_SUPERSET_SQL.read_text(encoding="utf-8")
    for database in ("superset", "warehouse", "airflow"):
        assert f"REVOKE CONNECT, TEMPORARY ON DATABASE {database} FROM PUBLIC;" in superset_sql


def test_env_example_lists_every_variable() -> None:
    example = env_example()
    values = [text.replace("$$", "") for text in strings(raw())]
    used = {match.group(1) for text in values for match in INTERPOLATION.finditer(text)}
    assert used - example.keys() == set(), "variables missing from .env.example"
    assert example.keys() - used == set(), ".env.example lists variables the file never reads"
    for key, value in example.items():
        # The example carries the compose default, so copying it changes nothing by itself.
        defaults = set(re.findall(rf"\$\{{{key}:-([^}}]*)\}}", compose_text()))
        assert defaults == {interpolate(value)}, f"{key}: one default everywhere, as here"
        if _SECRET_NAME.search(key) or _URI_PASSWORD.search(value):
            assert is_placeholder(value), key
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored, ".env must never be committed"


def test_secret_detector_flags_tokens() -> None:
    assert looks_random("k8Jd93hFz0QpLm2Xv7Rt5Wy1Nc4B")
    assert looks_random("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    assert not looks_random("8080/api/v2/monitor/health")
    assert not looks_random("change-me-to-a-long-random-string-of-at-least-64-characters")
    assert not looks_random("/opt/airflow/auth/simple_auth_manager_passwords")


def test_no_real_secrets() -> None:
    files = [DOCKERFILE, INIT_SQL, INIT_SUPERSET_SQL, BI_LOGIN_SQL, *SUPERSET_DIR.glob("*.py")]
    texts = [*strings(compose()), *(path.read_text(encoding="utf-8") for path in files)]
    texts += env_example().values()
    tokens = [token for text in texts for token in random_tokens(text)]
    assert not tokens, f"secret-looking values: {tokens}"

    for text in [*strings(compose()), *env_example().values()]:
        for password in _URI_PASSWORD.findall(text):
            assert is_placeholder(password), f"password in URI is not a placeholder: {text}"

    for name, service in raw()["services"].items():
        for key, value in environment(service).items():
            if key.startswith("AIRFLOW_CONN_") or not _SECRET_NAME.search(key):
                continue
            assert "${" in value, f"{name}: {key} must come from ${{VAR:-placeholder}}"
            assert is_placeholder(interpolate(value)), f"{name}: {key} default is not a placeholder"

    pii_hash = json.loads(environment(services()["airflow-scheduler"])["AIRFLOW_CONN_PII_HASH"])
    assert is_placeholder(pii_hash["password"])
