# Baseline organ labs on the participant, captured once at enrolment (issue 16 item 2).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0005_history_reason_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalparticipant",
            name="baseline_alt",
            field=models.DecimalField(
                blank=True,
                decimal_places=1,
                max_digits=7,
                null=True,
                verbose_name="baseline ALT (U/L)",
            ),
        ),
        migrations.AddField(
            model_name="historicalparticipant",
            name="baseline_ast",
            field=models.DecimalField(
                blank=True,
                decimal_places=1,
                max_digits=7,
                null=True,
                verbose_name="baseline AST (U/L)",
            ),
        ),
        migrations.AddField(
            model_name="historicalparticipant",
            name="baseline_bilirubin",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=5,
                null=True,
                verbose_name="baseline bilirubin (mg/dL)",
            ),
        ),
        migrations.AddField(
            model_name="historicalparticipant",
            name="baseline_creatinine",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=5,
                null=True,
                verbose_name="baseline creatinine (mg/dL)",
            ),
        ),
        migrations.AddField(
            model_name="historicalparticipant",
            name="baseline_eosinophils",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                verbose_name="baseline eosinophils (x10⁹/L)",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="baseline_alt",
            field=models.DecimalField(
                blank=True,
                decimal_places=1,
                max_digits=7,
                null=True,
                verbose_name="baseline ALT (U/L)",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="baseline_ast",
            field=models.DecimalField(
                blank=True,
                decimal_places=1,
                max_digits=7,
                null=True,
                verbose_name="baseline AST (U/L)",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="baseline_bilirubin",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=5,
                null=True,
                verbose_name="baseline bilirubin (mg/dL)",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="baseline_creatinine",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=5,
                null=True,
                verbose_name="baseline creatinine (mg/dL)",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="baseline_eosinophils",
            field=models.DecimalField(
                blank=True,
                decimal_places=3,
                max_digits=6,
                null=True,
                verbose_name="baseline eosinophils (x10⁹/L)",
            ),
        ),
    ]
