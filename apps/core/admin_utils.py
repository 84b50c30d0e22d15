"""Admin building blocks shared by every app's workbench: a paginator that never counts a big table nor pages
deep into one, and a search that looks up exact keys through their indexes."""

import math
import re
from functools import cached_property

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from import_export.admin import ExportMixin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.amounts import AmountFormField
from apps.core.models.customers import normalize_domain


class LargeTablePaginator(Paginator):
    """Counts at most CAP rows; an unfiltered PostgreSQL table is sized from the planner's estimate.

    A change list over a million rows then costs an index scan for its page, never a full COUNT(*). Pages stop
    after the first CAP rows too: page 1,000 of a million leads is an `OFFSET 49,950` that reads and throws
    away every row before it, so there is no such page. Past the last one the admin says the page is invalid;
    to reach older rows, filter, search or sort the other way.
    """

    CAP = 10_000

    @cached_property
    def num_pages(self):
        return min(super().num_pages, max(1, math.ceil(self.CAP / self.per_page)))

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


# What a search for one record looks like: `=123` (or `123`) a key, `someone@example.com` an e-mail address,
# `example.com` a domain. Anything else is a search for a part of a text.
KEY_SEARCH = re.compile(r"^=?\s*(\d{1,18})$")
EMAIL_SEARCH = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOMAIN_SEARCH = re.compile(r"^(?:https?://)?(?:[a-z0-9-]+\.)+[a-z]{2,63}/?$", re.IGNORECASE)


class ExactSearchMixin:
    """A search that names one record goes straight to its key or unique index, not `LIKE '%…%'` over joins.

    `exact_search(queryset, kind, value)` answers for the kinds `key`, `email` and `domain` (the value already
    normalised), or returns None to fall back to the admin's `search_fields` (which PostgreSQL serves from the
    trigram indexes of core's migration 0006).
    """

    def exact_search(self, queryset, kind: str, value):
        if kind == "key":
            return queryset.filter(pk=value)
        return None

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if match := KEY_SEARCH.match(term):
            found = self.exact_search(queryset, "key", int(match.group(1)))
        elif EMAIL_SEARCH.match(term):
            found = self.exact_search(queryset, "email", term.lower())
        elif DOMAIN_SEARCH.match(term):
            found = self.exact_search(queryset, "domain", normalize_domain(term))
        else:
            found = None
        if found is None:
            return super().get_search_results(request, queryset, search_term)
        return found, False


def lower_equals(field: str, value: str):
    """`LOWER(field) = value`: the form of the case-insensitive unique indexes (`iexact` would say UPPER)."""
    return Exact(Lower(field), value)


class TextListWidget(forms.Widget):
    """A list of short texts as one text box per item, plus empty boxes to add more: an inline without a model.

    Posted as `<name>_0`, `<name>_1`, …; empty boxes are dropped, so clearing a box removes its item.
    """

    template_name = "admin/widgets/text_list.html"

    def __init__(self, *, item_label: str = "Item", spare: int = 2, attrs=None):
        super().__init__(attrs)
        self.item_label, self.spare = item_label, spare

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        items = [item for item in (value or []) if isinstance(item, str)]
        context["widget"].update(items=[*items, *([""] * self.spare)], item_label=self.item_label)
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The template lives with the site's templates, which Django's default form renderer does not search.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def value_from_datadict(self, data, files, name):
        prefix = f"{name}_"
        keys = sorted((key for key in data if key.startswith(prefix) and key[len(prefix) :].isdigit()),
                      key=lambda key: int(key[len(prefix) :]))  # fmt: skip
        return [data[key] for key in keys]

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}_") for key in data)


class TextListField(forms.Field):
    """The form side of a JSON list of texts (`pause_reasons`): trimmed, blanks dropped, duplicates refused."""

    widget = TextListWidget

    def __init__(self, *, max_length: int = 100, **kwargs):
        self.max_length = max_length
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value if isinstance(value, list) else []

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = [value]
        return [" ".join(str(item).split()) for item in value if str(item).strip()]

    def validate(self, value):
        super().validate(value)
        for item in value:
            if len(item) > self.max_length:
                raise forms.ValidationError(
                    f"“{item[:30]}…” is longer than {self.max_length} characters.", code="max_length"
                )
        seen = set()
        for item in value:
            if item.casefold() in seen:
                raise forms.ValidationError(f"“{item}” is listed twice.", code="duplicate")
            seen.add(item.casefold())
