"""Number filters refuse what a decimal column cannot be compared with: a 400 naming the filter, never a database
error (which on PostgreSQL aborts the transaction it happens in)."""

import pytest

from apps.core.models import Opportunity


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/opportunities/?amount_min=1e-20000", "amount_min"),
        ("/api/v1/deal-desk/requests/?discount_max=-1e-20000", "discount_max"),
        ("/api/v1/leads/?score_min=0.0000001", "score_min"),
    ],
)
def test_a_number_finer_than_a_column_holds_is_a_400_naming_the_filter(api, rep, path, name):
    response = api.as_user(rep).get(path)
    assert response.status_code == 400
    assert name in response.json()
    assert Opportunity.objects.count() == 0  # the connection still answers
