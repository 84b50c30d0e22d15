"""The ops workbench of lead SLAs: policies with their ladders; clocks, events and notices to inspect."""

from django import forms
from django.contrib import admin

from apps.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, TextListField, TextListWidget, WorkbenchAdmin
from apps.sales_ops.sla.models import (
    SlaClock,
    SlaDigestSubscription,
    SlaEscalation,
    SlaEvent,
    SlaNotice,
    SlaPolicy,
    level_label,
)


class SlaEscalationInline(admin.TabularInline):
    model = SlaEscalation
    extra = 1


class SlaPolicyForm(forms.ModelForm):
    """Pause reasons as one box per reason, never a JSON list to type."""

    pause_reasons = TextListField(
        max_length=100,
        widget=TextListWidget(item_label="Pause reason"),
        help_text="Why a rep may pause the clock, e.g. “waiting on the customer”. None: the clock never pauses.",
    )

    class Meta:
        model = SlaPolicy
        fields = ["pause_reasons"]  # the admin adds the rest from its fieldsets


@admin.register(SlaPolicy)
class SlaPolicyAdmin(WorkbenchAdmin):
    form = SlaPolicyForm
    list_display = ["name", "priority", "active", "stage", "how_long", "warn_at_percent", "on_breach"]
    list_editable = ["priority", "active"]
    list_filter = ["active", "stage", "unit", "calendar_mode", "on_breach", "territory"]
    search_fields = ["name"]
    autocomplete_fields = ["territory", "calendar", "queue_owner"]
    inlines = [SlaEscalationInline]
    fieldsets = (
        (None, {"fields": ("name", "active", "priority")}),
        ("Which leads", {"fields": ("stage", "segment", "territory", "source", ("score_min", "score_max"))}),
        ("How long", {"fields": (("target", "unit"), "warn_at_percent", "calendar_mode", "calendar", "pause_reasons")}),
        ("At final breach", {"fields": ("on_breach", "queue_owner")}),
    )

    @admin.display(description="target", ordering="target")
    def how_long(self, policy: SlaPolicy) -> str:
        return policy.target_text


class SlaEventInline(ReadOnlyInline):
    model = SlaEvent
    readonly_fields = fields = ["at", "kind", "actor", "detail_words"]

    @admin.display(description="detail")
    def detail_words(self, event: SlaEvent) -> str:
        return event.detail_text


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["id", "lead_name", "stage", "state", "policy_name", "due_at", "breached_at", "stopped_at"]
    list_filter = ["state", "stage", "policy", ("due_at", admin.DateFieldListFilter)]
    search_fields = ["=lead__id", "lead__contact__email", "lead__account__name"]
    list_select_related = ["lead__contact", "policy"]
    date_hierarchy = "started_at"
    inlines = [SlaEventInline]

    @admin.display(description="lead", ordering="lead")
    def lead_name(self, clock: SlaClock) -> str:
        return f"#{clock.lead_id} {clock.lead.contact}"

    @admin.display(description="policy", ordering="policy__name")
    def policy_name(self, clock: SlaClock) -> str:
        return f"{clock.policy.name} ({clock.target_text})"


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "clock", "kind", "actor", "detail_words"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter)]
    search_fields = ["=clock__lead__id"]
    list_select_related = ["clock__lead__contact", "actor"]

    @admin.display(description="detail")
    def detail_words(self, event: SlaEvent) -> str:
        return event.detail_text


class LevelFilter(admin.SimpleListFilter):
    """The levels notices were recorded at, in words ("8 working hours after the breach"), not their keys."""

    title = "level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        keys = SlaNotice.objects.order_by("level").values_list("level", flat=True).distinct()
        return [(key, level_label(key)) for key in keys]

    def queryset(self, request, queryset):
        return queryset.filter(level=self.value()) if self.value() else queryset


@admin.register(SlaNotice)
class SlaNoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "clock", "level_words", "recipient", "email"]
    list_filter = [LevelFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["recipient", "=clock__lead__id"]
    list_select_related = ["clock__lead__contact", "email"]

    @admin.display(description="level", ordering="level")
    def level_words(self, notice: SlaNotice) -> str:
        return level_label(notice.level)


@admin.register(SlaDigestSubscription)
class SlaDigestSubscriptionAdmin(WorkbenchAdmin):
    list_display = ["user", "active"]
    list_filter = ["active"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__last_name"]
