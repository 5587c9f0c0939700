"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import User

from dressdb.models import Delegation, Duty, Role, Site, StaffMembership
from enrollment.models import Participant

TEST_PASSWORD = "correct-horse-battery-staple"


class SiteFactory(factory.django.DjangoModelFactory[Site]):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:02d}")
    name = factory.LazyAttribute(lambda o: f"Site {o.code}")
    time_zone = "UTC"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory[StaffMembership]):
    class Meta:
        model = StaffMembership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    role = Role.COORDINATOR

    @factory.post_generation
    def delegated(obj: StaffMembership, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        """Every duty at the site, signed (delegation is enforced); `delegated=False`: none."""
        if create and extracted is not False:
            delegate_all_duties(obj.user, obj.site)


def delegate_all_duties(user: User, site: Site, start_on: dt.date = dt.date(2000, 1, 1)) -> None:
    """Signed delegation lines of every duty at `site` (tests/factories only: the real
    flow is trialadmin's delegation_add and the investigator's signature)."""
    held = set(Delegation.objects.filter(user=user, site=site).values_list("duty", flat=True))
    Delegation.objects.bulk_create(
        Delegation(
            site=site,
            user=user,
            duty=duty,
            start_on=start_on,
            signed_by=user,
            signed_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        )
        for duty in Duty.values
        if duty not in held
    )


class ParticipantFactory(factory.django.DjangoModelFactory[Participant]):
    class Meta:
        model = Participant

    site = factory.SubFactory(SiteFactory)
    site_sequence = factory.Sequence(lambda n: n + 1)
    study_id = factory.LazyAttribute(lambda o: f"{o.site.code}-{o.site_sequence:03d}")
    enrolled_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC))
    consent_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.UTC))
    consent_form_version = "v1.0"
    consent_obtained_by = "Dr Consent"
    age = 45
    sex = "female"
    weight_kg = Decimal("70.0")
    egfr = Decimal("90.0")
    on_dialysis = False
    renal_impairment_computed = False
    npo = False
    created_by = factory.SubFactory(UserFactory)
