"""The ops workbench for campaign budgets: every model, with money moved only through the budget services.

Where a form moves money (a plan, an envelope, a transfer, a posting), its `clean()` rehearses the service
call in a savepoint that is rolled back, so a refusal shows on the form's field; `save_model` then makes it.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.admin_utils import AppendOnlyMixin, ReadOnlyAdmin, ReadOnlyInline, WorkbenchAdmin
from apps.core.amounts import AmountFormField
from apps.core.exceptions import ApplicationError
from apps.core.forms import TextWithin
from apps.marketing_ops.budgets.forms import SpendImportForm
from apps.marketing_ops.budgets.models import (
    BudgetAlert,
    BudgetEnvelope,
    BudgetMove,
    Campaign,
    CampaignStatus,
    CampaignTouch,
    Program,
    SpendEntry,
    SpendKind,
    Team,
)
from apps.marketing_ops.budgets.services import budget, spend
from apps.marketing_ops.budgets.services.spend_import import OPTIONAL, REQUIRED, spend_import

MONEY = {"max_digits": 14, "decimal_places": 2}


class _Rehearsal(Exception):
    pass


def rehearse(form: forms.Form, call) -> None:
    """Run a service call and roll it back; its refusal becomes an error on the field it names."""
    try:
        with transaction.atomic():
            call()
            raise _Rehearsal
    except _Rehearsal:
        pass
    except ApplicationError as error:
        field = FORM_FIELDS.get(error.field, error.field)
        form.add_error(field if field in form.fields else None, error.message)


# The services name a posting's date as the API and the finance CSV do; the admin's form calls it by the model.
FORM_FIELDS = {"date": "spent_on"}


def limited_text(limit: int, name: str, **kwargs) -> TextWithin:
    """Free text refused past `limit` with the field and the limit named, never cut by the browser."""
    return TextWithin(limit=limit, name=name, **kwargs)


def _model_fields(form: forms.ModelForm) -> dict:
    names = {field.name for field in form._meta.model._meta.fields}
    return {name: value for name, value in form.cleaned_data.items() if name in names}


@admin.register(Team)
class TeamAdmin(WorkbenchAdmin):
    list_display = ["name", "lead"]
    search_fields = ["name"]
    autocomplete_fields = ["lead"]


class EnvelopeForm(forms.ModelForm):
    new_amount = AmountFormField(**MONEY, min_value=0, required=False, label="Amount")
    reason = limited_text(
        budget.REASON_MAX, "The reason", required=False, help_text="Why the envelope changes (kept with it)"
    )

    class Meta:
        model = BudgetEnvelope
        fields = ["team", "channel", "quarter"]

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("new_amount")
        if self.instance.pk and amount is not None and amount != self.instance.amount:
            rehearse(
                self,
                lambda: budget.envelope_change(
                    envelope_id=self.instance.pk, amount=amount, actor=None, reason=cleaned.get("reason", "")
                ),
            )
        return cleaned


@admin.register(BudgetEnvelope)
class BudgetEnvelopeAdmin(WorkbenchAdmin):
    form = EnvelopeForm
    list_display = ["quarter", "team", "channel", "amount"]
    list_filter = ["quarter", "channel", "team"]
    search_fields = ["team__name", "quarter"]
    autocomplete_fields = ["team"]
    readonly_fields = ["amount"]

    def get_fields(self, request, obj=None):
        return ["team", "channel", "quarter", "amount", "new_amount", "reason"] if obj else [
            "team", "channel", "quarter", "new_amount"
        ]  # fmt: skip

    def save_model(self, request, obj, form, change):
        amount = form.cleaned_data.get("new_amount")
        if not change:
            obj.amount = Decimal(0)
            super().save_model(request, obj, form, change)
            if amount:
                budget.envelope_change(envelope_id=obj.pk, amount=amount, actor=request.user, reason="Envelope opened")
        elif amount is not None and amount != obj.amount:
            budget.envelope_change(
                envelope_id=obj.pk, amount=amount, actor=request.user, reason=form.cleaned_data["reason"]
            )
        else:
            super().save_model(request, obj, form, change)
        obj.refresh_from_db()


@admin.register(Program)
class ProgramAdmin(WorkbenchAdmin):
    list_display = ["name", "owner"]
    search_fields = ["name"]
    autocomplete_fields = ["owner"]


class CampaignForm(forms.ModelForm):
    new_planned_amount = AmountFormField(
        **MONEY, min_value=0, required=False, label="Planned amount", help_text="Drawn from the envelope"
    )
    plan_reason = limited_text(
        budget.REASON_MAX, "The reason", required=False, help_text="Why the plan changes (kept with it)"
    )

    class Meta:
        model = Campaign
        fields = [
            "name", "channel", "owner", "program", "start_date", "end_date", "fiscal_quarter", "segment", "region",
            "expected_leads", "expected_pipeline", "envelope", "warn_at_percent", "over_at_percent",
            "projected_over_percent",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("new_planned_amount")
        if self.errors or amount is None:
            return cleaned
        if not self.instance.pk:
            rehearse(self, lambda: budget.campaign_create(actor=None, planned_amount=amount, **_model_fields(self)))
        elif amount != self.instance.planned_amount:
            rehearse(
                self,
                lambda: budget.campaign_plan_set(
                    campaign_id=self.instance.pk, amount=amount, actor=None, reason=cleaned.get("plan_reason", "")
                ),
            )
        return cleaned


class SpendInline(ReadOnlyInline):
    model = SpendEntry
    fk_name = "campaign"
    fields = readonly_fields = ["spent_on", "kind", "is_credit_note", "vendor", "amount", "currency", "company_amount"]
    ordering = ["-spent_on", "-id"]


@admin.register(Campaign)
class CampaignAdmin(WorkbenchAdmin):
    form = CampaignForm
    list_display = ["name", "channel", "status", "fiscal_quarter", "owner", "dates", "planned_amount"]
    list_filter = ["status", "channel", "fiscal_quarter", "segment", "owner", "program"]
    search_fields = ["name"]
    autocomplete_fields = ["owner", "program", "region", "envelope"]
    list_select_related = ["owner"]
    readonly_fields = ["status", "planned_amount"]
    date_hierarchy = "start_date"
    inlines = [SpendInline]
    actions = ["activate", "complete", "cancel"]
    fieldsets = (
        (None, {"fields": ("name", "channel", "owner", "status", "program")}),
        ("When", {"fields": (("start_date", "end_date"), "fiscal_quarter")}),
        ("Whom", {"fields": ("segment", "region", "expected_leads", "expected_pipeline")}),
        ("Budget", {"fields": ("envelope", "planned_amount", "new_planned_amount", "plan_reason")}),
        ("Alerts", {"fields": ("warn_at_percent", "over_at_percent", "projected_over_percent")}),
    )

    @admin.display(description="dates", ordering="start_date")
    def dates(self, campaign: Campaign) -> str:
        return f"{campaign.start_date:%d %b} – {campaign.end_date:%d %b %Y}"

    def get_readonly_fields(self, request, obj=None):
        # Moving a planned campaign to another envelope would leave its plan behind: release the plan first.
        return [*self.readonly_fields, "envelope"] if obj and obj.planned_amount else self.readonly_fields

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        amount = form.cleaned_data.get("new_planned_amount")
        if amount is not None and amount != obj.planned_amount:
            reason = form.cleaned_data.get("plan_reason") or "Initial plan"
            budget.campaign_plan_set(campaign_id=obj.pk, amount=amount, actor=request.user, reason=reason)
            obj.refresh_from_db()

    def _move(self, request, queryset, status):
        for campaign in queryset:
            try:
                budget.campaign_move(campaign_id=campaign.pk, status=status, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{campaign}: {error.message}", messages.ERROR)

    @admin.action(description="Activate the selected campaigns", permissions=["change"])
    def activate(self, request, queryset):
        self._move(request, queryset, CampaignStatus.ACTIVE)

    @admin.action(description="Complete the selected campaigns", permissions=["change"])
    def complete(self, request, queryset):
        self._move(request, queryset, CampaignStatus.COMPLETED)

    @admin.action(
        description="Cancel the selected campaigns (releases the plan not spoken for)", permissions=["change"]
    )
    def cancel(self, request, queryset):
        self._move(request, queryset, CampaignStatus.CANCELLED)


class SpendForm(forms.ModelForm):
    settles_in_full = forms.BooleanField(required=False, help_text="The invoice closes the order, whatever is left")
    vendor = limited_text(spend.VENDOR_MAX, "The vendor's name")
    description = limited_text(spend.DESCRIPTION_MAX, "The description", required=False, widget=forms.Textarea)

    class Meta:
        model = SpendEntry
        fields = [
            "campaign", "kind", "is_credit_note", "vendor", "spent_on", "description", "amount", "currency",
            "settles", "settles_amount", "settles_in_full", "external_ref",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            rehearse(self, lambda: _post(self, actor=None))
        return cleaned


def _post(form: SpendForm, *, actor) -> SpendEntry:
    data = form.cleaned_data
    return spend.spend_post(
        campaign_id=data["campaign"].pk,
        kind=data["kind"],
        vendor=data["vendor"],
        spent_on=data["spent_on"],
        amount=data["amount"],
        currency=data["currency"],
        description=data.get("description", ""),
        is_credit_note=data.get("is_credit_note", False),
        settles_id=data["settles"].pk if data.get("settles") else None,
        settles_amount=data.get("settles_amount"),
        settles_in_full=data.get("settles_in_full", False),
        external_ref=data.get("external_ref"),
        actor=actor,
    )


@admin.register(SpendEntry)
class SpendEntryAdmin(AppendOnlyMixin, WorkbenchAdmin):
    """The ledger: lines are added (by hand or by the finance import), never changed or deleted."""

    form = SpendForm
    # Six short columns fit a 1,366 px screen: the kind says "credit note", the amount carries its currency.
    list_display = ["spent_on", "campaign_name", "what", "vendor_name", "amount_in_currency", "in_company_currency"]
    list_filter = ["kind", "is_credit_note", "source", "currency", "campaign__fiscal_quarter", "campaign__channel"]
    search_fields = ["vendor", "external_ref", "campaign__name", "description"]
    list_select_related = ["campaign"]
    autocomplete_fields = ["campaign", "settles"]
    date_hierarchy = "spent_on"
    change_list_template = "admin/marketing_ops/spendentry/change_list.html"

    @admin.display(description="campaign", ordering="campaign__name")
    def campaign_name(self, entry: SpendEntry) -> str:
        return _short(entry.campaign.name, 40)

    @admin.display(description="kind", ordering="kind")
    def what(self, entry: SpendEntry) -> str:
        if entry.is_credit_note:
            return "credit note"
        return "order" if entry.kind == SpendKind.COMMITTED else "invoice"

    @admin.display(description="vendor", ordering="vendor")
    def vendor_name(self, entry: SpendEntry) -> str:
        return _short(entry.vendor, 30)

    @admin.display(description="amount", ordering="amount")
    def amount_in_currency(self, entry: SpendEntry) -> str:
        return f"{entry.amount:,.2f} {entry.currency}"

    @admin.display(description=f"in {settings.COMPANY_CURRENCY}", ordering="company_amount")
    def in_company_currency(self, entry: SpendEntry) -> str:
        return f"{entry.company_amount:,.2f}"

    def save_model(self, request, obj, form, change):
        entry = _post(form, actor=request.user)
        obj.pk, obj.created_at = entry.pk, entry.created_at

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="marketing_ops_spendentry_import"), *super().get_urls()]

    def import_view(self, request):
        """Finance's CSV: "Check the file" checks every row and posts nothing; "Import" checks, then posts all or
        nothing."""
        if not self.has_add_permission(request):
            raise PermissionDenied("Importing spend needs the permission to add spend entries.")
        report = None
        form = SpendImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data["file"].read()
            report = spend_import(data=data, dry_run=form.dry_run, actor=request.user)
            if not report.ok:
                self.message_user(request, report.summary(), messages.ERROR)
            elif report.dry_run:
                self.message_user(
                    request, f"Checked, nothing posted yet. {report.summary()} Choose Import to post.", messages.INFO
                )
            else:
                self.message_user(request, report.summary(), messages.SUCCESS)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import spend from finance",
            "opts": self.model._meta,
            "form": form,
            "report": report,
            "changelist_url": reverse("admin:marketing_ops_spendentry_changelist"),
            "required": REQUIRED,
            "optional": OPTIONAL,
        }
        return TemplateResponse(request, "admin/marketing_ops/spendentry/import.html", context)


def _short(text: str, limit: int) -> str:
    """A long name cut for a list column (the record's page shows it whole)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class BudgetMoveForm(forms.ModelForm):
    """Record a reallocation: from one campaign to another, or from one envelope to another."""

    KINDS = [(BudgetMove.Kind.TRANSFER, "Between campaigns"), (BudgetMove.Kind.ENVELOPE_TRANSFER, "Between envelopes")]
    kind = forms.ChoiceField(choices=KINDS)
    reason = limited_text(budget.REASON_MAX, "The reason")

    class Meta:
        model = BudgetMove
        fields = ["kind", "from_campaign", "to_campaign", "from_envelope", "to_envelope", "amount", "reason"]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        ends = (
            ("from_campaign", "to_campaign") if kind == BudgetMove.Kind.TRANSFER else ("from_envelope", "to_envelope")
        )
        for name in ends:
            if not cleaned.get(name):
                self.add_error(name, "Choose where the money moves from and to.")
        if not self.errors:
            rehearse(self, lambda: _transfer(self, actor=None))
        return cleaned


def _transfer(form: BudgetMoveForm, *, actor) -> BudgetMove:
    data = form.cleaned_data
    if data["kind"] == BudgetMove.Kind.TRANSFER:
        return budget.budget_transfer(
            from_campaign_id=data["from_campaign"].pk, to_campaign_id=data["to_campaign"].pk,
            amount=data["amount"], actor=actor, reason=data["reason"],
        )  # fmt: skip
    return budget.envelope_transfer(
        from_envelope_id=data["from_envelope"].pk, to_envelope_id=data["to_envelope"].pk,
        amount=data["amount"], actor=actor, reason=data["reason"],
    )  # fmt: skip


@admin.register(BudgetMove)
class BudgetMoveAdmin(AppendOnlyMixin, WorkbenchAdmin):
    """The plan's history. Add one to move money between campaigns or envelopes; none is ever edited."""

    form = BudgetMoveForm
    list_display = ["at", "kind", "amount", "source", "destination", "actor"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter)]
    search_fields = ["reason", "from_campaign__name", "to_campaign__name"]
    list_select_related = ["from_campaign", "to_campaign", "from_envelope__team", "to_envelope__team", "actor"]
    autocomplete_fields = ["from_campaign", "to_campaign", "from_envelope", "to_envelope"]
    date_hierarchy = "at"

    @admin.display(description="from")
    def source(self, move: BudgetMove) -> str:
        return _short(str(move.from_campaign or move.from_envelope or "—"), 40)

    @admin.display(description="to")
    def destination(self, move: BudgetMove) -> str:
        return _short(str(move.to_campaign or move.to_envelope or "—"), 40)

    def save_model(self, request, obj, form, change):
        move = _transfer(form, actor=request.user)
        obj.pk, obj.at = move.pk, move.at


@admin.register(CampaignTouch)
class CampaignTouchAdmin(WorkbenchAdmin):
    list_display = ["touched_at", "campaign", "contact", "lead", "response"]
    list_filter = ["response"]
    search_fields = ["campaign__name", "contact__email"]
    autocomplete_fields = ["campaign", "contact", "lead"]
    list_select_related = ["campaign", "contact", "lead"]
    date_hierarchy = "touched_at"


@admin.register(BudgetAlert)
class BudgetAlertAdmin(ReadOnlyAdmin):
    list_display = ["crossed_at", "campaign", "threshold", "crossing", "cleared_at", "email"]
    list_filter = ["threshold"]
    search_fields = ["campaign__name"]
    list_select_related = ["campaign", "email"]
