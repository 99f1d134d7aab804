"""The README and docs/*.md point only at files inside the repository that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# [text](target) or [text](target "title"); images too.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# `some/path.md` written as code: a reference to another page.
CODE_PAGE = re.compile(r"`([^`\s]*/[^`\s]*\.md)(?:#[^`\s]*)?`")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, https:, mailto: …


def problems(page: Path, text: str) -> list[str]:
    """Every link or page reference in ``text`` that leaves the repository or is missing."""
    found = []
    for target in LINK.findall(text):
        if EXTERNAL.match(target) or target.startswith("#"):
            continue
        found.append((target.split("#", 1)[0], page.parent))
    found += [(target, ROOT) for target in CODE_PAGE.findall(text)]
    out = []
    for target, base in found:
        if target.startswith("/"):
            out.append(f"{target}: absolute path")
            continue
        resolved = (base / target).resolve()
        if not resolved.is_relative_to(ROOT):
            out.append(f"{target}: outside the repository")
        elif not resolved.exists():
            out.append(f"{target}: no such file in the repository")
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_links_stay_inside_the_repo(page: Path) -> None:
    assert problems(page, page.read_text(encoding="utf-8")) == []


def test_checker_catches_bad_links() -> None:
    page = ROOT / "docs" / "example.md"
    text = (
        "[a](../../elsewhere/notes/README.md) see `../elsewhere/notes/README.md`, "
        "[b](missing.md), `docs/missing.md`, [c](/etc/passwd), "
        "[ok](domain.md#3-report-form-06) [web](https://example.org/x.md) `docs/domain.md`"
    )
    assert problems(page, text) == [
        "../../elsewhere/notes/README.md: outside the repository",
        "missing.md: no such file in the repository",
        "/etc/passwd: absolute path",
        "../elsewhere/notes/README.md: outside the repository",
        "docs/missing.md: no such file in the repository",
    ]


def test_domain_reference_exists_and_readme_points_at_it() -> None:
    assert "`docs/domain.md`" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert (ROOT / "docs" / "domain.md").is_file()
