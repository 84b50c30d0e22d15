"""What the lead list is measured against: the floor (bare Django) and the list a team would write first."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from apps.core.models import Account, Contact, Lead, User
from apps.core.selectors import LEAD_ROW_FIELDS

PAGE_SIZE = 50

# The floor serves exactly the columns our endpoint shows: the lead and its owner, account and contact.
FLOOR_COLUMNS = LEAD_ROW_FIELDS


@login_required  # any real endpoint reads the session and the user; the floor pays for that too
def floor_lead_list(request):
    """The same page of the same rows, keyset by `?before=<id>`, as flat dicts: nothing but Django's own cost."""
    leads = Lead.objects.order_by("-id")
    if "before" in request.GET:
        leads = leads.filter(id__lt=int(request.GET["before"]))
    return JsonResponse({"results": list(leads.values(*FLOOR_COLUMNS)[:PAGE_SIZE])})


class DefaultUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email"]


class DefaultAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "name", "domain", "segment"]


class DefaultLeadSerializer(serializers.ModelSerializer):
    owner = DefaultUserSerializer(read_only=True)
    account = DefaultAccountSerializer(read_only=True)

    class Meta:
        model = Lead
        fields = "__all__"


class DefaultPagination(PageNumberPagination):
    page_size = PAGE_SIZE


class DefaultLeadViewSet(viewsets.ModelViewSet):
    """The first draft: a ModelViewSet over all leads, nested ModelSerializers, page numbers (so a COUNT)."""

    queryset = Lead.objects.all()
    serializer_class = DefaultLeadSerializer
    pagination_class = DefaultPagination


# --- floors for the load harness: the same rows each journey's pages show, through values() and JsonResponse ----


def _rows(queryset, fields) -> JsonResponse:
    return JsonResponse({"results": list(queryset.values(*fields)[:PAGE_SIZE])})


@login_required
def floor_my_leads(request):
    """The rep's handed-off and accepted leads, the rows of My leads' first page."""
    leads = Lead.objects.filter(owner=request.user, stage__in=["sql", "sal"]).order_by("-id")
    return _rows(leads, FLOOR_COLUMNS)


@login_required
def floor_lead_search(request):
    """The leads whose contact has the e-mail searched for: what the admin's search finds. Through the contacts'
    case-insensitive unique index, `LOWER(email)`, as a hand-written view would ask (`email = …` reads every
    contact)."""
    from django.db.models.functions import Lower

    email = request.GET.get("q", "").strip().lower()
    contacts = Contact.objects.annotate(address=Lower("email")).filter(address=email).values("pk")
    return _rows(Lead.objects.filter(contact__in=contacts).order_by("-id"), FLOOR_COLUMNS)


@login_required
def floor_deals(request):
    """The deal desk requests the user made or their team made: the rows the rep's list and the inbox show."""
    from django.db.models import Q

    from apps.sales_ops.models import DealRequest

    mine = Q(requester=request.user) | Q(requester__manager=request.user)
    deals = DealRequest.objects.filter(mine).order_by("-id")
    return _rows(deals, ["id", "status", "net_amount", "currency", "opportunity__name", "opportunity__account__name"])


@login_required
def floor_campaigns(request):
    """A page of the quarter's campaigns, as the budget page's table shows them."""
    from apps.marketing_ops.budgets.models import Campaign

    campaigns = Campaign.objects.filter(fiscal_quarter=request.GET.get("quarter", "")).order_by("channel", "name")
    return _rows(campaigns, ["id", "name", "channel", "planned_amount", "start_date", "end_date", "owner__username"])


@login_required
def floor_content_search(request):
    """A page of 20 of the library's search for `q`: the matching assets the user may see, best match first."""
    from apps.marketing_ops.content import search, selectors

    found = search.asset_search(selectors.visible_assets(request.user), request.GET.get("q", ""))
    return JsonResponse({"results": list(found.values("id", "title", "kind", "owner__username")[:20])})
