"""Copy the reminders into the notifications app, with a generic subject.

The old rows point at a visit and/or a participant, with a subject string:
"visit:<id>" (visit reminders), "decision:<participant id>", "alert:<participant id>",
"alert:<site code>", "orders:<site id>". The new rows point at the visit, the
participant or the site through the content types framework, keep the user, kind, due
date, message, status and timestamps, and gain the title (the old kind label), the
label (study ID or site code) and the URL of the participant page. Reversible.
"""

from typing import Any

from django.db import migrations

TITLES = {
    "window_opens": "Visit window opens in 2 days",
    "visit_due": "Visit due today",
    "visit_overdue": "Visit overdue",
    "visit_overdue_escalated": "Visit overdue 2+ days (escalated)",
    "decision_due": "Dosing decision due today",
    "orders_tomorrow": "Orders for tomorrow",
    "no_slot": "No allocation slot left",
    "switch": "Arm switch",
    "off_protocol": "Off protocol",
}
COPIED_FIELDS = ("user_id", "kind", "due_date", "message", "status", "emailed_at", "closed_at")


def _content_type(apps: Any, app_label: str, model: str) -> Any:
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def forward(apps: Any, schema_editor: Any) -> None:
    Old = apps.get_model("outcomes", "Reminder")
    New = apps.get_model("notifications", "Reminder")
    Site = apps.get_model("dressdb", "Site")
    if not Old.objects.exists():
        return
    visit_type = _content_type(apps, "outcomes", "visit")
    participant_type = _content_type(apps, "enrollment", "participant")
    site_type = _content_type(apps, "dressdb", "site")
    user_type = _content_type(apps, "auth", "user")
    sites = {s.pk: s for s in Site.objects.all()}
    site_by_code = {s.code: s for s in sites.values()}
    rows = {}
    for old in Old.objects.select_related("participant").order_by("pk").iterator():
        kind, _, key = old.subject.partition(":")
        participant = old.participant
        site = sites.get(participant.site_id) if participant else None
        url = f"/participants/{participant.pk}/" if participant else ""
        label = participant.study_id if participant else ""
        if old.visit_id is not None:
            subject_type, subject_id = visit_type, old.visit_id
        elif participant is not None:
            subject_type, subject_id = participant_type, participant.pk
        elif kind == "orders" and key.isdigit() and int(key) in sites:
            site = sites[int(key)]
            subject_type, subject_id, label = site_type, site.pk, site.code
        elif kind == "alert" and key in site_by_code:
            site = site_by_code[key]
            subject_type, subject_id, label = site_type, site.pk, site.code
        else:  # an unknown subject: the reminder is about its own user
            subject_type, subject_id = user_type, old.user_id
        unique_key = (old.user_id, subject_type.pk, subject_id, old.kind, old.due_date)
        rows.setdefault(
            unique_key,
            New(
                subject_type=subject_type,
                subject_id=subject_id,
                site=site,
                title=TITLES.get(old.kind, old.kind.replace("_", " ").capitalize())[:100],
                label=label[:40],
                url=url,
                created_at=old.created_at,
                **{name: getattr(old, name) for name in COPIED_FIELDS},
            ),
        )
    # Keep the original creation times: created_at is auto_now_add, off for this copy.
    created_at = New._meta.get_field("created_at")
    created_at.auto_now_add = False
    try:
        New.objects.bulk_create(list(rows.values()), batch_size=500)
    finally:
        created_at.auto_now_add = True


def backward(apps: Any, schema_editor: Any) -> None:
    Old = apps.get_model("outcomes", "Reminder")
    New = apps.get_model("notifications", "Reminder")
    Visit = apps.get_model("outcomes", "Visit")
    Participant = apps.get_model("enrollment", "Participant")
    Site = apps.get_model("dressdb", "Site")
    for new in New.objects.select_related("subject_type").order_by("pk").iterator():
        model = (new.subject_type.app_label, new.subject_type.model)
        visit_id = participant_id = None
        if model == ("outcomes", "visit"):
            visit = Visit.objects.filter(pk=new.subject_id).first()
            if visit is None:
                continue
            visit_id, participant_id = visit.pk, visit.participant_id
            subject = f"visit:{visit.pk}"
        elif model == ("enrollment", "participant"):
            if not Participant.objects.filter(pk=new.subject_id).exists():
                continue
            participant_id = new.subject_id
            prefix = "decision" if new.kind == "decision_due" else "alert"
            subject = f"{prefix}:{participant_id}"
        elif model == ("dressdb", "site"):
            site = Site.objects.filter(pk=new.subject_id).first()
            if site is None:
                continue
            subject = f"orders:{site.pk}" if new.kind == "orders_tomorrow" else f"alert:{site.code}"
        else:
            subject = f"{model[1]}:{new.subject_id}"
        old, _ = Old.objects.get_or_create(
            user_id=new.user_id,
            subject=subject[:40],
            kind=new.kind[:24],
            due_date=new.due_date,
            defaults={
                "participant_id": participant_id,
                "visit_id": visit_id,
                "message": new.message,
                "status": new.status,
                "emailed_at": new.emailed_at,
                "closed_at": new.closed_at,
            },
        )
        Old.objects.filter(pk=old.pk).update(created_at=new.created_at)
    New.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0002_sweep_schedule"),
        ("notifications", "0001_initial"),
        ("enrollment", "0001_initial"),
        ("dressdb", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forward, backward)]
