"""Form fuzzing: every form the app shows, filled by hypothesis with hostile values.

Each target page is fetched as its user would fetch it, and its <form> is read from
the HTML: the fields fuzzed are exactly the ones a browser would send. Values are
drawn per input type and mixed with hostile strings (huge numbers, NaN, far-off and
impossible dates, NUL bytes, formulas, 5,000-character text), and any field may be
missing. Asserted for every example:

- no server error (the test client re-raises any exception a view lets through);
- a submission that is not accepted (anything but a redirect) writes nothing: the row
  counts of every clinical table and of its history table are unchanged.

DRESSDB_FUZZ_EXAMPLES sets the number of examples per form (default 20).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote_plus

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import pass_second_factor
from tests.core.test_access_matrix import (  # noqa: F401  (the matrix's fixtures)
    C,
    I,
    P,
    S,
    monitor_a,
    monitor_row,
    url_for,
    world,
    world_rows,
)
from tests.factories import TEST_PASSWORD
from tests.module_data import *  # noqa: F403  (the world's personas, shared by the module)

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("DRESSDB_FUZZ_EXAMPLES", "20"))

HOSTILE = [
    "",
    " ",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "1e309",
    "-1e309",
    "-1",
    "0",
    "1" * 40,
    "0.0000000001",
    "12,5",
    "٣",
    "\x00",
    "a\x00b",
    "\u202e",
    "<script>alert(1)</script>",
    "=1+1",
    "'; DROP TABLE x;--",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "10000-01-01",
    "2026-13-01T25:61",
    "x" * 5000,
    # issue 14, defect 5: the value classes of the outside sweep
    "\ud800",  # lone surrogates (sent as the bytes a client would send: ED A0 80)
    "a\udfffb",
    "\x00\ud800",
    "2147483648",  # one past a 32-bit integer column
    "-2147483649",
    "9223372036854775808",  # one past a 64-bit integer column
    "9" * 400,
    "99999-01-01",
    "2147483648-01-01",
    "https://evil.example/",  # hostile `next` (any field may be a redirect target)
    "//evil.example/",
    "not a url",
    "javascript:alert(1)",
]
# Reasons of 101..500 characters (they once overflowed the history's varchar(100) reason
# column: issue 14 defect 5), fuzzed into every reason field by test_form_survives_long_reasons.
LONG_REASONS = ["r" * 101, "r" * 250, "r" * 500, "é" * 500]
# Pages whose form has a reason field.
REASON_PAGES = {
    "participant_withdraw",
    "participant_renal_impairment",
    "npo_change",
    "weight_change",
    "visit_edit",
    "visit_unlock",
    "screening_detail",
}
hostile = st.sampled_from(HOSTILE)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    hostile,
)
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), hostile)
datetimes = st.one_of(st.datetimes().map(lambda d: d.isoformat(timespec="minutes")), hostile)
texts = st.one_of(st.text(max_size=40), hostile)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # name: (type, values)


class FormParser(HTMLParser):
    """The <form>s of a page: their action, method and fields with their options."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = a.get("action") or a.get("hx-post") or ""
            self.forms.append(Form(action=action, method=(a.get("method") or "get").lower()))
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            values = form.fields.get(name, (kind, []))[1]
            if a.get("value"):
                values.append(a["value"])
            form.fields[name] = (kind, values)
        elif tag == "textarea" and name:
            form.fields[name] = ("textarea", [])
        elif tag == "select" and name:
            self._select = name
            form.fields[name] = ("select", [])
        elif tag == "option" and self._select:
            form.fields[self._select][1].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def value_strategy(kind: str, values: list[str], name: str) -> st.SearchStrategy[Any]:
    if name == "password":
        return st.sampled_from([TEST_PASSWORD, "wrong-password-123", ""])
    if kind in ("select", "radio"):
        return st.one_of(st.sampled_from(values or [""]), hostile)
    if kind == "checkbox":
        return st.sampled_from(["on", *(values or ["on"]), "", "false"])
    if kind == "hidden":
        return st.one_of(st.sampled_from(values or [""]), hostile)
    if kind == "number":
        return numbers
    if kind == "date":
        return dates
    if kind == "datetime-local":
        return datetimes
    return texts


def form_data(form: Form) -> st.SearchStrategy[dict[str, Any]]:
    """A dict of field values; any field may be left out, any may be hostile."""
    parts = {
        name: st.one_of(st.none(), value_strategy(kind, values, name), hostile)
        for name, (kind, values) in form.fields.items()
    }
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def _encode(data: dict[str, Any]) -> str:
    """A form body as a client sends it: UTF-8, a lone surrogate as its raw bytes (ED A0 80,
    which the test client's own encoder refuses)."""
    return "&".join(
        f"{quote_plus(str(k).encode('utf-8', 'surrogatepass'))}="
        f"{quote_plus(str(v).encode('utf-8', 'surrogatepass'))}"
        for k, v in data.items()
    )


def send(client: Client, method: str, path: str, data: dict[str, Any]) -> Any:
    body = _encode(data)
    if method == "get":
        return client.get(f"{path}?{body}" if body else path)
    return client.post(path, body, content_type="application/x-www-form-urlencoded")


def clinical_row_counts() -> dict[str, int]:
    """Rows in every clinical table and its history table (updates add history rows)."""
    return {
        model._meta.label: model._default_manager.count()
        for label in ("enrollment", "randomization", "dosing", "outcomes")
        for model in apps.get_app_config(label).get_models()
    }


# (page route, object key, persona, action route or None for the page itself)
TARGETS: list[tuple[str, str | None, str, str | None]] = [
    ("screening_new", None, C, None),
    ("screening_new", None, C, "screening_preview"),
    ("screening_enrol", "screening", C, None),
    ("screening_detail", "screening", C, "screening_not_consented"),
    ("participant_withdraw", "participant", C, None),
    ("participant_renal_impairment", "participant", I, None),
    ("allocation_lists", None, S, None),
    ("allocation_list_detail", "list", S, "allocation_list_append"),
    ("assessment_new", "participant", I, None),
    ("assessment_new", "participant", I, "assessment_suggest"),
    ("relapse_new", "participant", C, None),
    ("npo_change", "participant", C, None),
    ("weight_change", "participant", C, None),
    ("order_sheet", "participant", P, None),
    ("administrations_day", "participant", C, None),
    ("protocol_preview", None, I, None),
    ("visit_edit", "visit", C, None),
    ("visit_edit", "visit", C, "visit_missed"),
    ("visit_unlock", "visit", I, None),
    ("visit_sign_off", "visit", I, None),
    ("hospital_course", "participant", C, None),
    ("export_home", None, S, "export_download"),
    ("export_home", None, S, "export_pack_start"),
    ("two_factor_verify", None, I, None),
    ("login", None, "anonymous", None),
    ("api_tokens", None, C, None),
    ("password_change", None, C, None),
    ("todo_list", None, C, "todo_dismiss"),
]


def _action_matches(action: str, target_path: str, page_path: str) -> bool:
    return (action or page_path).split("?")[0] == target_path


@pytest.mark.parametrize(
    ("page", "key", "persona", "action"),
    TARGETS,
    ids=[f"{t[0]}->{t[3] or t[0]}" for t in TARGETS],
)
def test_form_survives_hostile_input(request, world, page, key, persona, action):  # noqa: F811
    client, form, target_path = target_form(request, world, page, key, persona, action)
    fuzz(client, form, target_path, form_data(form))


REASON_TARGETS = [t for t in TARGETS if t[0] in REASON_PAGES]


@pytest.mark.parametrize(
    ("page", "key", "persona", "action"),
    REASON_TARGETS,
    ids=[f"{t[0]}->{t[3] or t[0]}" for t in REASON_TARGETS],
)
def test_form_survives_long_reasons(request, world, page, key, persona, action):  # noqa: F811
    """Every reason field with 101..500 characters: stored whole or refused, never a 500."""
    client, form, target_path = target_form(request, world, page, key, persona, action)
    reasons = [name for name in form.fields if "reason" in name]
    assert reasons, f"{page}: no reason field"
    parts = {
        name: (
            st.sampled_from(LONG_REASONS)
            if name in reasons
            else st.one_of(st.sampled_from(values or [""]), value_strategy(kind, values, name))
        )
        for name, (kind, values) in form.fields.items()
    }
    fuzz(client, form, target_path, st.fixed_dictionaries(parts))


def target_form(
    request: Any, the_world: Any, page: str, key: str | None, persona: str, action: str | None
) -> tuple[Client, Form, str]:
    """The logged-in client, the form to fuzz (read from its page) and where it posts."""
    client = Client()
    if persona != "anonymous":
        user = request.getfixturevalue(persona)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        pass_second_factor(client, user)
    page_url = url_for(page, key, the_world, persona, own=True)
    if action == "export_pack_start":  # the pack form carries the options once applied
        page_url += "?start=2026-01-01&end=2026-12-31&deidentify=on&bom=on"
    html = client.get(page_url)
    assert html.status_code == 200, f"{page_url}: {html.status_code}"
    parser = FormParser()
    parser.feed(html.content.decode())

    if action is None:
        target_path = page_url.split("?")[0]
    elif action in ("visit_missed",):
        target_path = url_for(action, "visit", the_world, persona, own=True)
    elif action in ("screening_not_consented",):
        target_path = url_for(action, key, the_world, persona, own=True)
    elif action == "export_download":
        target_path = reverse(action, kwargs={"dataset": "visits"})
    elif action == "allocation_list_append":
        target_path = url_for(action, "list", the_world, persona, own=True)
    elif action == "assessment_suggest":
        target_path = url_for(action, "participant", the_world, persona, own=True)
    elif action == "todo_dismiss":
        target_path = url_for(action, "reminder", the_world, persona, own=True)
    else:
        target_path = reverse(action)
    forms = [f for f in parser.forms if _action_matches(f.action, target_path, page_url)]
    if action == "export_download":  # the options form's action is filled in by its script
        forms = [f for f in parser.forms if f.method == "get" and f.fields]
    if action == "screening_preview" or action == "assessment_suggest":
        forms = [f for f in parser.forms if f.fields and f.method == "post"]
    assert forms, f"no form posting to {target_path} on {page_url}"
    form = max(forms, key=lambda f: len(f.fields))
    assert form.fields, f"the form posting to {target_path} has no fields to fuzz"
    return client, form, target_path


def fuzz(
    client: Client, form: Form, target_path: str, strategy: st.SearchStrategy[dict[str, Any]]
) -> None:
    """No 500 for any example; a refused submission writes nothing."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=strategy)
    def submit(data: dict[str, Any]) -> None:
        before = clinical_row_counts()
        response = send(client, form.method, target_path, data)
        assert response.status_code < 500
        if response.status_code != 302:
            assert clinical_row_counts() == before, f"rejected input wrote rows: {data!r}"

    submit()
