"""Training records (issue 21): entered by admins, certificate through STORAGES, scope,
lapsed training warned and, when the setting is on, refused like an undelegated user."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dosing import services as dosing_services
from dressdb import delegation
from dressdb.models import Duty, SecurityEvent, TrainingRecord
from tests.dosing.helpers import started
from tests.factories import UserFactory
from trialadmin import selectors, training

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def today() -> dt.date:
    return timezone.localdate()


def record(by, user, course, completed_days_ago=100, valid_days=None, certificate=None):
    completed = today() - dt.timedelta(days=completed_days_ago)
    return training.training_record_save(
        by=by,
        user=user,
        course=course,
        completed_on=completed,
        valid_until=(completed + dt.timedelta(days=valid_days)) if valid_days else None,
        certificate=certificate,
    )


def test_an_admin_records_a_course_with_its_certificate_through_the_page(
    trial_admin, coordinator_a, login, media
):
    client = login(trial_admin)
    url = reverse("trialadmin:training", kwargs={"pk": coordinator_a.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "course": "GCP",
            "completed_on": (today() - dt.timedelta(days=30)).isoformat(),
            "valid_until": (today() + dt.timedelta(days=700)).isoformat(),
            "certificate": SimpleUploadedFile("gcp.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    row = TrainingRecord.objects.get(user=coordinator_a)
    assert (row.course, row.entered_by) == ("GCP", trial_admin)
    stored = Path(media) / row.certificate.name  # type: ignore[operator]
    assert stored.read_bytes() == PDF  # the default storage: FileSystemStorage, MEDIA_ROOT
    first = row.history.first()
    assert (first.history_user, first.history_change_reason) == (trial_admin, "Training recorded")
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.TRAINING_CHANGE, detail__training_id=row.pk
    ).exists()
    download = client.get(
        reverse(
            "trialadmin:training_certificate", kwargs={"pk": coordinator_a.pk, "record_pk": row.pk}
        )
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    page = client.get(url).content.decode()
    assert "GCP" in page and "Download" in page
    assert "Dosing decisions, Drug dispensing, Data entry" in page  # the duties held, labelled


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("cert.exe", b"MZ\x90\x00", "PDF, PNG or JPEG", id="wrong-extension"),
        pytest.param("cert.pdf", PNG, "not a PDF file", id="content-not-matching"),
        pytest.param("cert.png", b"", "empty", id="empty"),
        pytest.param("cert.pdf", PDF + b"0" * (5 * 1024 * 1024), "at most 5 MB", id="too-big"),
    ],
)
def test_a_bad_certificate_is_a_field_error_and_nothing_is_written(
    trial_admin, coordinator_a, login, name, content, message, media
):
    client = login(trial_admin)
    url = reverse("trialadmin:training", kwargs={"pk": coordinator_a.pk})
    response = client.post(
        url,
        {
            "course": "GCP",
            "completed_on": today().isoformat(),
            "certificate": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors["certificate"])
    assert not TrainingRecord.objects.exists()
    assert not (Path(media) / "training").exists()


def test_dates_and_a_correction_need_their_rules(trial_admin, coordinator_a):
    with pytest.raises(ValidationError) as bad:
        training.training_record_save(
            by=trial_admin,
            user=coordinator_a,
            course=" ",
            completed_on=today() + dt.timedelta(days=1),
            valid_until=None,
        )
    assert set(bad.value.message_dict) == {"course", "completed_on"}
    with pytest.raises(ValidationError) as order:
        training.training_record_save(
            by=trial_admin,
            user=coordinator_a,
            course="GCP",
            completed_on=today(),
            valid_until=today() - dt.timedelta(days=1),
        )
    assert "valid_until" in order.value.message_dict
    row = record(trial_admin, coordinator_a, "GCP")
    with pytest.raises(ValidationError) as no_reason:
        training.training_record_save(
            by=trial_admin,
            user=coordinator_a,
            course="GCP",
            completed_on=row.completed_on,
            valid_until=today(),
            record=row,
        )
    assert "reason" in no_reason.value.message_dict
    training.training_record_save(
        by=trial_admin,
        user=coordinator_a,
        course="GCP",
        completed_on=row.completed_on,
        valid_until=today(),
        record=row,
        reason="Expiry date from the certificate",
    )
    row.refresh_from_db()
    assert row.valid_until == today()
    assert row.history.first().history_change_reason == "Expiry date from the certificate"


def test_scope_another_sites_coordinator_gets_404_and_only_admins_write(
    trial_admin, coordinator_a, coordinator_b, investigator_a, login
):
    row = record(trial_admin, coordinator_a, "GCP", certificate=SimpleUploadedFile("c.pdf", PDF))
    page = reverse("trialadmin:training", kwargs={"pk": coordinator_a.pk})
    cert = reverse(
        "trialadmin:training_certificate", kwargs={"pk": coordinator_a.pk, "record_pk": row.pk}
    )
    edit = reverse("trialadmin:training_edit", kwargs={"pk": coordinator_a.pk, "record_pk": row.pk})
    api = reverse("trialadmin_api:person-training", kwargs={"pk": coordinator_a.pk})
    other = login(coordinator_b)
    assert other.get(page).status_code == 404
    assert other.get(cert).status_code == 404
    assert other.get(api).status_code == 404
    # The investigator of the same site reads; only an admin writes (403).
    inv = login(investigator_a)
    assert inv.get(page).status_code == 200
    assert inv.get(cert).status_code == 200
    assert inv.post(page, {"course": "GCP", "completed_on": "2026-01-01"}).status_code == 403
    assert inv.get(edit).status_code == 403
    assert inv.post(api, {"course": "GCP", "completed_on": "2026-01-01"}).status_code == 403
    # A person reads their own training.
    assert login(coordinator_a).get(page).status_code == 200
    assert TrainingRecord.objects.count() == 1


def test_the_api_lists_and_records_training(trial_admin, coordinator_a, login):
    client = login(trial_admin)
    url = reverse("trialadmin_api:person-training", kwargs={"pk": coordinator_a.pk})
    created = client.post(
        url,
        {
            "course": "protocol",
            "completed_on": (today() - dt.timedelta(days=3)).isoformat(),
            "certificate": SimpleUploadedFile("p.png", PNG),
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["has_certificate"] is True
    bad = client.post(
        url,
        {
            "course": "GCP",
            "completed_on": today().isoformat(),
            "certificate": SimpleUploadedFile("g.pdf", PNG),
        },
    )
    assert bad.status_code == 400
    assert "certificate" in bad.json()
    listing = client.get(url).json()
    assert [r["course"] for r in listing["records"]] == ["protocol"]
    assert listing["state"] == "missing: GCP"  # the personas hold every duty


def test_lapsed_training_is_warned_on_the_people_list_and_the_home_page(
    trial_admin, coordinator_a, login, django_assert_max_num_queries
):
    record(trial_admin, coordinator_a, "GCP", completed_days_ago=800, valid_days=730)  # lapsed
    record(trial_admin, coordinator_a, "protocol")
    state = {row.user.username: row.training for row in selectors.people()}["coord_a"]
    assert (state.lapsed, state.missing, state.ok) == (["GCP"], [], False)
    admin = login(trial_admin)
    html = admin.get(reverse("trialadmin:people")).content.decode()
    assert "lapsed: GCP" in html
    UserFactory.create_batch(4)
    with django_assert_max_num_queries(14):
        admin.get(reverse("trialadmin:people"))
    home = login(coordinator_a).get("/").content.decode()
    assert 'data-testid="training-warning"' in home and "lapsed: GCP" in home
    record(trial_admin, coordinator_a, "GCP", completed_days_ago=10, valid_days=730)
    home = login(coordinator_a).get("/").content.decode()
    assert 'data-testid="training-warning"' not in home
    state = {row.user.username: row.training for row in selectors.people()}["coord_a"]
    assert state.label == "current"


def test_a_user_without_duties_needs_no_training(trial_admin):
    nobody = UserFactory.create(username="nobody")
    assert training.training_states([nobody])[nobody.pk].label == "no duties"
    assert training.home_panel(user=nobody) == {}


def test_lapsed_training_blocks_the_duty_when_the_setting_is_on(
    settings, trial_admin, site_a, coordinator_a, login
):
    participant = started(site_a, coordinator_a, days_ago=3)[0]
    record(trial_admin, coordinator_a, "GCP")
    record(trial_admin, coordinator_a, "protocol", completed_days_ago=400, valid_days=365)
    # Off (the default): warned only, the action goes through.
    assert delegation.block_on_lapsed_training() is False
    dosing_services.npo_set(participant=participant, user=coordinator_a, npo=True, reason="NPO")
    settings.TRIAL_BLOCK_ON_LAPSED_TRAINING = True
    with pytest.raises(ValidationError) as refused:
        dosing_services.npo_set(
            participant=participant, user=coordinator_a, npo=False, reason="Eating again"
        )
    message = refused.value.message_dict["npo"][0]
    assert "coord_a's training for data entry is missing or has lapsed (protocol)" in message
    participant.refresh_from_db()
    assert participant.npo is True
    # Only the duty's own courses count (TRIAL_REQUIRED_TRAINING per duty).
    settings.TRIAL_REQUIRED_TRAINING = {Duty.DATA_ENTRY: ["GCP"]}
    dosing_services.npo_set(
        participant=participant, user=coordinator_a, npo=False, reason="Eating again"
    )
    settings.TRIAL_REQUIRED_TRAINING = {Duty.DATA_ENTRY: ["GCP", "protocol"]}
    record(trial_admin, coordinator_a, "protocol", completed_days_ago=1, valid_days=365)
    dosing_services.npo_set(participant=participant, user=coordinator_a, npo=True, reason="NPO")
