"""`make bi`, `make bi-stop`, `make bi-shot`: Apache Superset on this machine, provisioned as
code. Superset lives in its own virtualenv (``.venv-bi``, from ``bi/requirements.lock``),
keeps its metadata and secrets in ``.local/bi/``, reads the warehouse as a login role that
has only ``bi_reader``, and gets its dashboards from ``bi/assets/``.

usage: python -m portal_kpi.devtools.bi {up,stop,shot}
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

from portal_kpi.config import CONN_WAREHOUSE, ConnInfo, get_connection
from portal_kpi.db import make_engine, migrate, sql
from portal_kpi.devtools.browser import chromium
from portal_kpi.devtools.runtime import ensure_warehouse, project_root
from portal_kpi.devtools.superset_api import Superset, form_login, wait_until_up
from portal_kpi.devtools.superset_assets import DATABASE_FILE, build_bundle, superset_uri

log = logging.getLogger(__name__)

DATABASE_NAME = "Kho dữ liệu KPI / portal-kpi warehouse"
CONFIG_TEMPLATE = """# Written by `make bi` (portal_kpi.devtools.bi); local, rewritten each run.
from pathlib import Path

STATE = Path({state!r})
SECRET_KEY = (STATE / "secret_key").read_text(encoding="utf-8").strip()
SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(STATE / "superset.db")
SQLALCHEMY_TRACK_MODIFICATIONS = False
WTF_CSRF_ENABLED = True
TALISMAN_ENABLED = False
RATELIMIT_STORAGE_URI = "memory://"
SUPERSET_WEBSERVER_TIMEOUT = 120
# Vietnamese number and date formats for every d3 format on the dashboards: 1.234,5
D3_FORMAT = {{"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"]}}
D3_TIME_FORMAT = {{
    "dateTime": "%H:%M:%S %d/%m/%Y", "date": "%d/%m/%Y", "time": "%H:%M:%S",
    "periods": ["SA", "CH"],
    "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
    "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
    "months": ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7",
               "Tháng 8", "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12"],
    "shortMonths": ["Th1", "Th2", "Th3", "Th4", "Th5", "Th6", "Th7", "Th8", "Th9", "Th10",
                    "Th11", "Th12"],
}}
"""


@dataclass(frozen=True)
class BiSetup:
    """Where everything lives and who logs in; the test makes its own under a tmp dir."""

    root: Path
    state: Path
    port: int = 8088
    db_role: str = "portal_kpi_bi"
    viewer: str = "viewer"
    admin: str = "admin"
    workers: int = 1

    @classmethod
    def from_env(cls) -> BiSetup:
        root = project_root()
        return cls(
            root=root,
            state=root / ".local" / "bi",
            port=int(os.environ.get("PORTAL_KPI_BI_PORT", "8088")),
            db_role=os.environ.get("PORTAL_KPI_BI_DB_ROLE", "portal_kpi_bi"),
            workers=int(os.environ.get("PORTAL_KPI_BI_WORKERS", "1")),
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def venv(self) -> Path:
        return self.root / ".venv-bi"

    @property
    def assets(self) -> Path:
        return self.root / "bi" / "assets"

    @property
    def pid_file(self) -> Path:
        return self.state / "gunicorn.pid"

    def secret(self, name: str, nbytes: int = 24) -> str:
        """A random value kept in ``state/<name>`` (mode 600), generated once."""
        path = self.state / name
        if not path.exists():
            self.state.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(nbytes), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "SUPERSET_CONFIG_PATH": str(self.state / "superset_config.py"),
            "FLASK_APP": "superset",
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        }


def ensure_venv(setup: BiSetup) -> None:
    """Create .venv-bi from bi/requirements.lock unless Superset is already in it."""
    if (setup.venv / "bin" / "superset").exists():
        return
    log.info("creating %s from bi/requirements.lock (about a minute)", setup.venv)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(setup.venv)], check=True)
    pip = [str(setup.venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-r", str(setup.root / "bi" / "requirements.lock")], check=True)


def superset(setup: BiSetup, *args: str, stdin: str | None = None) -> None:
    subprocess.run(
        [str(setup.venv / "bin" / "superset"), *args],
        check=True,
        env=setup.env(),
        input=stdin,
        text=True,
        stdout=subprocess.DEVNULL,
    )


def initialise(setup: BiSetup) -> None:
    """Config (secret generated once), metadata DB, admin user, built-in roles. The slow
    steps run once per Superset version (stamp file)."""
    setup.state.mkdir(parents=True, exist_ok=True)
    setup.secret("secret_key", 42)
    config = setup.state / "superset_config.py"
    config.write_text(CONFIG_TEMPLATE.format(state=str(setup.state)), encoding="utf-8")
    stamp = setup.state / "initialised"
    lock = (setup.root / "bi" / "requirements.lock").read_text(encoding="utf-8")
    if stamp.exists() and stamp.read_text(encoding="utf-8") == lock:
        return
    superset(setup, "db", "upgrade")
    superset(
        setup, "fab", "create-admin", "--username", setup.admin, "--firstname", "Quản trị",
        "--lastname", "Admin", "--email", "admin@localhost",
        "--password", setup.secret("admin_password"),
    )  # fmt: skip
    superset(setup, "init")
    stamp.write_text(lock, encoding="utf-8")


def ensure_login_role(engine: Engine, role: str, password: str) -> None:
    """The BI login: member of bi_reader only, CONNECT on this database only."""
    with engine.begin() as conn:
        stmts = conn.execute(
            text(sql("bi/login_role_statements.sql")), {"role": role, "password": password}
        ).scalars()
        for stmt in list(stmts):
            conn.execute(text(stmt))


def drop_login_role(engine: Engine, role: str) -> None:
    with engine.begin() as conn:
        for stmt in list(conn.execute(text(sql("bi/drop_login_role.sql")), {"role": role})):
            conn.execute(text(stmt[0]))


def running_pid(setup: BiSetup) -> int | None:
    try:
        pid = int(setup.pid_file.read_text(encoding="utf-8").strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def start(setup: BiSetup) -> None:
    """gunicorn on 127.0.0.1 in the background (pid file), unless already running."""
    if running_pid(setup):
        log.info("Superset already running (pid file %s)", setup.pid_file)
        return
    log_file = (setup.state / "superset.log").open("ab")
    subprocess.Popen(
        [
            str(setup.venv / "bin" / "gunicorn"),
            "--bind",
            f"127.0.0.1:{setup.port}",
            "--workers",
            str(setup.workers),
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--timeout",
            "120",
            "--pid",
            str(setup.pid_file),
            "superset.app:create_app()",
        ],
        env=setup.env(),
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_until_up(setup.url)


def stop(setup: BiSetup) -> bool:
    pid = running_pid(setup)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    for _ in range(60):
        if running_pid(setup) is None:
            break
        time.sleep(0.5)
    setup.pid_file.unlink(missing_ok=True)
    return True


def import_dashboards(setup: BiSetup, conn: ConnInfo, db_password: str) -> None:
    """Pack bi/assets with the warehouse address and import it (replaces in place), then
    give the viewer read access to the warehouse connection."""
    api = Superset(setup.url)
    api.login(setup.admin, setup.secret("admin_password"))
    bundle = build_bundle(setup.assets, superset_uri(conn, setup.db_role))
    api.import_assets(bundle, {DATABASE_FILE: db_password})
    subprocess.run(
        [str(setup.venv / "bin" / "python"), str(setup.root / "bi" / "provision_roles.py"),
         DATABASE_NAME, setup.viewer],
        check=True, env=setup.env(), input=setup.secret("viewer_password", 12), text=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def write_credentials(setup: BiSetup) -> Path:
    path = setup.state / "credentials.json"
    creds = {
        "url": setup.url,
        "viewer": {"username": setup.viewer, "password": setup.secret("viewer_password", 12)},
    }
    path.write_text(json.dumps(creds, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def up(setup: BiSetup) -> Path:
    """Everything `make bi` does; rerunnable. Returns the credentials file."""
    ensure_venv(setup)
    initialise(setup)
    where = ensure_warehouse()
    conn = get_connection(CONN_WAREHOUSE)
    engine = make_engine()
    try:
        migrate(engine)
        db_password = setup.secret("db_password")
        ensure_login_role(engine, setup.db_role, db_password)
    finally:
        engine.dispose()
    log.info("warehouse: %s, read as %s", where, setup.db_role)
    start(setup)
    import_dashboards(setup, conn, db_password)
    return write_credentials(setup)


def shoot(setup: BiSetup, folder: Path) -> list[tuple[str, Path, bool]]:
    """Open every dashboard as the viewer in headless Chromium and save a screenshot;
    returns (title, file, rendered) per dashboard."""
    creds = json.loads((setup.state / "credentials.json").read_text(encoding="utf-8"))
    viewer = creds["viewer"]
    session = form_login(creds["url"], viewer["username"], viewer["password"])
    api = Superset(creds["url"], session)
    out = []
    with chromium() as browser:
        browser.set_cookies(creds["url"], {"session": session.cookies["session"]})
        for dash in sorted(api.dashboards(), key=lambda d: d["id"]):
            browser.navigate(f"{creds['url']}/superset/dashboard/{dash['slug'] or dash['id']}/")
            time.sleep(1)
            state = browser.wait_rendered(timeout=90)
            path = browser.screenshot(folder / f"{dash['slug'] or dash['id']}.png")
            log.info("%s: %s (%s)", dash["dashboard_title"], path, state)
            out.append((str(dash["dashboard_title"]), path, state.rendered))
    return out


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(prog="bi", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["up", "stop", "shot"])
    args = parser.parse_args(argv)
    setup = BiSetup.from_env()
    if args.command == "stop":
        log.info("Superset stopped" if stop(setup) else "Superset was not running")
        return 0
    if args.command == "shot":
        results = shoot(setup, setup.state / "shots")
        return 0 if all(ok for _, _, ok in results) else 1
    began = time.monotonic()
    creds = json.loads(up(setup).read_text(encoding="utf-8"))
    log.info(
        "Superset ready in %.0f s: %s  (viewer %s / %s; saved in %s)",
        time.monotonic() - began, creds["url"], creds["viewer"]["username"],
        creds["viewer"]["password"], setup.state / "credentials.json",
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
