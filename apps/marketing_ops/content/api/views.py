"""The content library API under /api/v1/content/: assets (search, filters, details), their versions and files,
the review and archive moves, shares with contacts, and the tag vocabulary.

Thin: serializers check the shape of the input; assets are fetched through the visibility selectors (one you may
not see is a 404); the content services decide every outcome (a refusal names the field and a code: 400 for the
input, 403 for a role that may not, 409 for a move the asset's state does not allow); files are sent only by
`content.serving`, which checks who may get which version and records the use.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable, ParseError
from rest_framework.generics import get_object_or_404
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api.errors import ERROR_DETAIL_SCHEMA, VALIDATION_ERROR_SCHEMA
from apps.core.api.permissions import RulePermission
from apps.core.api.views import ID_PATTERN
from apps.marketing_ops.content import selectors, serving
from apps.marketing_ops.content.api import serializers
from apps.marketing_ops.content.filters import AssetFilter, ContentShareFilter
from apps.marketing_ops.content.models import Asset, ContentShare, Tag
from apps.marketing_ops.content.services import assets, reviews, usage, versions


class AssetRules(RulePermission):
    """The role is asked before the body is read: creating is marketing ops', reviewing marketing ops' and legal's;
    changing an asset or uploading to it its owner's and marketing ops'. The services ask the same rules again,
    and everything else (moves, who approves what)."""

    action_rules = {
        "create": "marketing_ops.may_manage_content",
        "approve": "marketing_ops.may_review_content",
        "reject": "marketing_ops.may_review_content",
    }
    object_rules = {
        "partial_update": "marketing_ops.may_edit_asset",
        "versions": "marketing_ops.may_edit_asset",
    }


class ShareRules(RulePermission):
    action_rules = {"create": "marketing_ops.may_share_content"}


class LibraryPagination(PageNumberPagination):
    """Pages by number: search results are ranked by relevance, an order no keyset follows."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class UploadParser(MultiPartParser):
    """Django's multipart parser; a body it cannot read is a 400 naming `file`, with the code "malformed"."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as error:
            raise ParseError(
                {"file": [f"The upload could not be read as a multipart form ({error.detail})."], "code": "malformed"}
            ) from error


class FileNegotiation(DefaultContentNegotiation):
    """A client that asks for the file's own type (`Accept: application/pdf`) gets the file; a refusal is JSON
    whatever it accepts, rather than a 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


def _file_responses(media_types: list[str], description: str) -> dict:
    return {
        400: OpenApiResponse(VALIDATION_ERROR_SCHEMA, description="`version` is not a version number."),
        **{
            (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
            for media_type in media_types
        },
    }


UPLOAD_REFUSALS = {
    413: OpenApiResponse(ERROR_DETAIL_SCHEMA, description="The body is larger than the upload limit (code too_large)."),
    415: OpenApiResponse(ERROR_DETAIL_SCHEMA, description="Not a multipart form."),
}


@extend_schema_view(
    list=extend_schema(
        description="The assets you may see (reps: published, unexpired ones and their own), best match first with "
        "`q`, else by title; filter by kind, tag, product, segment, stage, language, audience (status: curators)."
    ),
    retrieve=extend_schema(responses=serializers.AssetDetailSerializer),
    create=extend_schema(request=serializers.AssetWriteSerializer, responses={201: serializers.AssetDetailSerializer}),
    partial_update=extend_schema(request=serializers.AssetWriteSerializer, responses=serializers.AssetDetailSerializer),
)
class AssetViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Assets of the content library; their versions, files and moves."""

    serializer_class = serializers.AssetSerializer
    permission_classes = [AssetRules]
    filterset_class = AssetFilter
    pagination_class = LibraryPagination
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Asset.objects.none()
        return selectors.library_list(user=self.request.user)

    def _asset(self) -> Asset:
        """The asset in the URL if the user may see it (else a 404), its object rule asked."""
        asset = get_object_or_404(selectors.visible_assets(self.request.user), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, asset)
        return asset

    def _input(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _detail(self, asset_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        asset = selectors.asset_detail(user=self.request.user, asset_id=asset_id)
        return Response(serializers.AssetDetailSerializer(asset).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        """One asset; its versions (with their reviews) are listed to curators and its owner only."""
        return self._detail(self._asset().pk)

    def create(self, request, *args, **kwargs):
        """A new draft asset (marketing ops); files come through `versions/`."""
        asset = assets.asset_create(actor=request.user, **self._input(serializers.AssetWriteSerializer))
        return self._detail(asset.pk, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        """Change an asset's details or tags (its owner, marketing ops)."""
        asset_id = self._asset().pk
        data = self._input(serializers.AssetWriteSerializer, partial=True)
        assets.asset_update(asset_id=asset_id, actor=request.user, **data)
        return self._detail(asset_id)

    @extend_schema(
        request={"multipart/form-data": serializers.VersionUploadSerializer},
        responses={201: serializers.AssetVersionsSerializer, **UPLOAD_REFUSALS},
    )
    @action(detail=True, methods=["post"], parser_classes=[UploadParser, FormParser])
    def versions(self, request, pk=None):
        """Upload a new draft version (multipart: `file`, optional `note`); answers with the version and the other
        assets holding the very same file. A refused file (empty, too large, a type not taken, identical to a
        version of this asset, a body that is no multipart form) is a 400 naming `file`, with a code."""
        asset_id = self._asset().pk
        data = self._input(serializers.VersionUploadSerializer)
        result = versions.version_upload(
            asset_id=asset_id, actor=request.user, upload=data.get("file"), note=data["note"]
        )
        return Response(serializers.AssetVersionsSerializer(result).data, status=status.HTTP_201_CREATED)

    def _version_number(self) -> int | None:
        query = serializers.VersionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data.get("version")

    @extend_schema(
        parameters=[serializers.VersionQuerySerializer],
        responses=_file_responses(serializers.DOWNLOAD_MEDIA_TYPES, "The file, as an attachment."),
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FileNegotiation)
    def download(self, request, pk=None):
        """The current published version's file; `?version=N` any version, for its owner and curators. Anything
        you may not get (a draft, archived or expired asset, an old version) is a 404."""
        number = self._version_number()
        return serving.download_response(user=request.user, asset_id=int(pk), number=number)

    @extend_schema(
        parameters=[serializers.VersionQuerySerializer],
        responses=_file_responses(["image/png"], "The preview image of the version's first page, inline."),
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FileNegotiation)
    def preview(self, request, pk=None):
        """The preview image of the current version (or `?version=N`, for owners and curators); 404 without one."""
        number = self._version_number()
        return serving.preview_response(user=request.user, asset_id=int(pk), number=number)

    @extend_schema(request=serializers.AssetReasonSerializer, responses=serializers.AssetDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send the newest draft version to review (draft → in_review; a published asset stays published)."""
        asset_id = self._asset().pk
        assets.asset_submit(asset_id=asset_id, actor=request.user, **self._input(serializers.AssetReasonSerializer))
        return self._detail(asset_id)

    @extend_schema(request=serializers.ReviewCommentSerializer, responses=serializers.AssetDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the version in review in your reviewer role; approved in every role it needs, it is published."""
        asset_id = self._asset().pk
        reviews.asset_approve(asset_id=asset_id, actor=request.user, **self._input(serializers.ReviewCommentSerializer))
        return self._detail(asset_id)

    @extend_schema(request=serializers.ReviewCommentSerializer, responses=serializers.AssetDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject the version in review; `comment` saying why is required."""
        asset_id = self._asset().pk
        reviews.asset_reject(asset_id=asset_id, actor=request.user, **self._input(serializers.ReviewCommentSerializer))
        return self._detail(asset_id)

    @extend_schema(request=serializers.AssetReasonSerializer, responses=serializers.AssetDetailSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        """Take the asset out of the library (reps no longer see it); archiving an archived asset changes nothing."""
        asset_id = self._asset().pk
        assets.asset_archive(asset_id=asset_id, actor=request.user, **self._input(serializers.AssetReasonSerializer))
        return self._detail(asset_id)

    @extend_schema(request=serializers.AssetReasonSerializer, responses=serializers.AssetDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Bring an archived asset back as a draft (archived → draft)."""
        asset_id = self._asset().pk
        assets.asset_reopen(asset_id=asset_id, actor=request.user, **self._input(serializers.AssetReasonSerializer))
        return self._detail(asset_id)


class ShareViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Shares of assets with contacts: reps see their own, managers their team's, ops and curators all; newest
    first, by asset or opportunity. Reps and managers record them."""

    serializer_class = serializers.ShareSerializer
    permission_classes = [ShareRules]
    filterset_class = ContentShareFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ContentShare.objects.none()
        return selectors.content_share_list(user=self.request.user)

    @extend_schema(request=serializers.ShareCreateSerializer, responses={201: serializers.ShareSerializer})
    def create(self, request, *args, **kwargs):
        """Record that you sent a live, customer-facing asset to a contact on one of your opportunities. Refused,
        nothing written, with the code: not_shareable, not_live, no_consent, not_your_opportunity,
        contact_not_on_account."""
        data = serializers.ShareCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        share = usage.content_share(
            asset_id=values["asset"],
            actor=request.user,
            contact_id=values["contact"],
            opportunity_id=values["opportunity"],
            note=values["note"],
        )
        shown = selectors.content_share_list(user=request.user).get(pk=share.pk)
        return Response(serializers.ShareSerializer(shown).data, status=status.HTTP_201_CREATED)


class TagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tag vocabulary (an asset carries only these; marketing ops add them in the admin)."""

    serializer_class = serializers.TagSerializer
    queryset = Tag.objects.all()
    pagination_class = None  # a vocabulary of tens of words
    filter_backends = []
