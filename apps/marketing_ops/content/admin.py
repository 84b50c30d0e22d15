"""The ops workbench of the content library: tags to keep, assets to describe and move, everything else to read.

An asset's details and tags are saved through `asset_create` / `asset_update` (the form rehearses the call in a
savepoint that is rolled back, so a refusal shows on its field); its status moves only through the actions, which
call the services. Versions, reviews, history, usage and shares are written by services alone and shown read-only.
No file is linked from here: files are served only by the permission-checked views.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db import transaction

from apps.core.admin_utils import ReadOnlyAdmin, ReadOnlyInline, WorkbenchAdmin
from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.marketing_ops.content.models import (
    Asset,
    AssetEvent,
    AssetVersion,
    ContentShare,
    ContentUsage,
    Tag,
    VersionReview,
)
from apps.marketing_ops.content.services import assets
from apps.marketing_ops.content.services.guards import content_today

DETAILS = [
    "title", "description", "kind", "audience", "owner", "review_by", "expires_on", "url", "product", "segment",
    "funnel_stage", "language",
]  # fmt: skip


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
        form.add_error(error.field if error.field in form.fields else None, error.message)


@admin.register(Tag)
class TagAdmin(WorkbenchAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class AssetForm(forms.ModelForm):
    """The asset's details and tags; saved by the services, with `actor` set by the admin."""

    actor: User | None = None
    url = forms.URLField(
        max_length=500, required=False, assume_scheme="https", help_text=Asset._meta.get_field("url").help_text
    )

    class Meta:
        model = Asset
        fields = [*DETAILS, "tags"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            rehearse(self, self.save_through_services)
        return cleaned

    def save_through_services(self) -> Asset:
        data = {name: self.cleaned_data.get(name) for name in DETAILS}
        for name, value in data.items():
            if value is None and name not in ("expires_on", "review_by", "owner"):
                data[name] = ""
        tags = [tag.slug for tag in self.cleaned_data.get("tags") or ()]
        if self.instance.pk:
            return assets.asset_update(asset_id=self.instance.pk, actor=self.actor, tags=tags, **data)
        return assets.asset_create(actor=self.actor, tags=tags, **data)


class VersionInline(ReadOnlyInline):
    model = AssetVersion
    fk_name = "asset"
    # Not the file or preview fields: the admin would link them by a public URL.
    fields = readonly_fields = [
        "number", "status", "display_name", "file_kind", "size", "uploaded_by", "uploaded_at", "text_status",
        "preview_status", "note",
    ]  # fmt: skip
    ordering = ["-number"]


class EventInline(ReadOnlyInline):
    model = AssetEvent
    fk_name = "asset"
    fields = readonly_fields = ["at", "kind", "from_status", "to_status", "actor", "version", "reason"]
    ordering = ["-at", "-id"]
    verbose_name_plural = "History"


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [("expired", "Expired"), ("soon", "Expires within 14 days"), ("never", "Never expires")]

    def queryset(self, request, queryset):
        today = content_today()
        if self.value() == "expired":
            return queryset.filter(expires_on__lte=today)
        if self.value() == "soon":
            return queryset.filter(expires_on__gt=today, expires_on__lte=today + dt.timedelta(days=14))
        if self.value() == "never":
            return queryset.filter(expires_on__isnull=True)
        return queryset


@admin.register(Asset)
class AssetAdmin(WorkbenchAdmin):
    form = AssetForm
    list_display = ["title", "kind", "audience", "status", "owner", "current_version", "review_by", "expires_on"]
    list_filter = ["status", "kind", "audience", ExpiryFilter, "language", "funnel_stage", "segment", "tags"]
    search_fields = ["title", "description", "product"]
    list_select_related = ["owner", "current_version"]
    readonly_fields = ["status", "current_version", "reviewed_at", "created_at", "updated_at"]
    date_hierarchy = "review_by"
    inlines = [VersionInline, EventInline]
    actions = ["submit", "archive", "reopen"]
    fieldsets = (
        (None, {"fields": ("title", "description", "kind", "tags", "url")}),
        ("Who", {"fields": ("owner", "audience")}),
        ("Where it sells", {"fields": ("product", "segment", "funnel_stage", "language")}),
        ("Dates", {"fields": ("review_by", "expires_on")}),
        ("Workflow", {"fields": ("status", "current_version", "reviewed_at", "created_at", "updated_at")}),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = User.objects.filter(is_active=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # an asset leaves the library by being archived; its history and usage stay

    def save_model(self, request, obj, form, change):
        asset = form.save_through_services()
        obj.pk = asset.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m(): the service set the tags. The inlines are view-only, so their formsets save nothing.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _move(self, request, queryset, service, done: str):
        moved = 0
        for asset in queryset:
            try:
                service(asset_id=asset.pk, actor=request.user, reason="From the admin")
                moved += 1
            except ApplicationError as error:
                self.message_user(request, f"{asset}: {error.message}", messages.ERROR)
        if moved:
            self.message_user(request, f"{moved} asset(s) {done}.", messages.SUCCESS)

    @admin.action(description="Submit the newest draft version for review", permissions=["change"])
    def submit(self, request, queryset):
        self._move(request, queryset, assets.asset_submit, "submitted for review")

    @admin.action(description="Archive the selected assets (reps no longer see them)", permissions=["change"])
    def archive(self, request, queryset):
        self._move(request, queryset, assets.asset_archive, "archived")

    @admin.action(description="Reopen the selected archived assets as drafts", permissions=["change"])
    def reopen(self, request, queryset):
        self._move(request, queryset, assets.asset_reopen, "reopened as drafts")


@admin.register(AssetVersion)
class AssetVersionAdmin(ReadOnlyAdmin):
    list_display = ["asset", "number", "status", "display_name", "file_kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["status", "file_kind", "text_status", "preview_status"]
    search_fields = ["asset__title", "display_name", "=sha256"]
    list_select_related = ["asset", "uploaded_by"]
    fields = [
        "asset", "number", "status", "display_name", "mime_type", "file_kind", "size", "sha256", "note",
        "uploaded_by", "uploaded_at", "text_status", "text_note", "preview_status", "preview_note", "text",
    ]  # fmt: skip


@admin.register(VersionReview)
class VersionReviewAdmin(ReadOnlyAdmin):
    list_display = ["at", "version", "role", "decision", "reviewer"]
    list_filter = ["role", "decision"]
    search_fields = ["version__asset__title", "comment"]
    list_select_related = ["version__asset", "reviewer"]


@admin.register(AssetEvent)
class AssetEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "asset", "kind", "from_status", "to_status", "actor"]
    list_filter = ["kind"]
    search_fields = ["asset__title", "reason"]
    list_select_related = ["asset", "actor"]


@admin.register(ContentUsage)
class ContentUsageAdmin(ReadOnlyAdmin):
    list_display = ["at", "asset", "version", "user", "action"]
    list_filter = ["action"]
    search_fields = ["asset__title", "user__username"]
    list_select_related = ["asset", "version__asset", "user"]


@admin.register(ContentShare)
class ContentShareAdmin(ReadOnlyAdmin):
    list_display = ["at", "asset", "contact", "opportunity", "shared_by"]
    search_fields = ["asset__title", "contact__email", "opportunity__name"]
    list_select_related = ["asset", "contact", "opportunity", "shared_by"]
