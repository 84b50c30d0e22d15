"""One view for every portal list (`apps/core/lists.RecordList`): GET shows the filtered, sorted, keyset-paged
rows (only the results part to an htmx request), `?export=csv` streams them all; POST runs a bulk move or saves or
removes a saved filter, then redirects back to the same list (post/redirect/get)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.lists import BULK_LIMIT, RecordList, capped_count, csv_rows, keyset_page, ordering_for
from apps.core.models import SavedFilter
from apps.core.services import saved_filters

# Query parameters of the page itself, not of its FilterSet: kept out of saved filters and the pager's links.
PAGE_PARAMS = ("after", "before", "export")


def list_view(record_list: RecordList):
    """The view function serving `record_list`."""

    @login_required
    def view(request):
        if record_list.may_view is not None and not record_list.may_view(request.user):
            raise PermissionDenied(record_list.refusal)
        if request.method == "POST":
            return _post(request, record_list)
        return _show(request, record_list)

    view.__name__ = f"{record_list.name}_list"
    view.__doc__ = f"The portal's list of {record_list.noun}."
    return view


def _filterset(request, record_list: RecordList):
    # The request too, as the API gives it: a filter may depend on the viewer (the deal desk's "waiting for you").
    filterset = record_list.filterset_class(request.GET, queryset=record_list.queryset(request.user), request=request)
    # drf-spectacular, generating the API schema, builds the form field of each filter with choices on the FilterSet
    # class, before django-filter knows its model: that cached field has no label, and every later FilterSet copies
    # it. The filter's own label (this instance knows its model) is the one to show.
    for name, filter_ in filterset.filters.items():
        field = filterset.form.fields.get(name)
        if field is not None and not field.label:
            field.label = filter_.label
    widgets = record_list.page_widgets(request.user) if record_list.page_widgets else {}
    widgets.setdefault("q", forms.TextInput(attrs={"type": "search", "placeholder": "Words to look for"}))
    for name, widget in widgets.items():
        if name in filterset.form.fields:
            filterset.form.fields[name].widget = widget
    return filterset


def _query(request, *, drop=PAGE_PARAMS) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


def _show(request, record_list: RecordList, *, action_forms=None, status: int = 200):
    user = request.user
    filterset = _filterset(request, record_list)
    problems, page, count, more = [], None, 0, False
    try:
        sort_key, ordering = ordering_for(record_list, request.GET.get("sort"))
    except ApplicationError as error:
        sort_key, ordering = record_list.default_sort, None
        problems.append(error.message)
    if not filterset.is_valid():
        problems.extend(f"{_label(filterset, name)}: {' '.join(errors)}" for name, errors in filterset.errors.items())
    if not problems:
        if request.GET.get("export") == "csv":
            return _csv(record_list, filterset.qs, ordering)
        try:
            page = keyset_page(
                filterset.qs, ordering, after=request.GET.get("after", ""), before=request.GET.get("before", "")
            )
        except ApplicationError as error:
            problems.append(error.message)
        else:
            if record_list.decorate:
                page.rows = record_list.decorate(page.rows)
            count, more = capped_count(filterset.qs)
    offered = record_list.offered_actions(user)
    bulk_forms = {key: action.form(prefix=key) for key, action in offered.items() if action.form is not None}
    bulk_forms.update(action_forms or {})
    fields = {field.name: field for field in filterset.form}
    others = [fields[name] for name in fields if name not in record_list.primary_filters + record_list.id_filters]
    context = {
        "primary_fields": [fields[name] for name in record_list.primary_filters if name in fields],
        "more_fields": others,
        "more_open": any(request.GET.get(field.name) for field in others),
        "id_fields": [fields[name] for name in record_list.id_filters if request.GET.get(name)],
        "list": record_list,
        "filterset": filterset,
        "sort_key": sort_key,
        "problems": problems,
        "page": page,
        "count": count,
        "more": more,
        "query": _query(request),
        "saved": SavedFilter.objects.filter(user=user, list_name=record_list.name),
        "actions": [(key, action, bulk_forms.get(key)) for key, action in offered.items()],
        "bulk_limit": BULK_LIMIT,
        "company_currency": settings.COMPANY_CURRENCY,
        **(record_list.intro_context(request) if record_list.intro_context else {}),
    }
    # htmx asks for the results alone when a filter changes; a history restore (Back, after the cache) needs all.
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "core/lists/_results.html" if fragment else "core/lists/page.html"
    # Times are in the viewer's zone, named on the page (apps/core/timezones.py's middleware and context processor).
    return render(request, template, context, status=400 if problems else status)


def _label(filterset, name: str) -> str:
    field = filterset.form.fields.get(name)
    return str(field.label) if field is not None and field.label else name


def _csv(record_list: RecordList, queryset, ordering) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_rows(record_list, queryset, ordering), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{record_list.name}-{stamp}.csv"'
    return response


# --- POST: bulk moves and saved filters -----------------------------------------------------------------------


def _post(request, record_list: RecordList):
    back = f"{request.path}?{_query(request)}" if _query(request) else request.path
    if "save_filter" in request.POST:
        return _save_filter(request, record_list, back)
    if "delete_filter" in request.POST:
        try:
            saved_filters.saved_filter_delete(user=request.user, saved_filter_id=_int(request.POST["delete_filter"]))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Saved filter removed.")
        return redirect(back)
    return _bulk(request, record_list, back)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _save_filter(request, record_list: RecordList, back: str):
    """Save the list's current filters (the query string of the page it was posted from), checked first."""
    filterset = _filterset(request, record_list)
    query = _query(request)
    try:
        if not filterset.is_valid():
            raise ApplicationError("Fix the filters before saving them.", field="query")
        ordering_for(record_list, request.GET.get("sort"))
        saved = saved_filters.saved_filter_save(
            user=request.user, list_name=record_list.name, name=request.POST.get("save_filter", ""), query=query
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return _show(request, record_list, status=400)
    messages.success(request, f"Saved “{saved.name}”.")
    return redirect(back)


def _bulk(request, record_list: RecordList, back: str):
    """Run the chosen move on each selected row through its service: a row the viewer may not see or may not
    move is left as it was and says why; the others move. One message per row, then a summary."""
    key = request.POST.get("bulk", "")
    action = record_list.offered_actions(request.user).get(key)
    if action is None:
        raise PermissionDenied("That move is not yours to make on this list.")
    ids, bad = [], []
    for value in request.POST.getlist("ids"):
        (ids if value.isdigit() else bad).append(int(value) if value.isdigit() else value)
    if bad or not ids or len(ids) > BULK_LIMIT:
        reason = (
            f"Not row ids: {', '.join(map(str, bad[:5]))}."
            if bad
            else "Choose at least one row."
            if not ids
            else f"{len(ids)} rows chosen: at most {BULK_LIMIT} at a time. Filter the list down first."
        )
        messages.error(request, f"{action.label}: {reason} Nothing was done.")
        return _show(request, record_list, status=400)
    data = {}
    if action.form is not None:
        form = action.form(request.POST, prefix=key)
        if not form.is_valid():
            messages.error(request, f"{action.label}: {_form_errors(form)} Nothing was done.")
            return _show(request, record_list, action_forms={key: form}, status=400)
        data = form.cleaned_data
    rows = record_list.queryset(request.user).in_bulk(ids)
    done = 0
    for pk in dict.fromkeys(ids):
        row = rows.get(pk)
        if row is None:
            messages.warning(request, f"#{pk}: not among the {record_list.noun} you may see; left alone.")
            continue
        try:
            result = action.run(row, request.user, data)
        except ApplicationError as error:
            messages.warning(request, f"{row}: refused — {error.message}")
            continue
        done += 1
        messages.success(request, f"{row}: {result}.")
    total = len(dict.fromkeys(ids))
    messages.info(
        request, f"{action.label}: {done} of {total} done" + ("." if done == total else ", the rest left as they were.")
    )
    return redirect(back)


def _form_errors(form) -> str:
    return " ".join(f"{form.fields[name].label or name}: {' '.join(errs)}" if name in form.fields else " ".join(errs)
                    for name, errs in form.errors.items())  # fmt: skip
