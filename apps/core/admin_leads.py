"""The ops workbench for leads: the lead change list with its exact searches, its history, and the bulk moves
(qualify, hand off, reassign, recycle, disqualify), each row through its service. Registered by `apps.core.admin`."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from apps.core.admin_utils import ExactSearchMixin, ReadOnlyAdmin, ReadOnlyInline, WorkbenchAdmin, lower_equals
from apps.core.exceptions import ApplicationError
from apps.core.forms import HandOffForm, ReasonForm, ReassignForm
from apps.core.models import Account, Contact, Lead, LeadTransition
from apps.core.services import leads


class LeadTransitionInline(ReadOnlyInline):
    model = LeadTransition
    readonly_fields = ["at", "from_stage", "to_stage", "actor", "reason"]
    fields = readonly_fields


@admin.register(Lead)
class LeadAdmin(ExactSearchMixin, WorkbenchAdmin):
    list_display = ["id", "contact", "account", "stage", "source", "score", "owner", "stage_changed_at"]
    # `123` or `=123` finds lead 123 by its key (ExactSearchMixin), never by casting every key to text.
    search_fields = ["contact__email", "account__name", "account__domain"]

    def exact_search(self, queryset, kind, value):
        """An address: the contact through its unique index, then its leads through the foreign key's index;
        a domain: the account's, the same way. No join is searched."""
        if kind == "email":
            return queryset.filter(contact__in=Contact.objects.filter(lower_equals("email", value)).values("pk"))
        if kind == "domain":
            return queryset.filter(account__in=Account.objects.filter(lower_equals("domain", value)).values("pk"))
        return super().exact_search(queryset, kind, value)

    list_filter = [
        "stage",
        "source",
        "owner",
        "account__segment",
        "account__territory",
        ("stage_changed_at", admin.DateFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    autocomplete_fields = ["contact", "account", "owner"]
    list_select_related = ["contact", "account", "owner"]
    # The lifecycle moves only through services (the actions below, the API, the portal).
    readonly_fields = ["stage", "stage_reason", "stage_changed_at", "stage_changed_by", "created_at"]
    inlines = [LeadTransitionInline]
    actions = ["qualify_selected", "hand_off_selected", "reassign_selected", "recycle_selected", "disqualify_selected"]

    def save_model(self, request, obj, form, change):
        """A new lead is created through the service, so that its history starts with it."""
        if change:
            super().save_model(request, obj, form, change)
            return
        created = leads.lead_create(
            contact=obj.contact, source=obj.source, score=obj.score, owner=obj.owner, actor=request.user
        )
        obj.pk, obj.account_id, obj.created_at = created.pk, created.account_id, created.created_at

    # --- bulk moves: each row through its service, one result line per row ---------------------------------

    @admin.action(description="Qualify (→ marketing qualified)", permissions=["change"])
    def qualify_selected(self, request, queryset):
        self._each(request, queryset, lambda lead: leads.lead_qualify(lead_id=lead.pk, actor=request.user),
                   lambda lead: "qualified")  # fmt: skip

    @admin.action(description="Hand off to sales (to an owner, or by routing)…", permissions=["change"])
    def hand_off_selected(self, request, queryset):
        form = self._bound(request, HandOffForm)
        if not form.is_valid():
            return self._ask(request, queryset, form, "Hand off to sales", "Hand off")
        owner = form.cleaned_data["owner"]
        self._each(
            request,
            queryset,
            lambda lead: leads.lead_handoff(lead_id=lead.pk, owner=owner, actor=request.user),
            lambda lead: f"handed to {lead.owner}",
        )

    @admin.action(description="Reassign to another owner…", permissions=["change"])
    def reassign_selected(self, request, queryset):
        form = self._bound(request, ReassignForm)
        if not form.is_valid():
            return self._ask(request, queryset, form, "Reassign leads", "Reassign")
        owner = form.cleaned_data["owner"]
        self._each(
            request,
            queryset,
            lambda lead: leads.lead_reassign(lead_id=lead.pk, owner=owner, actor=request.user),
            lambda lead: f"now owned by {lead.owner}",
        )

    @admin.action(description="Recycle to marketing nurture, with a reason…", permissions=["change"])
    def recycle_selected(self, request, queryset):
        form = self._bound(request, ReasonForm)
        if not form.is_valid():
            return self._ask(request, queryset, form, "Recycle leads to marketing nurture", "Recycle")
        reason = form.cleaned_data["reason"]
        self._each(
            request,
            queryset,
            lambda lead: leads.lead_recycle(lead_id=lead.pk, actor=request.user, reason=reason),
            lambda lead: "recycled to nurture",
        )

    @admin.action(description="Disqualify, with a reason…", permissions=["change"])
    def disqualify_selected(self, request, queryset):
        form = self._bound(request, ReasonForm)
        if not form.is_valid():
            return self._ask(request, queryset, form, "Disqualify leads", "Disqualify")
        reason = form.cleaned_data["reason"]
        self._each(
            request,
            queryset,
            lambda lead: leads.lead_disqualify(lead_id=lead.pk, actor=request.user, reason=reason),
            lambda lead: "disqualified",
        )

    @staticmethod
    def _bound(request, form_class):
        """The action's form, bound only once its own page was posted (the first post comes from the list)."""
        return form_class(request.POST if "apply" in request.POST else None)

    def _ask(self, request, queryset, form, title: str, button: str):
        """The intermediate page: the rows chosen, what the move needs (an owner, a reason), then apply."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "button": button,
            "leads": queryset.select_related("contact", "account", "owner").order_by("pk")[: self.BULK_LIMIT],
            "count": queryset.count(),
            "action": request.POST.get("action", ""),
            "select_across": request.POST.get("select_across", "0"),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/core/lead/bulk_move.html", context)

    # A bulk move is one service call per lead, each in its own transaction; past this many, filter first.
    BULK_LIMIT = 500

    def _each(self, request, queryset, move, done) -> None:
        """Run `move` on each lead on its own: a refused row is left as it was and says why; the others move.

        One message line per row (`Lead #12 Ann Lee: handed to Rita Rep` / `… : refused — why`).
        """
        rows = list(queryset.select_related("contact").order_by("pk")[: self.BULK_LIMIT + 1])
        if len(rows) > self.BULK_LIMIT:
            self.message_user(
                request,
                f"More than {self.BULK_LIMIT} leads chosen: filter the list down and try again. Nothing was done.",
                messages.ERROR,
            )
            return
        moved = 0
        for lead in rows:
            name = f"Lead #{lead.pk} {lead.contact}"
            try:
                result = move(lead)
            except ApplicationError as error:
                self.message_user(request, f"{name}: refused — {error.message}", messages.WARNING)
                continue
            moved += 1
            self.message_user(request, f"{name}: {done(result)}", messages.SUCCESS)
        refused = len(rows) - moved
        summary = f"{moved} of {len(rows)} lead(s) done" + (
            f", {refused} refused and left as they were." if refused else "."
        )
        self.message_user(request, summary, messages.INFO)


@admin.register(LeadTransition)
class LeadTransitionAdmin(ReadOnlyAdmin):
    list_display = ["at", "lead", "from_stage", "to_stage", "actor", "reason"]
    list_filter = ["to_stage", "from_stage", ("at", admin.DateFieldListFilter)]
    search_fields = ["=lead__id", "reason"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
