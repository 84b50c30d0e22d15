"""The ops workbench of the deal desk: the approval matrix to edit; requests with their route, decisions and
timeline to inspect (read-only: every move is a service's); decisions and events can be neither changed nor deleted;
delegations.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from apps.core.admin_utils import NoWritesMixin, ReadOnlyAdmin, ReadOnlyInline, WorkbenchAdmin
from apps.core.models.customers import Segment
from apps.sales_ops.deal_desk.models import (
    ApprovalDelegation,
    ApprovalRule,
    DealApprovalStep,
    DealAttachment,
    DealDecision,
    DealDecisionLink,
    DealEvent,
    DealFlag,
    DealRequest,
    PaymentTerms,
    RuleApprover,
)
from apps.sales_ops.deal_desk.selectors import STEP_DETAIL


class RuleApproverInline(admin.TabularInline):
    model = RuleApprover
    extra = 1
    autocomplete_fields = ["user"]


class ApprovalRuleForm(forms.ModelForm):
    """The list conditions as checkboxes of their choices rather than raw JSON."""

    payment_terms = forms.TypedMultipleChoiceField(
        choices=PaymentTerms.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    flags = forms.TypedMultipleChoiceField(
        choices=DealFlag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    segments = forms.TypedMultipleChoiceField(
        choices=Segment.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ApprovalRule
        fields = ["payment_terms", "flags", "segments"]  # the admin adds the rest from its fieldsets


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(WorkbenchAdmin):
    form = ApprovalRuleForm
    list_display = ["name", "step_order", "mode", "active", "conditions", "asks"]
    list_editable = ["step_order", "active"]
    list_filter = ["active", "mode"]
    search_fields = ["name"]
    filter_horizontal = ["territories"]
    inlines = [RuleApproverInline]
    fieldsets = (
        (None, {"fields": ("name", "active", "step_order", "mode")}),
        (
            "When a request matches every condition set here (empty matches anything)",
            {
                "fields": (
                    ("discount_over", "discount_up_to"),
                    ("net_amount_over", "net_amount_up_to"),
                    "term_months_over",
                    "payment_terms",
                    "flags",
                    "segments",
                    "territories",
                )
            },
        ),
        ("Time", {"fields": ("remind_after_hours", "escalate_after_hours")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("territories", "approvers__user", "approvers__group")

    @admin.display(description="when")
    def conditions(self, rule: ApprovalRule) -> str:
        parts = []
        if rule.discount_over is not None or rule.discount_up_to is not None:
            parts.append(_band("discount", rule.discount_over, rule.discount_up_to, "%"))
        if rule.net_amount_over is not None or rule.net_amount_up_to is not None:
            parts.append(_band("net", rule.net_amount_over, rule.net_amount_up_to, settings.COMPANY_CURRENCY))
        if rule.term_months_over is not None:
            parts.append(f"term > {rule.term_months_over} months")
        for label, values, choices in (
            ("payment", rule.payment_terms, PaymentTerms),
            ("clauses", rule.flags, DealFlag),
            ("segment", rule.segments, Segment),
        ):
            if values:
                parts.append(f"{label}: {', '.join(_label(choices, v) for v in values)}")
        territories = [t.name for t in rule.territories.all()]
        if territories:
            parts.append(f"territory: {', '.join(territories)}")
        return "; ".join(parts) or "every request"

    @admin.display(description="approvers")
    def asks(self, rule: ApprovalRule) -> str:
        return ", ".join(str(approver) for approver in rule.approvers.all()) or "nobody (fix this rule)"


def _band(name: str, over, up_to, unit: str) -> str:
    if over is not None and up_to is not None:
        return f"{over} < {name} ≤ {up_to} {unit}"
    if over is not None:
        return f"{name} > {over} {unit}"
    return f"{name} ≤ {up_to} {unit}"


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def _flat(row) -> tuple:
    return row if isinstance(row, tuple) else (row,)


class DealApprovalStepInline(ReadOnlyInline):
    model = DealApprovalStep
    fields = readonly_fields = [
        "revision",
        "position",
        "name",
        "mode",
        "status",
        "carried_from",
        "activated_at",
        "completed_at",
        "approver_slots",
        "decisions_made",
    ]
    verbose_name_plural = "route (every revision) with its decisions"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("carried_from")
            .prefetch_related(*STEP_DETAIL)
            .order_by("-revision", "position")
        )

    @admin.display(description="approvers")
    def approver_slots(self, step: DealApprovalStep) -> str:
        return format_html_join(
            mark_safe("<br>"),
            "{}{}: {}",
            (
                (slot.label, " ✓" if slot.approved else "", ", ".join(str(u) for u in slot.candidates.all()) or "—")
                for slot in step.approvers.all()
            ),
        )

    @admin.display(description="decisions")
    def decisions_made(self, step: DealApprovalStep) -> str:
        return format_html_join(
            mark_safe("<br>"),
            "{} by {}{} at {:%Y-%m-%d %H:%M}: {}",
            (
                (
                    d.get_outcome_display(),
                    d.decided_by,
                    f" for {d.approver}" if d.on_behalf else "",
                    timezone.localtime(d.at),
                    d.comment or "—",
                )
                for d in step.decisions.all()
            ),
        )


class DealEventInline(ReadOnlyInline):
    model = DealEvent
    fk_name = "request"
    fields = readonly_fields = ["at", "kind", "step", "actor", "on_behalf_of", "detail"]
    verbose_name_plural = "timeline"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("step", "actor", "on_behalf_of")


class DealAttachmentInline(ReadOnlyInline):
    model = DealAttachment
    fields = readonly_fields = ["name", "uploaded_by", "uploaded_at"]


@admin.register(DealRequest)
class DealRequestAdmin(NoWritesMixin, WorkbenchAdmin):
    """Requests move only through the deal desk services (the portal and the API): here they are read."""

    # Eight short columns fit a 1,366 px screen; revision and expiry are on the request's page.
    list_display = ["id", "opportunity", "requester", "status", "discount", "net", "term", "submitted_at", "decided_at"]
    list_filter = [
        "status",
        "payment_terms",
        "currency",
        "opportunity__account__segment",
        ("submitted_at", admin.DateFieldListFilter),
        ("decided_at", admin.DateFieldListFilter),
    ]
    search_fields = ["=id", "opportunity__name", "opportunity__account__name", "requester__username"]
    list_select_related = ["opportunity__account", "requester"]
    date_hierarchy = "created_at"
    inlines = [DealApprovalStepInline, DealEventInline, DealAttachmentInline]
    fieldsets = (
        (None, {"fields": ("opportunity", "requester", "status", "revision", "active_step")}),
        (
            "Terms",
            {
                "fields": (
                    ("list_amount", "net_amount", "currency", "discount_percent"),
                    "term_months",
                    ("payment_terms", "custom_payment_terms"),
                    "billing_frequency",
                    ("custom_legal_terms", "ramped_pricing", "free_months", "renewal_cap_out_of_policy"),
                    "justification",
                )
            },
        ),
        ("When", {"fields": ("created_at", "submitted_at", "decided_at", "expires_at", "updated_at")}),
    )
    readonly_fields = [field for fieldset in fieldsets for row in fieldset[1]["fields"] for field in _flat(row)]

    @admin.display(description="discount", ordering="discount_percent")
    def discount(self, deal: DealRequest) -> str:
        return f"{deal.discount_percent} %"

    @admin.display(description="net", ordering="net_amount")
    def net(self, deal: DealRequest) -> str:
        return f"{deal.net_amount:,.2f} {deal.currency}"

    @admin.display(description="term", ordering="term_months")
    def term(self, deal: DealRequest) -> str:
        return f"{deal.term_months} mo"


@admin.register(DealDecision)
class DealDecisionAdmin(ReadOnlyAdmin):
    """Decisions are the record of who approved what: never changed, never deleted."""

    list_display = ["at", "step", "outcome", "approver", "decided_by", "comment"]
    list_filter = ["outcome", ("at", admin.DateFieldListFilter)]
    search_fields = ["=step__request__id", "comment"]
    list_select_related = ["step", "approver", "decided_by"]
    date_hierarchy = "at"


@admin.register(DealEvent)
class DealEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "request", "kind", "actor", "on_behalf_of", "detail"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter)]
    search_fields = ["=request__id", "detail"]
    list_select_related = ["request__opportunity", "actor", "on_behalf_of"]
    date_hierarchy = "at"


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(WorkbenchAdmin):
    list_display = ["approver", "delegate", "starts_on", "ends_on", "note"]
    list_select_related = ["approver", "delegate"]
    search_fields = ["approver__username", "approver__last_name", "delegate__username", "delegate__last_name"]
    autocomplete_fields = ["approver", "delegate"]
    date_hierarchy = "starts_on"
    fields = ["approver", "delegate", ("starts_on", "ends_on"), "note", "created_at"]
    readonly_fields = ["created_at"]


class LinkStateFilter(admin.SimpleListFilter):
    """What became of an e-mail decision link: used, expired unused, or still open."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("used", "Used"), ("expired", "Expired, not used"), ("open", "Open")]

    def queryset(self, request, queryset):
        cutoff = timezone.now() - dt.timedelta(seconds=settings.DEAL_DESK_EMAIL_LINK_MAX_AGE)
        unused = queryset.filter(used_at__isnull=True)
        return {
            "used": queryset.filter(used_at__isnull=False),
            "expired": unused.filter(created_at__lte=cutoff),
            "open": unused.filter(created_at__gt=cutoff),
        }.get(self.value(), queryset)


@admin.register(DealDecisionLink)
class DealDecisionLinkAdmin(ReadOnlyAdmin):
    """The approve/reject links the approvers' e-mails carried: whose, on which request and step, and whether each
    was used or ran out. Read only (the deal desk's services make and spend them); the nonce is never shown."""

    list_display = ["created_at", "user", "request_link", "step_name", "state", "used_at"]
    list_filter = [LinkStateFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=step__request__id", "user__username", "user__last_name", "user__email"]
    list_select_related = ["user", "step__request__opportunity"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ["user", "request_link", "step_name", "created_at", "state", "used_at"]

    @admin.display(description="request", ordering="step__request")
    def request_link(self, link: DealDecisionLink) -> str:
        deal = link.step.request
        url = reverse("admin:sales_ops_dealrequest_change", args=[deal.pk])
        return format_html('<a href="{}">#{} {}</a>', url, deal.pk, deal.opportunity.name)

    @admin.display(description="step", ordering="step__position")
    def step_name(self, link: DealDecisionLink) -> str:
        return f"{link.step.position}. {link.step.name} (revision {link.step.revision})"

    @admin.display(description="state")
    def state(self, link: DealDecisionLink) -> str:
        if link.used_at:
            return "Used"
        if link.expires_at <= timezone.now():
            return f"Expired {timezone.localtime(link.expires_at):%Y-%m-%d %H:%M %Z}, not used"
        return f"Open until {timezone.localtime(link.expires_at):%Y-%m-%d %H:%M %Z}"
