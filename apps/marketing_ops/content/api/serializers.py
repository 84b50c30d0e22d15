"""API shapes of the content library. They check the shape of the input; the content services decide the rest
(unknown tags, file checks, moves), answering with a field and a code."""

from rest_framework import serializers

from apps.core.api.filters import MAX_ID
from apps.core.api.serializers import ContactBriefSerializer, UserBriefSerializer
from apps.core.models import User
from apps.core.models.customers import Segment
from apps.core.services.records import too_long_message
from apps.marketing_ops.content.models import Asset, AssetVersion, ContentShare, FunnelStage, Tag, VersionReview
from apps.marketing_ops.content.services.guards import COMMENT_MAX, REASON_MAX, SHARE_NOTE_MAX, VERSION_NOTE_MAX
from apps.marketing_ops.content.services.versions import CONTENT_KINDS


def _text(label: str, limit: int, **kwargs) -> serializers.CharField:
    """Optional free text with the services' own limit, named in the error."""
    return serializers.CharField(
        max_length=limit,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,  # the services trim and count line ends as a person typed them
        error_messages={"max_length": too_long_message(label, limit)},
        **kwargs,
    )


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "slug"]
        read_only_fields = fields


class ReviewSerializer(serializers.ModelSerializer):
    reviewer = UserBriefSerializer(read_only=True)

    class Meta:
        model = VersionReview
        fields = ["role", "decision", "reviewer", "comment", "at"]
        read_only_fields = fields


class VersionBriefSerializer(serializers.ModelSerializer):
    """The current version as every reader of the asset sees it."""

    has_preview = serializers.SerializerMethodField()

    class Meta:
        model = AssetVersion
        fields = ["id", "number", "display_name", "mime_type", "file_kind", "size", "uploaded_at", "has_preview"]
        read_only_fields = fields

    def get_has_preview(self, version) -> bool:
        return bool(version.preview)


class VersionSerializer(VersionBriefSerializer):
    """A version as its asset's curators and owner see it: review state, checksum, processing, reviews."""

    uploaded_by = UserBriefSerializer(read_only=True)
    reviews = ReviewSerializer(many=True, read_only=True)

    class Meta:
        model = AssetVersion
        fields = [
            *VersionBriefSerializer.Meta.fields,
            "status",
            "sha256",
            "note",
            "uploaded_by",
            "text_status",
            "text_note",
            "preview_status",
            "preview_note",
            "reviews",
        ]
        read_only_fields = fields


class AssetBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Asset
        fields = ["id", "title"]
        read_only_fields = fields


ASSET_FIELDS = [
    "id",
    "title",
    "description",
    "kind",
    "tags",
    "product",
    "segment",
    "funnel_stage",
    "language",
    "owner",
    "audience",
    "status",
    "review_by",
    "expires_on",
    "url",
    "current_version",
    "reviewed_at",
    "created_at",
    "updated_at",
]


class AssetSerializer(serializers.ModelSerializer):
    """An asset of the library as a row of the list: its details, tags, owner and current published version."""

    tags = TagSerializer(many=True, read_only=True)
    owner = UserBriefSerializer(read_only=True)
    current_version = VersionBriefSerializer(read_only=True, allow_null=True, help_text="Null until first published")
    # Blank when not given: said so, for the schema (a read-only model field's blank values are not).
    segment = serializers.ChoiceField(Segment.choices, allow_blank=True, read_only=True)
    funnel_stage = serializers.ChoiceField(FunnelStage.choices, allow_blank=True, read_only=True)
    url = serializers.CharField(read_only=True, help_text="For a video link: where the video is; else blank")

    class Meta:
        model = Asset
        fields = ASSET_FIELDS
        read_only_fields = fields


class AssetDetailSerializer(AssetSerializer):
    """One asset; `versions` (newest first, with their reviews) only for curators and the asset's owner."""

    versions = VersionSerializer(
        many=True,
        read_only=True,
        source="all_versions",
        help_text="Every version, newest first: listed to curators (marketing ops, legal) and the owner, else empty",
    )

    class Meta:
        model = Asset
        fields = [*ASSET_FIELDS, "versions"]
        read_only_fields = fields


class AssetWriteSerializer(serializers.ModelSerializer):
    """The details marketing ops and owners write; `tags` by slug or name, each from the vocabulary."""

    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        max_length=50,
        help_text="Tag slugs or names from the vocabulary (/api/v1/content/tags/); an unknown one is refused",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="The creator when left out"
    )

    class Meta:
        model = Asset
        fields = [
            "title",
            "description",
            "kind",
            "tags",
            "product",
            "segment",
            "funnel_stage",
            "language",
            "owner",
            "audience",
            "review_by",
            "expires_on",
            "url",
        ]
        extra_kwargs = {"audience": {"required": True}}


class VersionUploadSerializer(serializers.Serializer):
    """A multipart form: the file in `file`, an optional `note` on what changed.

    The file is only read here as a file part; its size, emptiness, type (by content) and duplicates are the upload
    service's to refuse, naming `file` and a code.
    """

    file = serializers.FileField(
        required=False,
        allow_empty_file=True,
        use_url=False,
        help_text="PDF, Office document, image, plain text or MP4 video, checked by its content",
    )
    note = _text("The note", VERSION_NOTE_MAX, help_text="What changed in this version")


class AssetVersionsSerializer(serializers.Serializer):
    """What an upload answers: the new draft version, and the other assets you may see holding the same file."""

    version = VersionSerializer()
    same_file_on = AssetBriefSerializer(many=True)


# Every type `apps.core.files.check_upload` can answer for the kinds the library takes, as a download is sent.
FILE_MEDIA_TYPES = {
    "pdf": ["application/pdf"],
    "office": [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
    ],
    "image": ["image/png", "image/jpeg", "image/gif", "image/webp"],
    "text": ["text/plain"],
    "video": ["video/mp4"],
}
DOWNLOAD_MEDIA_TYPES = [media_type for kind in sorted(CONTENT_KINDS) for media_type in FILE_MEDIA_TYPES[kind]]


class AssetReasonSerializer(serializers.Serializer):
    reason = _text("The reason", REASON_MAX, help_text="Why, for the asset's history")


class ReviewCommentSerializer(serializers.Serializer):
    comment = _text("The comment", COMMENT_MAX, help_text="Optional to approve, required to reject")


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="A version number: owners and curators only"
    )


class ShareOpportunitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ShareSerializer(serializers.ModelSerializer):
    asset = AssetBriefSerializer(read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True, help_text="The version number sent")
    contact = ContactBriefSerializer(read_only=True)
    opportunity = ShareOpportunitySerializer(read_only=True)
    shared_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = ContentShare
        fields = ["id", "asset", "version", "contact", "opportunity", "shared_by", "note", "at"]
        read_only_fields = fields


class ShareCreateSerializer(serializers.Serializer):
    """Ids only: whether the asset may be shared, the opportunity is yours and the contact may be e-mailed is the
    share service's to answer, with a code."""

    asset = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    contact = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    opportunity = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="One of your own")
    note = _text("The note", SHARE_NOTE_MAX)
