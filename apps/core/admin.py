"""The ops workbench for core: every model, searchable, filterable, exportable, with its history."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from apps.core import admin_leads  # noqa: F401  (registers the lead admin)
from apps.core.admin_utils import ExactSearchMixin, ReadOnlyAdmin, WorkbenchAdmin, lower_equals
from apps.core.models import (
    Account,
    BusinessCalendar,
    Contact,
    DigestEntry,
    EmailMessage,
    ExchangeRate,
    Holiday,
    NotificationPreference,
    Opportunity,
    StageForecastCategory,
    Territory,
    User,
    WorkingHours,
)
from apps.core.models.customers import normalize_domain
from apps.core.permissions import assignable_roles
from apps.core.services import customers, outbox, pipeline, tokens
from apps.core.timezones import time_zone_names


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    """Admins edit everything. Sales ops manage the organisation below them (apps/core/permissions.py): names,
    e-mail, manager chain, territory, active, the rep and manager roles; never a superuser or staff flag, a
    permission, a password (they send a reset e-mail), a superuser's or another ops user's record."""

    list_display = ["username", "email", "first_name", "last_name", "manager", "territory", "is_active"]
    list_filter = ["groups", "territory", "is_active", "is_staff"]
    autocomplete_fields = ["manager", "territory"]
    list_select_related = ["manager", "territory"]
    fieldsets = (*DjangoUserAdmin.fieldsets, ("Organisation", {"fields": ("manager", "territory", "time_zone")}))
    organisation_fieldsets = (
        (None, {"fields": ("username",)}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Organisation", {"fields": ("manager", "territory", "time_zone", "is_active", "groups")}),
    )
    actions = ["send_password_reset"]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.has_perm("core.may_grant_privileges"):
            return self.organisation_fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.has_perm("core.may_grant_privileges"):
            return super().get_readonly_fields(request, obj)
        return ["last_login", "date_joined"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or request.user.has_perm("core.may_change_user", obj))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            # A list to pick from; the model's validator still refuses a forged value.
            zones = [(name, name) for name in time_zone_names()]
            kwargs["widget"] = forms.Select(choices=[("", "The territory's calendar zone"), *zones])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=assignable_roles(request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        """Whatever the form held, only an admin changes the flags and the password (a crafted POST included)."""
        if change and not request.user.has_perm("core.may_grant_privileges"):
            stored = User.objects.get(pk=obj.pk)
            obj.is_superuser, obj.is_staff, obj.password = stored.is_superuser, stored.is_staff, stored.password
            # the groups this user may not give or take stay as they were (re-added in save_related)
            request._kept_groups = list(stored.groups.exclude(name__in=assignable_roles(request.user)))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        kept = getattr(request, "_kept_groups", None)
        if kept:
            form.instance.groups.add(*kept)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.has_perm("core.may_set_password"):
            raise PermissionDenied("Only an admin sets a password; send a password-reset e-mail instead.")
        return super().user_change_password(request, id, form_url)

    def revert_disabled(self, request, obj=None):
        # a reverted version could carry flags or groups the form refuses
        return not request.user.has_perm("core.may_grant_privileges") or super().revert_disabled(request, obj)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not request.user.has_perm("core.may_grant_privileges"):
            raise PermissionDenied("Only an admin reverts a user to an earlier version.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.action(description="Send a password-reset e-mail")
    def send_password_reset(self, request, queryset):
        sent, skipped = 0, 0
        for user in queryset:
            if not (user.email and request.user.has_perm("core.may_change_user", user)):
                skipped += 1
                continue
            form = PasswordResetForm({"email": user.email})
            if form.is_valid():
                form.save(request=request, use_https=request.is_secure())
                sent += 1
        self.message_user(request, f"{sent} password-reset e-mail(s) sent.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} skipped: no e-mail address, or a record you may not change.", messages.WARNING
            )


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
class AccountAdmin(ExactSearchMixin, WorkbenchAdmin):
    list_display = ["name", "domain", "segment", "industry", "country", "owner", "territory"]
    search_fields = ["name", "domain"]

    def exact_search(self, queryset, kind, value):
        """A domain, or an e-mail address's domain, through the unique index on the domain."""
        if kind in ("email", "domain"):
            return queryset.filter(lower_equals("domain", normalize_domain(value.rpartition("@")[2])))
        return super().exact_search(queryset, kind, value)

    list_filter = ["segment", "territory", "country", "owner"]
    autocomplete_fields = ["owner", "territory"]
    list_select_related = ["owner", "territory"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"


@admin.register(Contact)
class ContactAdmin(ExactSearchMixin, WorkbenchAdmin):
    list_display = ["email", "first_name", "last_name", "account", "consent_status", "email_opt_out"]
    search_fields = ["email", "last_name", "first_name", "account__name"]

    def exact_search(self, queryset, kind, value):
        """An address through the unique index on the e-mail; a domain: the contacts of that account."""
        if kind == "email":
            return queryset.filter(lower_equals("email", value))
        if kind == "domain":
            return queryset.filter(account__in=Account.objects.filter(lower_equals("domain", value)).values("pk"))
        return super().exact_search(queryset, kind, value)

    list_filter = ["consent_status", "email_opt_out", "account__segment"]
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


@admin.register(Opportunity)
class OpportunityAdmin(WorkbenchAdmin):
    list_display = ["name", "account", "owner", "stage", "amount", "currency", "close_date"]
    search_fields = ["name", "account__name"]
    list_filter = ["stage", "currency", "owner", "account__segment", ("close_date", admin.DateFieldListFilter)]
    autocomplete_fields = ["account", "owner", "source_lead"]
    list_select_related = ["account", "owner"]
    readonly_fields = ["stage", "probability", "lost_reason", "closed_at", "created_at", "updated_at"]
    date_hierarchy = "close_date"


@admin.register(EmailMessage)
class EmailMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "recipients", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "template"]
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


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    """Read only: each person sets their own on the portal's Notifications page, where the role rules apply."""

    list_display = ["user", "kind", "delivery", "updated_at"]
    list_filter = ["kind", "delivery"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]


@admin.register(DigestEntry)
class DigestEntryAdmin(ReadOnlyAdmin):
    """What waits for, or went out in, each person's daily digest."""

    list_display = ["created_at", "user", "kind", "message", "digest"]
    list_filter = ["kind", ("digest", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__email", "message__subject"]
    list_select_related = ["user", "message", "digest"]
    raw_id_fields = ["user", "message", "digest"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(WorkbenchAdmin):
    list_display = ["currency", "valid_on", "rate"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "valid_on"


@admin.register(StageForecastCategory)
class StageForecastCategoryAdmin(WorkbenchAdmin):
    """The pipeline definition: sales ops put each stage in a forecast category; the history dates each change."""

    list_display = ["stage", "category", "changed_at", "changed_by"]
    list_editable = ["category"]
    fields = ["stage", "category", "changed_at", "changed_by"]
    readonly_fields = ["stage", "changed_at", "changed_by"]

    def has_add_permission(self, request):
        return False  # one row per stage, made by the migration

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        pipeline.stage_category_set(stage=obj.stage, category=obj.category, actor=request.user)


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
