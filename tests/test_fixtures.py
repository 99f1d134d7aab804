"""The saved national-portal responses in tests/fixtures/dvcqg are intact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "dvcqg"


def _sums() -> dict[str, str]:
    sums: dict[str, str] = {}
    for line in (FIXTURES / "SHA256SUMS").read_text(encoding="ascii").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name.lstrip("*")] = digest
    return sums


def test_sha256sums_covers_every_saved_response() -> None:
    on_disk = {
        p.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.rglob("*")
        if p.is_file() and p.name not in ("SHA256SUMS", "README.md", ".gitattributes")
    }
    assert on_disk == set(_sums())
    assert len(on_disk) == 10


@pytest.mark.parametrize("name", sorted(_sums()))
def test_checksum_matches(name: str) -> None:
    body = (FIXTURES / name).read_bytes()
    assert hashlib.sha256(body).hexdigest() == _sums()[name]


def test_manifest_records_the_captured_files() -> None:
    manifest = json.loads((FIXTURES / "manifest.m0.json").read_bytes())
    recorded = [c for c in manifest["captures"] if (FIXTURES / c["file"]).is_file()]
    assert len(recorded) == 8  # the re-captured satisfaction group is not in the manifest
    for capture in recorded:
        body = (FIXTURES / capture["file"]).read_bytes()
        assert len(body) == capture["bytes"], capture["file"]
        assert hashlib.sha256(body).hexdigest() == capture["sha256"], capture["file"]
