"""Each campaign's spend totals, stored (`CampaignSpendTotals`), and filled from the ledger as it stands.

The fill is one INSERT … SELECT … GROUP BY, written in SQL both SQLite and PostgreSQL run, with the same sums as
`selectors.spend_totals_recomputed`: orders less what invoices settled, and invoices less credit notes. Going back
drops the table, so the way back has nothing to undo.
"""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


FILL = """
INSERT INTO marketing_ops_campaignspendtotals (campaign_id, committed, actual)
SELECT campaign_id,
       SUM(CASE WHEN kind = 'committed' THEN company_amount ELSE 0 END) - SUM(settled_company_amount),
       SUM(CASE WHEN kind = 'actual' THEN company_amount ELSE 0 END)
FROM marketing_ops_spendentry
GROUP BY campaign_id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('marketing_ops', '0003_content_search'),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignSpendTotals',
            fields=[
                ('campaign', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='spend_totals', serialize=False, to='marketing_ops.campaign')),
                ('committed', models.DecimalField(decimal_places=10, default=Decimal('0'), help_text='Orders less what invoices settled', max_digits=30)),
                ('actual', models.DecimalField(decimal_places=10, default=Decimal('0'), help_text='Invoices less credit notes', max_digits=30)),
            ],
            options={
                'verbose_name_plural': 'campaign spend totals',
            },
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
    ]
