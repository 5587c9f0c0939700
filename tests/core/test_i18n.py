"""Languages (issue 16 item 9): a complete French catalogue, and each user's language.

- The committed catalogue (locale/fr/LC_MESSAGES/django.po) has no empty or fuzzy
  translation, and its compiled .mo (committed too: `make run` needs no gettext tools)
  says the same as the .po.
- `makemessages`, run on a copy of the code, finds no string that the committed catalogue
  lacks: a string marked later but not translated fails here.
- A user of the French site reads French pages with French dates; an English user's
  pages stay English; a user's own choice wins over the site's; the API and the CSV
  exports stay English and ISO whoever asks.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import gettext
import io
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from dressdb.models import UserPreference
from tests.api_tokens import api_key
from tests.enrollment.factories import screen

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def po_entries(path: Path) -> list[dict[str, object]]:
    """A small .po reader: each entry's flags, msgid, msgid_plural and msgstr(s)."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    last: tuple[str, int] | None = None

    def finish() -> None:
        if current is not None and "msgid" in current:
            entries.append(current)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            current, last = None, None
            continue
        if current is None:
            current = {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            current["flags"] = {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")$", line)
        if match:
            key, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            if key == "msgstr":
                slot = int(index) if index is not None else -1
                current["msgstr"][slot] = value  # type: ignore[index]
                last = ("msgstr", slot)
            else:
                current[key] = value
                last = (key, 0)
            continue
        assert line.startswith('"') and last is not None, f"cannot read {raw!r}"
        value = ast.literal_eval(line)
        if last[0] == "msgstr":
            current["msgstr"][last[1]] += value  # type: ignore[index]
        else:
            current[last[0]] = str(current[last[0]]) + value
    finish()
    return entries


def key(entry: dict[str, object]) -> tuple[str, str]:
    return (str(entry.get("msgctxt", "")), str(entry["msgid"]))


# --- The catalogue ---------------------------------------------------------------------


def test_french_catalogue_is_complete():
    entries = [e for e in po_entries(PO) if e["msgid"]]
    assert len(entries) > 1000  # the whole interface, not a sample
    untranslated = [
        e["msgid"]
        for e in entries
        if any(not s.strip() for s in e["msgstr"].values())  # type: ignore[attr-defined]
    ]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]  # type: ignore[operator]
    assert not untranslated, f"untranslated in French: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy (unchecked) French translations: {fuzzy[:20]}"


def test_placeholders_survive_translation():
    names = re.compile(r"%\(\w+\)s")
    for entry in po_entries(PO):
        if not entry["msgid"]:
            continue
        source = str(entry.get("msgid_plural") or entry["msgid"])
        for text in entry["msgstr"].values():  # type: ignore[attr-defined]
            assert set(names.findall(text)) <= set(names.findall(source)), entry["msgid"]


def test_compiled_catalogue_matches_the_po(tmp_path):
    with MO.open("rb") as handle:
        committed = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    msgfmt = shutil.which("msgfmt")
    if msgfmt is not None:
        fresh = tmp_path / "django.mo"
        subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(PO)], check=True)
        with fresh.open("rb") as handle:
            expected = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        assert committed == expected, "recompile: manage.py compilemessages -l fr"
    # Without msgfmt, at least every translation of the .po is in the .mo.
    for entry in po_entries(PO):
        if entry["msgid"] and "msgid_plural" not in entry:
            msgid = str(entry["msgid"])
            if "msgctxt" in entry:
                msgid = f"{entry['msgctxt']}\x04{msgid}"
            assert committed.get(msgid) == entry["msgstr"][-1], msgid  # type: ignore[index]


def _copy_for_makemessages(target: Path) -> None:
    skip = {".venv", ".git", "var", "tests", "static", "docs", "node_modules", ".ci"}
    for item in ROOT.iterdir():
        if item.name in skip or item.name.endswith(".egg-info"):
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, target / item.name)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs the gettext tools")
def test_every_marked_string_is_in_the_catalogue(tmp_path):
    """makemessages on a copy finds nothing the committed catalogue lacks."""
    copy = tmp_path / "src"
    copy.mkdir()
    _copy_for_makemessages(copy)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    found = {key(e) for e in po_entries(copy / "locale/fr/LC_MESSAGES/django.po")}
    committed = {key(e) for e in po_entries(PO)}
    missing = sorted(found - committed)
    assert not missing, (
        "strings marked for translation but missing from locale/fr (run makemessages -l fr,"
        f" translate, compilemessages): {missing[:20]}"
    )


# --- Each user's language --------------------------------------------------------------


@pytest.fixture
def french_site(site_a):
    site_a.language = "fr"
    site_a.save()
    return site_a


def test_a_french_site_user_reads_french_with_french_dates(
    french_site, coordinator_a, participant_a, login
):
    participant_a.enrolled_at = timezone.now() - dt.timedelta(days=3)
    participant_a.save()
    client = login(coordinator_a)

    grid = client.get("/records/")
    assert grid.status_code == 200
    page = grid.content.decode()
    assert '<html lang="fr">' in page
    assert "État des dossiers" in page and "Légende" in page
    assert "Record status" not in page
    assert grid["Content-Language"] == "fr"

    listing = client.get("/participants/").content.decode()
    assert "Prochaine échéance" in listing and "Jour d'étude" in listing
    enrolled = timezone.localdate(participant_a.enrolled_at, timezone=french_site.tz)
    assert enrolled.strftime("%d/%m/%Y") in listing  # French date
    assert enrolled.isoformat() not in listing


def test_an_english_user_stays_english(site_a, coordinator_a, participant_a, login):
    participant_a.enrolled_at = timezone.now() - dt.timedelta(days=3)
    participant_a.save()
    client = login(coordinator_a)
    page = client.get("/records/").content.decode()
    assert "Record status" in page and "État des dossiers" not in page
    listing = client.get("/participants/").content.decode()
    enrolled = timezone.localdate(participant_a.enrolled_at, timezone=site_a.tz)
    assert "Next item due" in listing and enrolled.isoformat() in listing


def test_own_choice_wins_over_the_sites_language(french_site, coordinator_a, login):
    client = login(coordinator_a)
    assert "État des dossiers" in client.get("/records/").content.decode()
    response = client.post("/accounts/language/", {"language": "en-gb", "next": "/records/"})
    assert response.status_code == 302 and response["Location"] == "/records/"
    assert UserPreference.objects.get(user=coordinator_a).language == "en-gb"
    assert "Record status" in client.get("/records/").content.decode()
    # Kept for the next session too.
    assert "Record status" in login(coordinator_a).get("/records/").content.decode()
    # Back to the site's language; an unsafe "next" goes home.
    response = client.post("/accounts/language/", {"language": "", "next": "https://evil.test/"})
    assert response["Location"] == "/"
    assert "État des dossiers" in client.get("/records/").content.decode()


def test_mixed_language_sites_fall_back_to_english(french_site, site_b, investigator_a, login):
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=investigator_a, site=site_b, role="investigator")
    assert "Record status" in login(investigator_a).get("/records/").content.decode()


def test_the_api_and_exports_stay_english_and_iso(
    french_site, coordinator_a, statistician, participant_a, login
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(coordinator_a)}")
    # A session of a French user calling the API gets English too: the API is a contract.
    for client in (api, login(coordinator_a)):
        bad = client.post(
            "/api/v1/screenings/", {"site": french_site.pk}, content_type="application/json"
        )
        assert bad.status_code == 400, bad.content
        assert "is required" in bad.content.decode()  # the API's English message
        assert "obligatoire" not in bad.content.decode()

    # A French statistician's CSV export: ISO dates and '.' decimals.
    french_site_stat = login(statistician)
    french_site_stat.post("/accounts/language/", {"language": "fr", "next": "/"})
    assert "Exports CSV" in french_site_stat.get("/reports/exports/").content.decode()
    screening = screen(french_site, coordinator_a)
    screening.egfr = Decimal("72.5")
    screening.save()
    response = french_site_stat.get("/reports/exports/screening.csv")
    assert response.status_code == 200, response.status_code
    content = response.streaming_content if response.streaming else [response.content]
    rows = list(csv.DictReader(io.StringIO(b"".join(content).decode())))
    row = next(r for r in rows if r["screening_number"] == str(screening.screening_number))
    assert row["egfr"] == "72.5"  # never "72,5"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", row["screened_on"])  # never 27/11/2026
