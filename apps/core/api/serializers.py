"""API shapes of core. They validate input shape; services decide outcomes."""

from rest_framework import serializers

from apps.core.models import Account, Contact, Lead, Opportunity, User
from apps.core.models.customers import LEAD_MOVES, LeadSource, OpportunityStage
from apps.core.services import customers


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()
    email = serializers.EmailField()

    def get_name(self, user) -> str:
        return f"{user.first_name} {user.last_name}".strip() or user.username

    # The brief shapes are embedded in every row of a list, where DRF's generic field loop is most of the
    # response time; each writes its dict directly. The declared fields above still define the shape (and the
    # schema): change both together (`make bench` stops if the lead list and DRF's own loop disagree).
    def to_representation(self, user):
        return {"id": user.id, "username": user.username, "name": self.get_name(user), "email": user.email}


class AccountBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField()
    segment = serializers.CharField()

    def to_representation(self, account):
        return {"id": account.id, "name": account.name, "domain": account.domain, "segment": account.segment}


class ContactBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="full_name")

    def to_representation(self, contact):
        return {"id": contact.id, "email": contact.email, "name": contact.full_name}


class AccountSerializer(serializers.ModelSerializer):
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

    def to_representation(self, lead):
        """The declared fields, written directly: fifty of these make a page of the lead list (see the briefs)."""
        fields = self.fields
        owner = lead.owner
        return {
            "id": lead.id,
            "stage": lead.stage,
            "source": lead.source,
            "score": lead.score,
            "owner": None if owner is None else fields["owner"].to_representation(owner),
            "account": fields["account"].to_representation(lead.account),
            "contact": fields["contact"].to_representation(lead.contact),
            "stage_reason": lead.stage_reason,
            "stage_changed_at": fields["stage_changed_at"].to_representation(lead.stage_changed_at),
            "created_at": fields["created_at"].to_representation(lead.created_at),
            "allowed_moves": self.get_allowed_moves(lead),
        }


class LeadCreateSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    source = serializers.ChoiceField(choices=LeadSource.choices, default=LeadSource.WEB)
    score = serializers.IntegerField(min_value=0, max_value=100, default=0)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=False, trim_whitespace=True)


class HandoffSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))


class ConvertSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, default=0)
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
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)

    class Meta:
        model = Opportunity
        fields = ["name", "account", "owner", "amount", "currency", "close_date", "probability"]
        extra_kwargs = {"probability": {"required": False}}


class OpportunityMoveSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=OpportunityStage.choices)
    lost_reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
