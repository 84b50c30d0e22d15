"""API shapes of campaign budgets. Money is a string with two places, in the currency the field names."""

from rest_framework import serializers

from apps.core.api.fields import AmountField
from apps.core.api.serializers import UserBriefSerializer, UserWrittenByIdField
from apps.core.models import User
from apps.core.services.records import too_long_message
from apps.marketing_ops.budgets.models import BudgetEnvelope, Campaign, CampaignStatus, SpendEntry, SpendKind
from apps.marketing_ops.budgets.services.budget import REASON_MAX
from apps.marketing_ops.budgets.services.spend import DESCRIPTION_MAX, VENDOR_MAX

MONEY = {"max_digits": 14, "decimal_places": 2}
DESCRIPTIVE_FIELDS = [
    "id",
    "name",
    "channel",
    "owner",
    "status",
    "start_date",
    "end_date",
    "fiscal_quarter",
    "program",
    "segment",
    "region",
    "expected_leads",
    "expected_pipeline",
]
BUDGET_FIELDS = ["envelope", "planned_amount", "warn_at_percent", "over_at_percent", "projected_over_percent"]


class CampaignBriefSerializer(serializers.ModelSerializer):
    """What everyone signed in may read of a campaign: what it is, not its budget."""

    owner = UserBriefSerializer(read_only=True)

    class Meta:
        model = Campaign
        fields = DESCRIPTIVE_FIELDS
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign as marketing ops read and write it. `planned_amount` is drawn from `envelope` on create;
    later the plan moves only through the `plan/` and `transfer/` actions, the status through `move/`."""

    owner = UserWrittenByIdField(queryset=User.objects.filter(is_active=True))
    fiscal_quarter = serializers.CharField(max_length=7, required=False)
    planned_amount = AmountField(**MONEY, min_value=0, required=False)

    class Meta:
        model = Campaign
        fields = [*DESCRIPTIVE_FIELDS, *BUDGET_FIELDS]
        read_only_fields = ["id", "status"]


class AmountReasonSerializer(serializers.Serializer):
    amount = AmountField(**MONEY, min_value=0)
    reason = serializers.CharField(
        max_length=REASON_MAX, error_messages={"max_length": too_long_message("The reason", REASON_MAX)}
    )


class CampaignTransferSerializer(AmountReasonSerializer):
    to_campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())


class CampaignMoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CampaignStatus.choices)


class SpendEntrySerializer(serializers.ModelSerializer):
    """A ledger line. Post an invoice with `settles` (an order's id) and `settles_amount` or `settles_in_full`."""

    date = serializers.DateField(source="spent_on")
    amount = AmountField(**MONEY)
    currency = serializers.CharField(max_length=10)
    settles_in_full = serializers.BooleanField(write_only=True, required=False, default=False)
    settles_amount = AmountField(**MONEY, min_value=0, required=False, allow_null=True)

    class Meta:
        model = SpendEntry
        fields = [
            "id",
            "campaign",
            "kind",
            "is_credit_note",
            "vendor",
            "date",
            "description",
            "amount",
            "currency",
            "rate",
            "company_amount",
            "settles",
            "settles_amount",
            "settles_in_full",
            "settled_company_amount",
            "external_ref",
            "source",
            "created_by",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "rate",
            "company_amount",
            "settled_company_amount",
            "source",
            "created_by",
            "created_at",
        ]
        extra_kwargs = {
            "settles": {"queryset": SpendEntry.objects.filter(kind=SpendKind.COMMITTED)},
            "external_ref": {"validators": []},  # a reference posted again is answered by the service
            "vendor": {
                "max_length": VENDOR_MAX,
                "error_messages": {"max_length": too_long_message("The vendor's name", VENDOR_MAX)},
            },
            "description": {
                "max_length": DESCRIPTION_MAX,
                "error_messages": {"max_length": too_long_message("The description", DESCRIPTION_MAX)},
            },
        }


class EnvelopeSerializer(serializers.ModelSerializer):
    """A quarterly envelope of one team and channel; `allocated` is what its campaigns plan from it."""

    amount = AmountField(**MONEY, min_value=0)
    allocated = serializers.DecimalField(**MONEY, read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = BudgetEnvelope
        fields = ["id", "team", "team_name", "channel", "quarter", "amount", "allocated"]
        validators = []  # the service refuses a second envelope for one team, channel and quarter, by name


class EnvelopeTransferSerializer(AmountReasonSerializer):
    to_envelope = serializers.PrimaryKeyRelatedField(queryset=BudgetEnvelope.objects.all())


# --- what `budget/` and `roi/` answer (read-only shapes, for the schema) ---------------------------------------


def _amount(**kwargs) -> serializers.DecimalField:
    """An amount in the company currency, to the cent, as a string."""
    return serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True, **kwargs)


def _percent(**kwargs) -> serializers.DecimalField:
    """A percentage to a tenth, as a string."""
    return serializers.DecimalField(max_digits=20, decimal_places=1, read_only=True, **kwargs)


class CampaignThresholdsSerializer(serializers.Serializer):
    warn_at_percent = serializers.IntegerField()
    over_at_percent = serializers.IntegerField()
    projected_over_percent = serializers.IntegerField()


class CampaignBudgetSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    name = serializers.CharField()
    planned = _amount()
    committed = _amount(help_text="Purchase orders not yet settled by invoices")
    actual = _amount(help_text="Invoices less credit notes")
    available = _amount()
    projected = _amount()
    burn_rate_per_day = _amount(allow_null=True, help_text="Null before the start")
    used_percent = _percent(allow_null=True, help_text="Null without a plan")
    days_elapsed = serializers.IntegerField()
    days_left = serializers.IntegerField()
    status = serializers.CharField(help_text="on_track, at_risk or over")
    currency = serializers.CharField()
    thresholds = CampaignThresholdsSerializer()


class SourcedInfluencedCountSerializer(serializers.Serializer):
    sourced = serializers.IntegerField(help_text="First touch")
    influenced = serializers.IntegerField(help_text="Any touch")


class SourcedInfluencedAmountSerializer(serializers.Serializer):
    sourced = _amount(help_text="First touch")
    influenced = _amount(help_text="Any touch")


class CampaignRoiSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    name = serializers.CharField()
    actual = _amount()
    leads = SourcedInfluencedCountSerializer()
    mqls = SourcedInfluencedCountSerializer()
    opportunities = SourcedInfluencedCountSerializer()
    won = SourcedInfluencedAmountSerializer()
    cost_per_lead = _amount(allow_null=True)
    cost_per_mql = _amount(allow_null=True)
    cost_per_opportunity = _amount(allow_null=True)
    roi_percent = _percent(allow_null=True)
    roi_influenced_percent = _percent(allow_null=True)
    currency = serializers.CharField()
    missing_rates = serializers.ListField(
        child=serializers.CharField(), help_text="Currencies and days without an exchange rate, left out of the sums"
    )
