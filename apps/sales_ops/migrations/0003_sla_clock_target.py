"""SLA clocks keep the terms they run on (target, unit, warning point), so a policy edit cannot relabel them.

Clocks that exist already take their policy's terms as they are now: the best record left of what they
started with.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def terms_from_policy(apps, schema_editor):
    SlaClock = apps.get_model("sales_ops", "SlaClock")
    SlaPolicy = apps.get_model("sales_ops", "SlaPolicy")
    policy = SlaPolicy.objects.filter(pk=OuterRef("policy_id"))
    SlaClock.objects.update(
        target=Subquery(policy.values("target")[:1]),
        unit=Subquery(policy.values("unit")[:1]),
        warn_at_percent=Subquery(policy.values("warn_at_percent")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sales_ops", "0002_deal_desk"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="target",
            field=models.PositiveIntegerField(
                null=True, help_text="The policy's target when the clock started, in `unit`"
            ),
        ),
        migrations.AddField(
            model_name="slaclock",
            name="unit",
            field=models.CharField(
                max_length=10, null=True, choices=[("hours", "working hours"), ("days", "working days")]
            ),
        ),
        migrations.AddField(
            model_name="slaclock",
            name="warn_at_percent",
            field=models.PositiveSmallIntegerField(
                null=True, help_text="The policy's warning point when the clock started"
            ),
        ),
        migrations.RunPython(terms_from_policy, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="slaclock",
            name="target",
            field=models.PositiveIntegerField(help_text="The policy's target when the clock started, in `unit`"),
        ),
        migrations.AlterField(
            model_name="slaclock",
            name="unit",
            field=models.CharField(max_length=10, choices=[("hours", "working hours"), ("days", "working days")]),
        ),
        migrations.AlterField(
            model_name="slaclock",
            name="warn_at_percent",
            field=models.PositiveSmallIntegerField(help_text="The policy's warning point when the clock started"),
        ),
    ]
