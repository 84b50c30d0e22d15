"""The quota and coverage API: who sees whose figures, who writes quotas, and the 400s."""

from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.sales_ops.coverage.models import Quota

from .conftest import QUARTER

pytestmark = pytest.mark.django_db


def _reps(response) -> set[str]:
    return {row["label"].lower() for row in response.json()["reps"]}


def test_ops_see_every_rep(world, api, sales_ops, marketing_ops, other_rep):
    for user in (sales_ops, marketing_ops):
        response = api.as_user(user).get("/api/v1/coverage/", {"quarter": QUARTER})
        assert response.status_code == 200
        assert {"ana", "ben", "cai", "dee"} <= _reps(response)


def test_a_manager_sees_their_team(world, api, manager, other_rep):
    response = api.as_user(manager).get("/api/v1/coverage/", {"quarter": QUARTER})
    assert _reps(response) == {"ana", "ben", "cai", "dee"}
    (team,) = response.json()["teams"]
    assert team["quota"] == "290000.00"


def test_a_rep_sees_only_their_own(world, api):
    response = api.as_user(world["ana"]).get("/api/v1/coverage/", {"quarter": QUARTER})
    assert _reps(response) == {"ana"}
    assert response.json()["reps"][0]["required_multiple"] == "3.00"


def test_a_rep_asking_for_another_rep_gets_a_404(world, api):
    response = api.as_user(world["ana"]).get("/api/v1/coverage/", {"quarter": QUARTER, "rep": world["ben"].pk})
    assert response.status_code == 404


def test_a_manager_asking_for_another_team_gets_a_404(world, api, manager):
    stranger = UserFactory(username="zed", roles=[Role.MANAGER])
    response = api.as_user(manager).get("/api/v1/coverage/", {"quarter": QUARTER, "team": stranger.pk})
    assert response.status_code == 404


def test_legal_may_not_read_coverage(world, api):
    legal = UserFactory(username="lex", roles=[Role.LEGAL])
    assert api.as_user(legal).get("/api/v1/coverage/").status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [({"quarter": "2026-Q5"}, "quarter"), ({"rep": "ana"}, "rep"), ({"team": "-1"}, "team")],
)
def test_bad_query_is_a_400_naming_the_field(world, api, sales_ops, params, field):
    response = api.as_user(sales_ops).get("/api/v1/coverage/", params)
    assert response.status_code == 400
    assert field in str(response.json())


def test_territory_filter(world, api, sales_ops):
    response = api.as_user(sales_ops).get("/api/v1/coverage/", {"quarter": QUARTER, "territory": "Nowhere"})
    assert response.json()["reps"] == []


def test_quotas_are_read_within_scope(world, api):
    response = api.as_user(world["ana"]).get("/api/v1/quotas/")
    assert [row["rep"] for row in response.json()["results"]] == [world["ana"].pk]


def test_sales_ops_set_a_quota(world, api, sales_ops):
    body = {"rep": world["ben"].pk, "quarter": "2027-Q1", "amount": "75000.00"}
    response = api.as_user(sales_ops).post("/api/v1/quotas/", body, format="json")
    assert response.status_code == 201
    assert Quota.objects.get(rep=world["ben"], quarter="2027-Q1").amount == D(75000)


def test_a_negative_quota_is_a_400_and_writes_nothing(world, api, sales_ops):
    body = {"rep": world["ben"].pk, "quarter": "2027-Q1", "amount": "-1"}
    response = api.as_user(sales_ops).post("/api/v1/quotas/", body, format="json")
    assert response.status_code == 400
    assert "amount" in response.json()
    assert not Quota.objects.filter(quarter="2027-Q1").exists()


@pytest.mark.parametrize("user", ["manager", "marketing_ops"])
def test_only_sales_ops_write_quotas(world, api, request, user):
    body = {"rep": world["ben"].pk, "quarter": "2027-Q1", "amount": "1"}
    response = api.as_user(request.getfixturevalue(user)).post("/api/v1/quotas/", body, format="json")
    assert response.status_code == 403
    assert not Quota.objects.filter(quarter="2027-Q1").exists()


def test_csv_import_through_the_api_names_line_and_column(world, api, sales_ops):
    upload = SimpleUploadedFile("q.csv", b"rep,quarter,amount\nana,2027-Q1,10\nben,2027-Q1,-3\n", "text/csv")
    response = api.as_user(sales_ops).post("/api/v1/quotas/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"line": 3, "column": "amount", "reason": "A quota cannot be negative."}]
    assert not Quota.objects.filter(quarter="2027-Q1").exists()
