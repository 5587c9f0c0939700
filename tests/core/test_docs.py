"""The documentation stands on its own in a fresh clone.

Every relative link in README.md, CONTRIBUTING.md and docs/*.md resolves to a file (or
folder) inside the repository, and no document points at `../shared`, which only the
build machines have. Plain file reads: no database, no Django.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# [text](target) and [text](target "title"); images too. Targets in angle brackets
# (<https://...>) and autolinks are absolute, so they are not relative links.
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
# [label]: target  (reference-style definitions)
REFERENCE_LINK = re.compile(
    r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*$", re.M
)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
ABSOLUTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.I)


def doc_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [f for f in files if f.exists()]


def relative_links(text: str) -> list[str]:
    """The relative link targets of a Markdown text, outside fenced code blocks."""
    prose = FENCE.sub("", text)
    targets = INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)
    return [t for t in targets if not ABSOLUTE.match(t)]


def resolve(doc: Path, target: str) -> Path:
    path = target.split("#", 1)[0].split("?", 1)[0]
    base = ROOT if path.startswith("/") else doc.parent
    return (base / path.lstrip("/")).resolve()


def test_the_documents_exist():
    names = {f.relative_to(ROOT).as_posix() for f in doc_files()}
    for required in (
        "README.md",
        "CONTRIBUTING.md",
        "docs/protocol.md",
        "docs/contracts.md",
        "docs/architecture.md",
        "docs/CONVENTIONS.md",
    ):
        assert required in names
    assert not (ROOT / "docs" / "HELPERS.md").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see [the rules](docs/protocol.md)", ["docs/protocol.md"]),
        ("[a](x.md#part) and [b](../y.md 'title')", ["x.md#part", "../y.md"]),
        ('[b](../y.md "title")', ["../y.md"]),
        ("[site](https://example.org) [top](#contents) [m](mailto:a@b.c)", []),
        ("![shot](img/a.png)", ["img/a.png"]),
        ("[ref]: docs/contracts.md", ["docs/contracts.md"]),
        ("```\n[not a link](nowhere.md)\n```\n[link](here.md)", ["here.md"]),
        ("<https://clinicaltrials.gov/study/NCT04988256>", []),
    ],
    ids=["inline", "anchor", "titled", "absolute", "image", "reference", "fenced", "autolink"],
)
def test_relative_links_are_found(text, expected):
    assert relative_links(text) == expected


@pytest.mark.parametrize("doc", doc_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_inside_the_repository(doc):
    broken = []
    outside = []
    for target in relative_links(doc.read_text(encoding="utf-8")):
        path = resolve(doc, target)
        if not path.is_relative_to(ROOT):
            outside.append(target)
        elif not path.exists():
            broken.append(target)
    assert outside == [], f"{doc.name} links outside the repository: {outside}"
    assert broken == [], f"{doc.name} has broken links: {broken}"


@pytest.mark.parametrize("doc", doc_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_document_refers_to_the_shared_folder(doc):
    text = doc.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "HELPERS.md" not in text
