"""The dashboards as code: ``bi/assets/`` (Superset asset YAML) packed into the ZIP that
``POST /api/v1/assets/import/`` takes, with the warehouse address filled in at packing time
(the committed files carry no host and no password)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from portal_kpi.config import ConnInfo

DATABASE_FILE = "databases/portal_kpi.yaml"
BUNDLE_ROOT = "portal_kpi_bi"
MASKED_PASSWORD = "XXXXXXXXXX"  # Superset's placeholder: the password comes in the request


def superset_uri(conn: ConnInfo, login: str, password: str = MASKED_PASSWORD) -> str:
    """psycopg2 URL for Superset; a host that is a directory is a Unix socket."""
    auth = f"{quote(login, safe='')}:{quote(password, safe='')}"
    database = conn.schema or "postgres"
    if conn.host.startswith("/"):
        return f"postgresql+psycopg2://{auth}@/{database}?host={quote(conn.host, safe='/')}"
    port = f":{conn.port}" if conn.port else ""
    return f"postgresql+psycopg2://{auth}@{conn.host or 'localhost'}{port}/{database}"


def load_assets(folder: Path) -> dict[str, dict[str, Any]]:
    """Every YAML file under ``folder`` by its relative path."""
    return {
        path.relative_to(folder).as_posix(): yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(folder.rglob("*.yaml"))
    }


def build_bundle(folder: Path, sqlalchemy_uri: str) -> bytes:
    """The import ZIP: one top-level folder holding the assets, the database's URI set."""
    assets = load_assets(folder)
    assets[DATABASE_FILE]["sqlalchemy_uri"] = sqlalchemy_uri
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, content in assets.items():
            text = yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
            bundle.writestr(f"{BUNDLE_ROOT}/{name}", text)
    return buffer.getvalue()


def dashboard_charts(folder: Path) -> dict[str, set[str]]:
    """Dashboard title → the chart uuids its layout places."""
    out: dict[str, set[str]] = {}
    for name, content in load_assets(folder).items():
        if name.startswith("dashboards/"):
            position = content["position"]
            out[content["dashboard_title"]] = {
                node["meta"]["uuid"]
                for node in position.values()
                if isinstance(node, dict) and node.get("type") == "CHART"
            }
    return out
