"""Admin building blocks shared by every app's workbench: a paginator that never counts a big table."""

from functools import cached_property

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections, models
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.amounts import AmountFormField


class LargeTablePaginator(Paginator):
    """Counts at most CAP rows; an unfiltered PostgreSQL table is sized from the planner's estimate.

    A change list over a million rows then costs an index scan for its page, never a full COUNT(*).
    """

    CAP = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > self.CAP:
                return row[0]
        return queryset.order_by()[: self.CAP].count()


class WorkbenchAdmin(ExportMixin, SimpleHistoryAdmin):
    """The default ops admin: CSV export of the filtered list, change history, bounded counts."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    list_per_page = 50
    formfield_overrides = {models.DecimalField: {"form_class": AmountFormField}}

    @property
    def object_history_template(self):
        return SimpleHistoryAdmin.object_history_template if _keeps_history(self.model) else None

    def history_view(self, request, object_id, extra_context=None):
        """A model without django-simple-history (a ledger, a delegation) shows the admin's own log instead."""
        if _keeps_history(self.model):
            return super().history_view(request, object_id, extra_context)
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)


def _keeps_history(model) -> bool:
    return getattr(model._meta, "simple_history_manager_attribute", None) is not None


class NoWritesMixin:
    """Nothing is added, changed or deleted here: services write these rows, the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWritesMixin, admin.ModelAdmin):
    """For records that are written only by services (audit rows, transitions)."""

    paginator = LargeTablePaginator
    show_full_result_count = False


class ReadOnlyInline(NoWritesMixin, admin.TabularInline):
    """A record's history or parts, shown under it, written only by services."""

    extra = 0
    can_delete = False


class AppendOnlyMixin:
    """A ledger: lines are added through the form (which posts through a service), never changed or deleted."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields] if obj else []

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False
