"""Marketing's hand-off page: pick marketing-qualified leads, see whom routing would give each, name another rep if
need be, and hand them to sales, with a result per lead.

Here rather than in core: the page's addition to core's hand-off is the routing preview, which is sales ops' and
which core may not import. The hand-off itself is core's service (`lead_handoff`, through `leads_hand_off`), so a
lead handed here is handed exactly as through the API or the admin.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.core.live import fragment
from apps.sales_ops.coverage import selectors_handoff as selectors
from apps.sales_ops.coverage.forms import HandoffForm
from apps.sales_ops.coverage.services.handoff import HandoffResult, leads_hand_off

LEADS_PER_PAGE = 25
RESULTS_KEY = "handoff_results"


def _require(user) -> None:
    if not user.has_perm("core.may_hand_off_lead"):
        raise PermissionDenied("Handing leads to sales is for marketing and sales ops.")


@login_required
def handoff(request):
    """The marketing-qualified leads, searched and filtered, paged, each with a box to pick it; the results of the
    last hand-off above them."""
    _require(request.user)
    filterset = selectors.handoff_candidates(user=request.user, params=request.GET)
    valid = filterset.is_valid()
    page = Paginator(filterset.qs if valid else filterset.queryset.none(), LEADS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "sales_ops/coverage/handoff.html",
        {
            "filter_form": filterset.form,
            "page": page,
            "query": f"{kept.urlencode()}&" if kept else "",
            "results": request.session.pop(RESULTS_KEY, None),
            "most": selectors.MAX_PICKED,
        },
        status=200 if valid else 400,
    )


@login_required
def handoff_preview(request):
    """GET: the picked leads with routing's choice for each and an owner to name instead. POST: hand them off, keep
    the results for the list page and go there (post/redirect/get); a form error re-renders here, at its own URL."""
    _require(request.user)
    data = request.POST if request.method == "POST" else request.GET
    leads = selectors.handoff_picked(user=request.user, lead_ids=HandoffForm.picked(data))
    owners = list(selectors.handoff_owner_choices())
    form = HandoffForm(data, lead_ids=[lead.pk for lead in leads], owners=owners, most=selectors.MAX_PICKED)
    if not form.is_valid():
        if request.method == "GET" and "lead" in form.errors and not data.getlist("lead"):
            messages.error(request, " ".join(form.errors["lead"]))
            return redirect("sales_ops:handoff")
        return _render_preview(request, form, leads, status=400)
    if request.method != "POST":
        return _render_preview(request, form, leads)

    visible = set(form.lead_ids)
    handed = iter(leads_hand_off(picks=[pick for pick in form.picks() if pick[0] in visible], actor=request.user))
    results = [
        next(handed) if pk in visible else HandoffResult(pk, f"#{pk}", False, reason="there is no such lead")
        for pk in form.cleaned_data["lead"]
    ]
    request.session[RESULTS_KEY] = [result.as_dict() for result in results]
    done = sum(result.handed for result in results)
    level = messages.SUCCESS if done == len(results) else messages.WARNING
    messages.add_message(request, level, f"Handed {done} of {len(results)} leads to sales.")
    return redirect("sales_ops:handoff")


def _render_preview(request, form: HandoffForm, leads, *, status: int = 200):
    previews = selectors.handoff_previews(leads=leads)
    named = getattr(form, "cleaned_data", {})
    rows = [
        (preview, form[f"owner_{preview.lead.pk}"], form.owners.get(named.get(f"owner_{preview.lead.pk}")))
        for preview in previews
    ]
    return render(request, "sales_ops/coverage/handoff_preview.html", {"form": form, "rows": rows}, status=status)


@fragment(lambda request, lead_id: f"{reverse('sales_ops:handoff_preview')}?lead={lead_id}")
def handoff_route(request, lead_id: int):
    """One row's routing preview, loaded in place (htmx) when the lead is picked on the list or another owner is named
    for it on the preview page: the row's own `lead` (present while picked) and `owner_<id>` are sent. The same
    preview as the preview page's (`handoff_previews`: routing's `lead_route(preview=True)`, as the API's
    route-preview, except that a lead with an owner keeps them, as the hand-off does). Without htmx: that page."""
    _require(request.user)
    leads = selectors.handoff_picked(user=request.user, lead_ids=[lead_id])
    if not leads:
        raise Http404("There is no such lead.")
    if str(lead_id) not in request.GET.getlist("lead"):
        return HttpResponse("")  # unpicked: the cell empties
    form = HandoffForm(
        request.GET, lead_ids=[lead_id], owners=list(selectors.handoff_owner_choices()), most=selectors.MAX_PICKED
    )
    if not form.is_valid():
        problems = (f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return HttpResponseBadRequest("; ".join(problems))
    [preview] = selectors.handoff_previews(leads=leads)
    named = form.owners.get(form.cleaned_data.get(f"owner_{lead_id}"))
    return render(request, "sales_ops/coverage/_route_preview.html", {"preview": preview, "named": named})
