"""Import the dashboards-as-code of bi/assets/ into Superset, replacing earlier imports.

Run in the superset image after ``superset init`` (docker-compose service superset-init)::

    python /app/docker/import_assets.py /app/bi/assets

The folder holds Superset's asset export layout (``metadata.yaml`` of type ``assets``,
``databases/``, ``datasets/``, ``charts/``, ``dashboards/``), directly or in one
sub-folder. The committed database files carry no password and name the host of a local
``make bi``, so every database's ``sqlalchemy_uri`` is replaced by SUPERSET_WAREHOUSE_URI
and SUPERSET_WAREHOUSE_PASSWORD is handed to Superset separately (Superset stores it
encrypted with its SECRET_KEY). Everything is imported with overwrite, so running the
service again updates databases, datasets, charts and dashboards in place.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

log = logging.getLogger("portal_kpi.superset_import")

# What Superset writes in place of a password in exported and imported URIs.
PASSWORD_MASK = "X" * 10


def bundle_root(folder: Path) -> Path:
    """The folder holding ``metadata.yaml`` (the shallowest one under ``folder``)."""
    found = sorted(folder.rglob("metadata.yaml"), key=lambda path: len(path.parts))
    if not found:
        raise SystemExit(f"no metadata.yaml under {folder}: not a Superset asset bundle")
    return found[0].parent


def read_bundle(root: Path) -> dict[str, str]:
    """``{"databases/warehouse.yaml": text, ...}``: the keys Superset's importer expects."""
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.yaml"))
    }


def point_databases(contents: dict[str, str], uri: str, password: str) -> dict[str, str]:
    """Rewrite every database file to ``uri`` (password masked); return the passwords."""
    masked = make_url(uri).set(password=PASSWORD_MASK).render_as_string(hide_password=False)
    passwords: dict[str, str] = {}
    for name in [name for name in contents if name.startswith("databases/")]:
        config = yaml.safe_load(contents[name])
        config["sqlalchemy_uri"] = masked
        contents[name] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
        passwords[name] = password
    return passwords


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if len(argv) != 1:
        raise SystemExit("usage: import_assets.py ASSETS_FOLDER")
    root = bundle_root(Path(argv[0]))
    contents = read_bundle(root)
    passwords = point_databases(
        contents,
        os.environ["SUPERSET_WAREHOUSE_URI"],
        os.environ["SUPERSET_WAREHOUSE_PASSWORD"],
    )

    # Superset's modules need an application (and its config) before they can be
    # imported, hence the imports after create_app().
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from flask import g
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand

        owner = os.environ.get("SUPERSET_ADMIN_USER", "admin")
        g.user = security_manager.find_user(username=owner)
        if g.user is None:
            raise SystemExit(f"Superset user {owner!r} does not exist (run create-admin)")
        ImportAssetsCommand(contents, passwords=passwords).run()
    kinds = sorted({name.split("/", 1)[0] for name in contents if "/" in name})
    log.info("imported %d files (%s) from %s", len(contents), ", ".join(kinds), root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
