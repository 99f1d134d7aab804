"""Personal data never reaches the warehouse in clear.

Identifying fields are replaced by a keyed hash (HMAC-SHA256 with the secret kept in
the ``pii_hash`` connection's password): stable across runs, so the same applicant
hashes alike, and useless without the key. Free text is dropped.
"""

from __future__ import annotations

import hmac
import unicodedata
from typing import Any

from portal_kpi.config import CONN_PII, ConfigError, get_connection

HASHED_FIELDS = ("ChuHoSo", "SoGiayToChuHoSo", "SoDienThoai", "Email")
DROPPED_FIELDS = ("TrichYeuHoSo",)
DROPPED_SUPPLEMENT_FIELDS = ("NoiDungBoSung",)
DROPPED_APOLOGY_FIELDS = ("LyDo",)
HASH_PREFIX = "h1:"


class PiiHasher:
    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ConfigError("the pii_hash secret must be at least 16 characters")
        # the keyed state after the key block, copied for each value
        self._keyed = hmac.new(secret.encode("utf-8"), digestmod="sha256")

    def hash(self, value: str | None) -> str | None:
        """Keyed hash of a normalised value; empty stays empty (None)."""
        if value is None:
            return None
        norm = " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()
        if norm == "":
            return None
        mac = self._keyed.copy()
        mac.update(norm.encode("utf-8"))
        return HASH_PREFIX + mac.hexdigest()

    def scrub_dossier(self, record: dict[str, Any]) -> dict[str, Any]:
        """A copy of a dossier record that is safe to store: identifying fields hashed,
        free text removed (also inside supplements and apology letters)."""
        out = dict(record)
        for field in HASHED_FIELDS:
            if field in out:
                out[field] = self.hash(out[field])
        for field in DROPPED_FIELDS:
            out.pop(field, None)
        out["DanhSachHoSoBoSung"] = _drop_keys(
            out.get("DanhSachHoSoBoSung"), DROPPED_SUPPLEMENT_FIELDS
        )
        out["DanhSachXinLoi"] = _drop_keys(out.get("DanhSachXinLoi"), DROPPED_APOLOGY_FIELDS)
        return out


def _drop_keys(items: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(items, list):
        return items
    return [
        {k: v for k, v in item.items() if k not in keys} if isinstance(item, dict) else item
        for item in items
    ]


def hasher_from_connection() -> PiiHasher:
    conn = get_connection(CONN_PII)
    if not conn.password:
        raise ConfigError(f"connection {CONN_PII!r} has no password (the hashing secret)")
    return PiiHasher(conn.password)
