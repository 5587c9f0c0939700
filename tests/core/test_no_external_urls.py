"""No template or static file loads anything from outside (no CDN)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Attributes and CSS/JS constructs that make a browser fetch something.
FETCHING = [
    re.compile(r"""(?:src|href|action|data-src|poster)\s*=\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""url\(\s*["']?\s*(?:https?:)?//""", re.I),
    re.compile(r"""@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//""", re.I),
    re.compile(r"""\bimport\s*\(?\s*["'](?:https?:)?//""", re.I),
]


def _files() -> list[Path]:
    files = []
    for folder in ("templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".html", ".css", ".js", ".txt", ".svg"} and path.is_file():
                files.append(path)
    return files


def test_there_are_files_to_check():
    names = {p.name for p in _files()}
    assert {"base.html", "bootstrap.min.css", "htmx.min.js", "chart.umd.min.js"} <= names


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_file_references_no_external_url(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    for pattern in FETCHING:
        match = pattern.search(text)
        assert match is None, f"{path.relative_to(ROOT)} loads an external URL: {match.group(0)!r}"


def test_the_check_catches_a_cdn_link():
    sample = '<script src="https://cdn.jsdelivr.net/npm/htmx.org"></script>'
    assert any(p.search(sample) for p in FETCHING)
