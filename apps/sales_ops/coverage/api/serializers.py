"""Shapes of the quota and coverage API: checked here, decided by the services and selectors."""

from rest_framework import serializers

from apps.sales_ops.coverage.models import Quota


class QuotaSerializer(serializers.ModelSerializer):
    """A rep's quota for a fiscal quarter, in the company currency."""

    rep_name = serializers.CharField(source="rep.__str__", read_only=True)

    class Meta:
        model = Quota
        fields = ["id", "rep", "rep_name", "quarter", "amount", "updated_at"]
        read_only_fields = ["id", "rep_name", "updated_at"]
        validators = []  # a second quota for the same rep and quarter updates the first (the service decides)


class QuotaImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8, columns rep (username or e-mail), quarter, amount")
    dry_run = serializers.BooleanField(default=False)


class CoverageQuerySerializer(serializers.Serializer):
    quarter = serializers.RegexField(r"^\d{4}-Q[1-4]$", required=False, error_messages={
        "invalid": "Give a fiscal quarter such as 2026-Q2."})  # fmt: skip
    rep = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    team = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    territory = serializers.CharField(required=False, max_length=100)
