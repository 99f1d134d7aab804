"""Runs inside .venv-bi (Superset's own interpreter), called by `make bi`: the viewer role and
user. The role portal_kpi_viewer reads every dataset of the warehouse connection (database
access); the viewer gets it on top of Gamma, which may open dashboards and charts.

usage: python bi/provision_roles.py DATABASE_NAME USERNAME  (password on stdin)
"""

from __future__ import annotations

import sys

from superset.app import create_app

VIEWER_ROLE = "portal_kpi_viewer"


def main() -> int:
    database_name, username = sys.argv[1], sys.argv[2]
    password = sys.stdin.read().strip()
    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.models.core import Database

        database = db.session.query(Database).filter_by(database_name=database_name).one()
        role = security_manager.find_role(VIEWER_ROLE) or security_manager.add_role(VIEWER_ROLE)
        perm = security_manager.add_permission_view_menu("database_access", database.perm)
        security_manager.add_permission_role(role, perm)
        gamma = security_manager.find_role("Gamma")
        user = security_manager.find_user(username=username)
        if user is None:
            user = security_manager.add_user(
                username, "Người xem", "Viewer", f"{username}@localhost", [gamma, role], password
            )
        else:
            user.roles = [gamma, role]
            security_manager.reset_password(user.id, password)
        db.session.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
