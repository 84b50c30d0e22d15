"""The ops workbench for core: every model, searchable, filterable, exportable, with its history."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, WorkbenchAdmin
from apps.core.exceptions import ApplicationError
from apps.core.models import (
    Account,
    BusinessCalendar,
    Contact,
    EmailMessage,
    ExchangeRate,
    Holiday,
    Lead,
    LeadTransition,
    Opportunity,
    Territory,
    User,
    WorkingHours,
)
from apps.core.services import customers, leads, outbox, tokens


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "email", "first_name", "last_name", "manager", "territory", "is_active"]
    list_filter = ["groups", "territory", "is_active", "is_staff"]
    autocomplete_fields = ["manager", "territory"]
    list_select_related = ["manager", "territory"]
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Organisation", {"fields": ("manager", "territory")}))


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(WorkbenchAdmin):
    list_display = ["name", "timezone", "holiday_country", "holiday_subdivision"]
    search_fields = ["name", "timezone"]
    list_filter = ["holiday_country"]
    inlines = [WorkingHoursInline, HolidayInline]


@admin.register(WorkingHours)
class WorkingHoursAdmin(WorkbenchAdmin):
    list_display = ["calendar", "weekday", "start", "end"]
    list_filter = ["calendar", "weekday"]
    search_fields = ["calendar__name"]
    autocomplete_fields = ["calendar"]


@admin.register(Holiday)
class HolidayAdmin(WorkbenchAdmin):
    list_display = ["date", "name", "calendar"]
    list_filter = ["calendar"]
    search_fields = ["name", "calendar__name"]
    autocomplete_fields = ["calendar"]
    date_hierarchy = "date"


@admin.register(Territory)
class TerritoryAdmin(WorkbenchAdmin):
    list_display = ["name", "code", "manager", "calendar"]
    search_fields = ["name", "code"]
    list_filter = ["calendar"]
    autocomplete_fields = ["manager", "calendar"]
    list_select_related = ["manager", "calendar"]


@admin.register(Account)
class AccountAdmin(WorkbenchAdmin):
    list_display = ["name", "domain", "segment", "industry", "country", "owner", "territory", "created_at"]
    search_fields = ["name", "domain"]
    list_filter = ["segment", "territory", "country"]
    autocomplete_fields = ["owner", "territory"]
    list_select_related = ["owner", "territory"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"


@admin.register(Contact)
class ContactAdmin(WorkbenchAdmin):
    list_display = ["email", "first_name", "last_name", "account", "consent_status", "email_opt_out"]
    search_fields = ["email", "last_name", "first_name", "account__name"]
    list_filter = ["consent_status", "email_opt_out"]
    autocomplete_fields = ["account"]
    list_select_related = ["account"]
    readonly_fields = ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        """Through the service, so that a consent change is stamped with its time."""
        data = {name: form.cleaned_data[name] for name in customers.CONTACT_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in data.items() if name in form.changed_data}
            saved = customers.contact_update(contact_id=obj.pk, data=changed)
        else:
            saved = customers.contact_create(**data)
        obj.pk, obj.consent_at = saved.pk, saved.consent_at


class LeadTransitionInline(ReadOnlyInline):
    model = LeadTransition
    readonly_fields = ["at", "from_stage", "to_stage", "actor", "reason"]
    fields = readonly_fields


@admin.register(Lead)
class LeadAdmin(WorkbenchAdmin):
    list_display = ["id", "contact", "account", "stage", "source", "score", "owner", "stage_changed_at"]
    search_fields = ["=id", "contact__email", "account__name", "account__domain"]
    list_filter = ["stage", "source", "owner", ("created_at", admin.DateFieldListFilter)]
    autocomplete_fields = ["contact", "account", "owner"]
    list_select_related = ["contact", "account", "owner"]
    # The lifecycle moves only through services (the actions below, the API, the portal).
    readonly_fields = ["stage", "stage_reason", "stage_changed_at", "stage_changed_by", "created_at"]
    inlines = [LeadTransitionInline]
    actions = ["qualify_selected"]

    def save_model(self, request, obj, form, change):
        """A new lead is created through the service, so that its history starts with it."""
        if change:
            super().save_model(request, obj, form, change)
            return
        created = leads.lead_create(
            contact=obj.contact, source=obj.source, score=obj.score, owner=obj.owner, actor=request.user
        )
        obj.pk, obj.account_id, obj.created_at = created.pk, created.account_id, created.created_at

    @admin.action(description="Qualify selected leads (→ MQL)")
    def qualify_selected(self, request, queryset):
        moved, refused = 0, []
        for lead_id in queryset.values_list("pk", flat=True):
            try:
                leads.lead_qualify(lead_id=lead_id, actor=request.user)
                moved += 1
            except ApplicationError as error:
                refused.append(f"#{lead_id}: {error.message}")
        self.message_user(request, f"{moved} lead(s) qualified.", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not moved — " + "; ".join(refused[:20]), messages.WARNING)


@admin.register(LeadTransition)
class LeadTransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "lead", "from_stage", "to_stage", "actor", "reason"]
    list_filter = ["to_stage", "from_stage"]
    search_fields = ["=lead__id", "reason"]
    date_hierarchy = "at"
    list_select_related = ["actor"]


@admin.register(Opportunity)
class OpportunityAdmin(WorkbenchAdmin):
    list_display = ["name", "account", "owner", "stage", "amount", "currency", "close_date"]
    search_fields = ["name", "account__name"]
    list_filter = ["stage", "currency", "owner"]
    autocomplete_fields = ["account", "owner", "source_lead"]
    list_select_related = ["account", "owner"]
    readonly_fields = ["stage", "probability", "lost_reason", "closed_at", "created_at", "updated_at"]
    date_hierarchy = "close_date"


@admin.register(EmailMessage)
class EmailMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "recipients", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["subject", "idempotency_key"]
    date_hierarchy = "created_at"
    actions = ["retry_selected"]

    @admin.display(description="To")
    def recipients(self, message):
        return ", ".join(message.to or [])

    @admin.action(description="Send failed messages again")
    def retry_selected(self, request, queryset):
        for message_id in queryset.filter(status=EmailMessage.Status.FAILED).values_list("pk", flat=True):
            outbox.email_retry(message_id=message_id)
        self.message_user(request, "Failed messages are queued again.", messages.SUCCESS)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(WorkbenchAdmin):
    list_display = ["currency", "valid_on", "rate"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "valid_on"


# knox registers an admin that can mint tokens for anyone; ours only lists and revokes them.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Live and expired API tokens; revoking (deleting) one goes through the token service."""

    list_display = ["token_key", "user", "created", "expiry"]
    search_fields = ["token_key", "user__username"]
    list_filter = [("expiry", admin.DateFieldListFilter)]
    list_select_related = ["user"]
    fields = readonly_fields = ["token_key", "user", "created", "expiry"]
    date_hierarchy = "created"

    def has_add_permission(self, request):
        return False  # a token is issued to the person signing in (POST /api/v1/auth/token/), never minted here

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        tokens.api_token_revoke(token=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            tokens.api_token_revoke(token=token, actor=request.user)
