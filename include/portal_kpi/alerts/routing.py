"""Who gets which section: the active rows of ``ops.recipient`` and their limits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from portal_kpi.db import run_sql


@dataclass(frozen=True)
class Recipient:
    """One active recipient. ``agency_codes`` / ``agency_level`` limit the agency sections
    it gets (None = no limit); ``kinds`` the sections and messages (None = all)."""

    recipient_id: int
    name: str
    channel: str
    address: str
    agency_codes: tuple[str, ...] | None = None
    agency_level: str | None = None
    kinds: tuple[str, ...] | None = None

    @property
    def catch_all(self) -> bool:
        """No agency limit: the data team. It also gets the data-quality findings."""
        return self.agency_codes is None and self.agency_level is None

    def takes(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds

    def covers(self, agency_code: str, level: str | None) -> bool:
        """Whether sections about this agency (of this level) are for this recipient."""
        if self.agency_codes is not None and agency_code not in self.agency_codes:
            return False
        return self.agency_level is None or self.agency_level == level


def active_recipients(conn: Connection) -> list[Recipient]:
    return [
        Recipient(
            recipient_id=r.recipient_id,
            name=r.name,
            channel=r.channel,
            address=r.address,
            agency_codes=tuple(r.agency_codes) if r.agency_codes is not None else None,
            agency_level=r.agency_level,
            kinds=tuple(r.kinds) if r.kinds is not None else None,
        )
        for r in run_sql(conn, "alerts/active_recipients.sql")
    ]
