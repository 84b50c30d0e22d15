"""The ops workbench of lead SLAs: policies with their ladders; clocks, events and notices to inspect."""

from django.contrib import admin

from apps.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, WorkbenchAdmin
from apps.sales_ops.sla.models import SlaClock, SlaDigestSubscription, SlaEscalation, SlaEvent, SlaNotice, SlaPolicy


class SlaEscalationInline(admin.TabularInline):
    model = SlaEscalation
    extra = 1


@admin.register(SlaPolicy)
class SlaPolicyAdmin(WorkbenchAdmin):
    list_display = [
        "name",
        "priority",
        "active",
        "stage",
        "target",
        "unit",
        "warn_at_percent",
        "calendar_mode",
        "on_breach",
    ]
    list_editable = ["priority", "active"]
    list_filter = ["active", "stage", "unit", "on_breach"]
    search_fields = ["name"]
    autocomplete_fields = ["territory", "calendar", "queue_owner"]
    inlines = [SlaEscalationInline]
    fieldsets = (
        (None, {"fields": ("name", "active", "priority")}),
        ("Which leads", {"fields": ("stage", "segment", "territory", "source", ("score_min", "score_max"))}),
        ("How long", {"fields": (("target", "unit"), "warn_at_percent", "calendar_mode", "calendar", "pause_reasons")}),
        ("At final breach", {"fields": ("on_breach", "queue_owner")}),
    )


class SlaEventInline(ReadOnlyInline):
    model = SlaEvent
    readonly_fields = fields = ["at", "kind", "actor", "detail"]


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["id", "lead", "stage", "state", "policy", "started_at", "due_at", "breached_at", "stopped_at"]
    list_filter = ["state", "stage", "policy"]
    search_fields = ["=lead__id", "lead__contact__email", "lead__account__name"]
    list_select_related = ["lead__contact", "policy"]
    date_hierarchy = "started_at"
    inlines = [SlaEventInline]


@admin.register(SlaEvent)
class SlaEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "clock", "kind", "actor", "detail"]
    list_filter = ["kind"]
    search_fields = ["=clock__lead__id"]
    list_select_related = ["clock__lead__contact", "actor"]


@admin.register(SlaNotice)
class SlaNoticeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "clock", "level", "recipient", "email"]
    list_filter = ["level"]
    search_fields = ["recipient", "=clock__lead__id"]
    list_select_related = ["clock__lead__contact", "email"]


@admin.register(SlaDigestSubscription)
class SlaDigestSubscriptionAdmin(WorkbenchAdmin):
    list_display = ["user", "active"]
    list_filter = ["active"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__last_name"]
