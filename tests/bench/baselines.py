"""What the lead list is measured against: the floor (bare Django) and the list a team would write first."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from apps.core.models import Account, Lead, User
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
