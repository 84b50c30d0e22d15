"""API shapes of core. They validate input shape; services decide outcomes."""

from rest_framework import serializers

from apps.core.api.fields import AMOUNT_FIELD_MAPPING, AmountField
from apps.core.models import Account, Contact, Lead, Opportunity, User
from apps.core.models.customers import LEAD_MOVES, LeadSource, OpportunityStage
from apps.core.models.organisation import full_name
from apps.core.services import customers


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField()

    def get_name(self, user) -> str:
        return full_name(user.first_name, user.last_name) or user.username


class UserWrittenByIdField(serializers.PrimaryKeyRelatedField):
    """A user given by id and read back as their brief (`UserBriefSerializer`); the schema says both."""

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, user):
        return UserBriefSerializer(user).data


class AccountBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    segment = serializers.CharField()


class ContactBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="full_name")


class AccountSerializer(serializers.ModelSerializer):
    serializer_field_mapping = AMOUNT_FIELD_MAPPING
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Account
        fields = ["id", *customers.ACCOUNT_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is checked (case-insensitively, after normalising) by the model in the service.
        extra_kwargs = {"domain": {"validators": []}}


class ContactSerializer(serializers.ModelSerializer):
    can_be_emailed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Contact
        fields = ["id", *customers.CONTACT_FIELDS, "can_be_emailed", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"email": {"validators": []}}


class LeadSerializer(serializers.ModelSerializer):
    owner = UserBriefSerializer(read_only=True, allow_null=True)
    account = AccountBriefSerializer(read_only=True)
    contact = ContactBriefSerializer(read_only=True)
    allowed_moves = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "stage",
            "source",
            "score",
            "owner",
            "account",
            "contact",
            "stage_reason",
            "stage_changed_at",
            "created_at",
            "allowed_moves",
        ]
        read_only_fields = fields

    def get_allowed_moves(self, lead) -> list[str]:
        return sorted(LEAD_MOVES[lead.stage])

    def get_fields(self):
        fields = super().get_fields()
        # DRF looks the current time zone up for every value it writes (through asgiref, a cost a list of
        # fifty rows notices); the fields are built for one request, so pin DRF's own answer once here.
        for name in ("stage_changed_at", "created_at"):
            fields[name].timezone = fields[name].default_timezone()
        return fields

    def to_representation(self, row: dict):
        """Writes a flat row of `selectors.lead_rows` into the declared shape, without building models.

        The declared fields stay the shape's definition (and the schema's); a test holds this method to
        what DRF's own field loop makes of the same lead as a model instance.
        """
        fields = self.fields
        return {
            "id": row["id"],
            "stage": row["stage"],
            "source": row["source"],
            "score": row["score"],
            "owner": None
            if row["owner_id"] is None
            else {
                "id": row["owner_id"],
                "username": row["owner__username"],
                "name": full_name(row["owner__first_name"], row["owner__last_name"]) or row["owner__username"],
                "email": row["owner__email"],
            },
            "account": {
                "id": row["account_id"],
                "name": row["account__name"],
                "domain": row["account__domain"],
                "segment": row["account__segment"],
            },
            "contact": {
                "id": row["contact_id"],
                "email": row["contact__email"],
                "name": full_name(row["contact__first_name"], row["contact__last_name"]),
            },
            "stage_reason": row["stage_reason"],
            "stage_changed_at": fields["stage_changed_at"].to_representation(row["stage_changed_at"]),
            "created_at": fields["created_at"].to_representation(row["created_at"]),
            "allowed_moves": sorted(LEAD_MOVES[row["stage"]]),
        }


class LeadCreateSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    source = serializers.ChoiceField(choices=LeadSource.choices, default=LeadSource.WEB)
    score = serializers.IntegerField(min_value=0, max_value=100, default=0)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=False, trim_whitespace=True)


class HandoffSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="Omit (or null) to let the lead router pick the owner (LEAD_ROUTER)",
    )


class ConvertSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = AmountField(max_digits=14, decimal_places=2, min_value=0, default=0)
    currency = serializers.CharField(max_length=3, min_length=3, default="USD")
    close_date = serializers.DateField(required=False)


class EmptySerializer(serializers.Serializer):
    pass


class OpportunitySerializer(serializers.ModelSerializer):
    owner = UserBriefSerializer(read_only=True)
    account_detail = AccountBriefSerializer(source="account", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "account",
            "account_detail",
            "owner",
            "amount",
            "currency",
            "stage",
            "probability",
            "close_date",
            "source_lead",
            "lost_reason",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage", "source_lead", "lost_reason", "closed_at", "created_at", "updated_at"]
        extra_kwargs = {"probability": {"required": False}}


class OpportunityWriteSerializer(serializers.ModelSerializer):
    serializer_field_mapping = AMOUNT_FIELD_MAPPING
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)

    class Meta:
        model = Opportunity
        fields = ["name", "account", "owner", "amount", "currency", "close_date", "probability"]
        extra_kwargs = {"probability": {"required": False}}


class OpportunityMoveSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=OpportunityStage.choices)
    lost_reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
