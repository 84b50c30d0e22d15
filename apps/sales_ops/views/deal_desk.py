"""Deal desk pages (being built): each view is a thin caller of the deal desk services and selectors."""

from django.http import HttpResponse


def deal_list(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_create(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_preview(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_inbox(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_reports(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_delegations(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_delegation_end(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_detail(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_edit(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_submit(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_resubmit(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_recall(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_decide(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_attach(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)


def deal_attachment(request, **kwargs):  # placeholder until the page lands
    return HttpResponse(status=501)
