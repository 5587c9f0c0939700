"""The one signing service (dressdb.signing), on a core record (a Site) so the core is
tested without a domain app: Part 11 fields, password last, lockout, voiding, history."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory

from dressdb import signing
from dressdb.models import SecurityEvent, Signature
from tests.factories import TEST_PASSWORD, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

APPROVED = signing.Meaning.REVIEWED_APPROVED


@pytest.fixture
def signer():
    return UserFactory.create(username="signer", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def record():
    return SiteFactory.create(code="SIGN", name="Signed site")


def request_from(ip: str = "127.0.0.1"):
    return RequestFactory().post("/sign/", REMOTE_ADDR=ip)


def test_a_signature_has_name_utc_time_meaning_and_is_bound_to_the_record(signer, record):
    signature = signing.sign(
        user=signer,
        password=TEST_PASSWORD,
        record=record,
        meaning=APPROVED,
        summary=[("Site", record.code)],
    )
    assert signature.printed_name == "Ada Lovelace"
    assert signature.signed_at.utcoffset() == dt.timedelta(0)
    assert signature.meaning == "reviewed and approved"
    assert (signature.content_type.model, signature.object_id) == ("site", record.pk)
    assert signature.record_history_id == record.history.first().history_id
    assert signature.summary == [["Site", "SIGN"]]
    assert signing.is_bound(signature, record)
    assert SecurityEvent.objects.filter(kind="signed", user=signer).count() == 1
    shown = render_to_string("signing/_signature.html", {"signature": signature})
    assert "Ada Lovelace" in shown and " UTC" in shown and "reviewed and approved" in shown
    assert "void" not in shown


def test_a_wrong_password_signs_nothing_is_logged_and_counts_toward_lockout(signer, record):
    with pytest.raises(ValidationError) as caught:
        signing.sign(
            user=signer, password="wrong", record=record, meaning=APPROVED, request=request_from()
        )
    assert caught.value.message_dict == {"password": [signing.WRONG_PASSWORD]}
    assert not Signature.objects.exists()
    assert SecurityEvent.objects.filter(kind="signature_failed", user=signer).count() == 1
    assert AccessAttempt.objects.get(username="signer").failures_since_start == 1


def test_the_password_is_checked_last(signer, record):
    """Another invalid field answers alone: no password hint, no failure counted."""
    for password in ("wrong", TEST_PASSWORD):
        with pytest.raises(ValidationError) as caught:
            signing.sign(user=signer, password=password, record=record, meaning="whatever")
        assert set(caught.value.message_dict) == {"meaning"}
    assert not SecurityEvent.objects.filter(kind="signature_failed").exists()
    assert not AccessAttempt.objects.exists()


def test_a_failed_write_after_the_password_stores_no_signature(signer, record):
    def write():
        raise ValidationError({"completed_on": "changed meanwhile"})

    with pytest.raises(ValidationError):
        signing.sign(user=signer, password=TEST_PASSWORD, record=write, meaning=APPROVED)
    assert not Signature.objects.exists()


def test_five_wrong_passwords_lock_the_account_then_the_right_one_is_refused(signer, record):
    for _ in range(4):
        with pytest.raises(ValidationError, match="Wrong password"):
            signing.sign(
                user=signer, password="bad", record=record, meaning=APPROVED, request=request_from()
            )
    fifth = request_from()
    with pytest.raises(ValidationError, match="Account locked"):
        signing.sign(user=signer, password="bad", record=record, meaning=APPROVED, request=fifth)
    assert fifth.axes_locked_out is True  # AxesMiddleware answers 429
    with pytest.raises(ValidationError, match="Account locked"):
        signing.sign(
            user=signer,
            password=TEST_PASSWORD,
            record=record,
            meaning=APPROVED,
            request=request_from("127.0.0.9"),
        )
    assert not Signature.objects.exists()
    assert SecurityEvent.objects.filter(kind="signature_failed").count() == 6


def test_odd_passwords_are_wrong_passwords_not_errors(signer, record):
    for odd in ("\ud800", "a\0b", "", 12):
        with pytest.raises(ValidationError, match="password|Wrong"):
            signing.sign(user=signer, password=odd, record=record, meaning=APPROVED)  # type: ignore[arg-type]


def test_a_change_voids_the_signature_with_its_reason_and_history_keeps_it(signer, record):
    signature = signing.sign(user=signer, password=TEST_PASSWORD, record=record, meaning=APPROVED)
    record.name = "Renamed"
    record.save()
    assert not signing.is_bound(signature, record)
    with pytest.raises(ValidationError):
        signing.void_for(record, reason=" ", user=signer)
    assert signing.void_for(record, reason="Name corrected", user=signer) == 1
    signature.refresh_from_db()
    assert signature.is_void and signature.voided_reason == "Name corrected"
    assert signing.current_signature(record) is None
    assert [s.pk for s in signing.signatures_for(record)] == [signature.pk]
    assert [h.history_type for h in signature.history.order_by("history_id")] == ["+", "~"]
    assert signature.history.order_by("history_id").first().voided_at is None
    shown = render_to_string("signing/_signature.html", {"signature": signature})
    assert "void: Name corrected" in shown
    assert SecurityEvent.objects.filter(kind="signature_voided").count() == 1
    # A new signature after the change is the current one.
    again = signing.sign(user=signer, password=TEST_PASSWORD, record=record, meaning=APPROVED)
    assert signing.current_signature(record) == again
    assert signing.current_signatures([record]) == {record.pk: again}


def test_the_signing_core_imports_no_domain_app():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(signing.__file__).read_text())
    modules = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    domain = {"enrollment", "randomization", "dosing", "outcomes", "reports", "portal", "demo"}
    assert not modules & domain
