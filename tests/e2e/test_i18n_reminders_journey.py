"""Journey (issue 16 item 9): a to-do list and an SAE page in French, at 1366 and 820 px:
the investigator (both demo sites) who chose French reads the SAE alert, the SAE clock
and the visit and decision reminders in French; the Paris coordinator reads the SAE page
with the grade words, seriousness criteria, organ class and version list in French,
dates dd/mm/yyyy.
Screenshots in var/screenshots/fr-todo-*.png and fr-sae-*.png."""

import re

import pytest
from django.contrib.auth.models import User

from demo.story import seed_stories
from dressdb.demo import DEMO_PASSWORD
from dressdb.models import UserPreference
from enrollment.models import Participant
from safety import services as safety_services
from tests.e2e.conftest import log_in, shot
from tests.e2e.test_safety_journey import _load_terms
from tests.notifications.helpers import full_sweep
from tests.safety.helpers import ae_input

pytestmark = pytest.mark.browser

ISO = re.compile(r"\b\d{4}-\d\d-\d\d\b")
WIDTHS = (1366, 820)


def test_reminders_and_the_sae_page_read_in_french(page, live_server, demo_users):
    _load_terms()  # flushed by an earlier browser test's database
    seed_stories()
    participant = Participant.objects.filter(site__code="PAR", status="enrolled").first()
    assert participant is not None
    coordinator = User.objects.get(username="coordinator-par")
    ae = safety_services.ae_create(
        participant=participant, user=coordinator, data=ae_input(participant)
    )
    full_sweep()
    investigator = User.objects.get(username="investigator")
    UserPreference.objects.update_or_create(user=investigator, defaults={"language": "fr"})

    log_in(page, live_server.url, "investigator", DEMO_PASSWORD)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/visits/todo/")
        todo = page.inner_text("[data-testid=todo]")
        assert "Événement indésirable grave : déclaration attendue" in todo, todo
        assert f"{participant.study_id} : événement indésirable grave" in todo
        assert "Déclaration d'EIG attendue" in todo
        for english in ("report due", "Visit overdue", "decision due", "visit is"):
            assert english not in todo, todo
        assert not ISO.search(todo), todo
        shot(page, f"fr-todo-{width}")
    page.context.clear_cookies()  # log out

    log_in(page, live_server.url, "coordinator-par", DEMO_PASSWORD)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/safety/participants/{participant.pk}/adverse-events/{ae.pk}/")
        main = page.inner_text("main")
        assert "3 Sévère" in main
        assert "Hospitalisation ou prolongation d'hospitalisation" in main
        assert "Déclaration initiale" in main
        assert "Severe" not in main and "Initial report" not in main
        assert not ISO.search(main), main
        shot(page, f"fr-sae-{width}")
    assert not page.console_errors, page.console_errors
