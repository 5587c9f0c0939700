# API tokens hashed at rest (issue 14, defect 7).
#
# 1. ApiToken: prefix (non-secret) + SHA-256 of the token, expiry, last use, revocation.
# 2. Existing clear-text tokens (DRF's authtoken_token, when it exists) are copied as
#    hashes, so existing clients keep working; they expire API_TOKEN_EXPIRY_DAYS after
#    this migration.
# 3. The clear-text table is dropped (rest_framework.authtoken is no longer installed) and
#    its migration records removed, so nothing readable is left behind.
import datetime
import hashlib

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

LEGACY_TABLE = "authtoken_token"


def hash_legacy_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if LEGACY_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("dressdb", "ApiToken")
    now = django.utils.timezone.now()
    expires = now + datetime.timedelta(days=int(getattr(settings, "API_TOKEN_EXPIRY_DAYS", 90)))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {LEGACY_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="Migrated token (created before hashing)",
            prefix=key[:12],
            key_hash=hashlib.sha256(key.encode("utf-8")).hexdigest(),
            created_at=created or now,
            expires_at=expires,
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {LEGACY_TABLE}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("dressdb", "0005_two_factor_events"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="securityevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("login", "Login"),
                    ("logout", "Logout"),
                    ("login_failed", "Failed login"),
                    ("role_change", "Role change"),
                    ("export", "Export"),
                    ("randomization", "Randomization"),
                    ("two_factor_enrolled", "Two-factor set up"),
                    ("two_factor_verified", "Two-factor code accepted"),
                    ("two_factor_failed", "Two-factor code refused"),
                    ("backup_codes_issued", "Backup codes issued"),
                    ("locked_out", "Locked out (account or address)"),
                    ("unlocked", "Lockout lifted by an admin"),
                    ("signed", "Electronic signature"),
                    ("signature_failed", "Signature refused (wrong password)"),
                    ("signature_voided", "Signature voided"),
                    ("api_token_created", "API token created"),
                    ("api_token_revoked", "API token revoked"),
                    ("api_token_used", "API token used (first use of the day)"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                ("prefix", models.CharField(db_index=True, max_length=12)),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField()),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-created_at"]},
        ),
        migrations.RunPython(hash_legacy_tokens, migrations.RunPython.noop),
    ]
