"""`insert_rows`: many rows in one statement, without a model each (PostgreSQL's UNNEST; bulk_create elsewhere)."""

import datetime as dt

import pytest

from apps.core.factories import LeadFactory, UserFactory
from apps.core.models import LeadTransition
from apps.core.models.customers import LeadStage
from apps.core.services.rows import insert_rows

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
FIELDS = ("lead", "from_stage", "to_stage", "actor", "reason", "at")


def test_the_rows_are_written_as_given():
    leads, actor = LeadFactory.create_batch(2), UserFactory()
    rows = [
        (leads[0].pk, LeadStage.MQL.value, LeadStage.SQL.value, actor.pk, "handed off", AT),
        (leads[1].pk, "", LeadStage.NEW.value, None, "", AT + dt.timedelta(minutes=1)),
    ]

    assert insert_rows(LeadTransition, FIELDS, rows) == 2

    written = LeadTransition.objects.filter(lead__in=leads).order_by("at")
    assert [tuple(t) for t in written.values_list("lead", "from_stage", "to_stage", "actor", "reason", "at")] == rows


def test_nothing_to_write_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_rows(LeadTransition, FIELDS, []) == 0


def test_a_row_of_the_wrong_width_is_refused_and_nothing_is_written():
    lead = LeadFactory()
    before = LeadTransition.objects.count()
    good = (lead.pk, "", LeadStage.NEW.value, None, "", AT)

    with pytest.raises(ValueError, match="every row needs 6 values"):
        insert_rows(LeadTransition, FIELDS, [good, good[:5]])

    assert LeadTransition.objects.count() == before
