"""What the lead list is measured against: the floor (bare Django) and the list a team would write first."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from apps.core.models import Account, Lead, User

PAGE_SIZE = 50

# The columns our endpoint shows: the lead and its embedded owner, account and contact.
FLOOR_COLUMNS = (
    "id",
    "stage",
    "source",
    "score",
    "stage_reason",
    "stage_changed_at",
    "created_at",
    "owner_id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "owner__email",
    "account_id",
    "account__name",
    "account__domain",
    "account__segment",
    "contact_id",
    "contact__email",
    "contact__first_name",
    "contact__last_name",
)


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
