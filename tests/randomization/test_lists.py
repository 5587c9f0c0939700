"""Allocation lists: generate, append, upload (verified row by row), replace rules."""

import pytest
from django.core.exceptions import ValidationError

from randomization import blocks, services
from randomization.models import AllocationList, AllocationSlot, Stratum
from tests.factories import ParticipantFactory
from tests.randomization.helpers import live_list

pytestmark = pytest.mark.django_db


def test_generate_makes_every_stratum_from_the_recorded_seed(statistician, site_a, site_b):
    alist = live_list(statistician, slots=10)
    keys = sorted(Stratum.objects.filter(allocation_list=alist).values_list("key", flat=True))
    assert keys == [
        "SITEA|renal_impairment=no",
        "SITEA|renal_impairment=yes",
        "SITEB|renal_impairment=no",
        "SITEB|renal_impairment=yes",
    ]
    for key in keys:
        stored = list(
            AllocationSlot.objects.filter(stratum__key=key, stratum__allocation_list=alist)
            .order_by("position")
            .values_list("arm", flat=True)
        )
        regenerated = [
            str(s.arm)
            for s in blocks.generate_sequence(
                seed=alist.seed, stratum=key, length=10, block_sizes=[2, 4, 6]
            )
        ]
        assert stored == regenerated
        assert len(stored) >= 10


def test_append_continues_the_same_sequence(statistician, site_a):
    alist = live_list(statistician, slots=6, sizes=[2])
    services.allocation_list_append(user=statistician, allocation_list=alist, slots_per_stratum=6)
    stratum = Stratum.objects.get(allocation_list=alist, key="SITEA|renal_impairment=no")
    arms = list(stratum.slots.order_by("position").values_list("arm", flat=True))
    expected = [
        str(s.arm)
        for s in blocks.generate_sequence(
            seed=alist.seed, stratum=stratum.key, length=12, block_sizes=[2]
        )
    ]
    assert arms == expected


def test_a_used_live_list_cannot_be_replaced(statistician, coordinator_a, site_a):
    live_list(statistician)
    participant = ParticipantFactory.create(site=site_a, created_by=coordinator_a)
    services.participant_randomize(participant=participant, user=coordinator_a)
    with pytest.raises(ValidationError, match="cannot be replaced"):
        live_list(statistician)
    assert AllocationList.objects.filter(kind="live", active=True).count() == 1


def test_an_unused_list_can_be_replaced(statistician, site_a):
    first = live_list(statistician)
    second = live_list(statistician)
    first.refresh_from_db()
    assert (first.active, second.active) == (False, True)


def test_test_and_live_lists_are_separate(statistician, site_a):
    services.allocation_list_generate(user=statistician, kind="test", slots_per_stratum=4)
    live_list(statistician)
    assert AllocationList.objects.filter(active=True).count() == 2


GOOD_CSV = """site,renal_impairment,position,block,arm
SITEA,no,1,1,cyclosporine
SITEA,no,2,1,steroids
SITEA,yes,1,1,steroids
SITEA,yes,2,1,cyclosporine
"""


def test_upload_good_csv(statistician, site_a):
    alist = services.allocation_list_upload(user=statistician, kind="live", text=GOOD_CSV)
    assert alist.source == "uploaded"
    assert AllocationSlot.objects.filter(stratum__allocation_list=alist).count() == 4


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("site,position,arm\nSITEA,1,cyclosporine\n", "missing column"),
        (GOOD_CSV.replace("SITEA,no,2,1,steroids", "SITEA,no,2,1,placebo"), "row 3: arm"),
        (
            GOOD_CSV.replace("SITEA,no,2,1,steroids", "SITEA,maybe,2,1,steroids"),
            "row 3: renal_impairment",
        ),
        (GOOD_CSV.replace("SITEA,no,2,1,steroids", "SITEA,no,3,1,steroids"), "without gaps"),
        (GOOD_CSV.replace("SITEA,no,2,1,steroids", "SITEA,no,2,1,cyclosporine"), "not balanced"),
        (GOOD_CSV.replace("SITEA,no,2,1,steroids", "NOPE,no,2,1,steroids"), "unknown or inactive"),
        (GOOD_CSV.replace("SITEA,no,2,1,steroids", "SITEA,no,x,1,steroids"), "row 3: position"),
        ("site,renal_impairment,position,block,arm\n", "no rows"),
    ],
    ids=["header", "arm", "renal", "gap", "unbalanced", "site", "position", "empty"],
)
def test_upload_errors_import_nothing(statistician, site_a, csv_text, message):
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_list_upload(user=statistician, kind="live", text=csv_text)
    assert any(message in e for e in excinfo.value.message_dict["file"])
    assert AllocationList.objects.count() == 0
    assert AllocationSlot.objects.count() == 0


def test_generate_view_and_report(login, statistician, site_a):
    client = login(statistician)
    response = client.post(
        "/randomization/lists/",
        {"generate": "1", "kind": "live", "slots_per_stratum": "3", "block_sizes": "2,4"},
    )
    assert response.status_code == 302
    report = client.get(response["Location"]).content.decode()
    alist = AllocationList.objects.get()
    assert alist.seed in report
    assert "SITEA|renal_impairment=no" in report
    export = client.get(f"/randomization/lists/{alist.pk}/export.csv")
    assert export.status_code == 200
    assert export.content.decode().startswith("list,kind,stratum")


def test_generate_view_bad_block_sizes(login, statistician, site_a):
    response = login(statistician).post(
        "/randomization/lists/",
        {"generate": "1", "kind": "live", "slots_per_stratum": "3", "block_sizes": "3,5"},
    )
    assert response.status_code == 200
    assert "even number" in response.content.decode()
    assert AllocationList.objects.count() == 0


def test_upload_view_shows_row_errors(login, statistician, site_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = GOOD_CSV.replace("SITEA,no,2,1,steroids", "SITEA,no,2,1,placebo")
    response = login(statistician).post(
        "/randomization/lists/",
        {"upload": "1", "kind": "live", "file": SimpleUploadedFile("l.csv", bad.encode())},
    )
    assert "row 3: arm must be cyclosporine or steroids" in response.content.decode()
    assert AllocationList.objects.count() == 0


def test_low_slot_warning(login, statistician, coordinator_a, site_a):
    live_list(statistician, slots=2, sizes=[2])
    body = login(statistician).get("/randomization/lists/").content.decode()
    assert "only 2 unused slots left" in body
