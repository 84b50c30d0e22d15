"""A policy's name says what the agreement is for; how long it allows is its target's alone."""

import pytest
from django.core.exceptions import ValidationError

from apps.core.exceptions import ApplicationError
from apps.core.models import LeadStage
from apps.sales_ops.sla.demo import POLICIES
from apps.sales_ops.sla.factories import SlaPolicyFactory
from apps.sales_ops.sla.models import SlaPolicy
from apps.sales_ops.sla.services import sla_policy_save

FIELDS = {"stage": LeadStage.SQL, "target": 4, "unit": SlaPolicy.Unit.HOURS}


@pytest.mark.parametrize(
    "name",
    ["Accept hand-offs within 4 working hours", "Accept in 48h", "Convert within 5 business days", "2 wks to convert"],
)
def test_a_name_holding_a_time_is_refused_with_its_code(db, name):
    with pytest.raises(ValidationError) as caught:
        SlaPolicy(name=name, **FIELDS).full_clean()
    assert [error.code for error in caught.value.error_dict["name"]] == ["name_repeats_target"]


@pytest.mark.parametrize("name", ["Accept hand-offs", "Tier 1 accounts: accept hand-offs", "EMEA 2026 inbound"])
def test_a_name_without_a_time_is_taken(db, name):
    SlaPolicy(name=name, **FIELDS).full_clean()


def test_the_service_refuses_it_naming_the_field_and_writes_nothing(db):
    with pytest.raises(ApplicationError) as caught:
        sla_policy_save(data={"name": "Accept within 4 working hours", **FIELDS})
    assert caught.value.field == "name"
    assert "Leave “4 working hours” out of the name" in caught.value.message
    assert not SlaPolicy.objects.exists()


def test_changing_the_target_leaves_nothing_to_contradict_it(db):
    policy = SlaPolicyFactory(name="Accept hand-offs", target=4)
    sla_policy_save(policy=policy, data={"target": 6})
    assert str(policy) == "Accept hand-offs: 6 working hours in Sales qualified (handed to sales)"


def test_the_demo_policies_pass_the_rule(db):
    for fields, _ in POLICIES:
        SlaPolicy(**fields).full_clean()
