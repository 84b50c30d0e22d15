"""The content library: assets (decks, case studies …), their versions and files, reviews, history, usage and shares.

An asset is what reps look for; each upload is a new `AssetVersion` with its own file, reviewed before it can be
published. The asset points at its current published version and keeps the others (readable by owners and
reviewers, never by reps). Every move of an asset or a version is an `AssetEvent`; every view, download and share
is a `ContentUsage` or `ContentShare`, written only after the permission, status and expiry checks passed.
"""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models.customers import Segment
from apps.core.models.records import ImmutableRecord


class AssetKind(models.TextChoices):
    DECK = "deck", "Deck"
    CASE_STUDY = "case_study", "Case study"
    BATTLECARD = "battlecard", "Battlecard"
    ONE_PAGER = "one_pager", "One-pager"
    DATASHEET = "datasheet", "Datasheet"
    VIDEO_LINK = "video_link", "Video link"
    EMAIL_TEMPLATE = "email_template", "E-mail template"
    PLAYBOOK = "playbook", "Playbook"


class FunnelStage(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"
    ONBOARDING = "onboarding", "Onboarding and expansion"


class Language(models.TextChoices):
    EN = "en", "English"
    DE = "de", "German"
    FR = "fr", "French"
    ES = "es", "Spanish"
    IT = "it", "Italian"
    NL = "nl", "Dutch"
    PT = "pt", "Portuguese"
    JA = "ja", "Japanese"


class Audience(models.TextChoices):
    INTERNAL = "internal", "Internal only"
    CUSTOMER = "customer", "Customer-facing (may be shared)"


class AssetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    REJECTED = "rejected", "Rejected"
    PUBLISHED = "published", "Published (current)"
    SUPERSEDED = "superseded", "Superseded"


class ProcessingStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    DONE = "done", "Done"
    NONE = "none", "None"  # the file has no text or preview; `*_note` says why


class Tag(models.Model):
    """A word of the library's managed vocabulary: ops add tags in the admin, an asset may carry only these."""

    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Asset(models.Model):
    """A piece of sales collateral as reps find it: its description, who owns it, who may receive it, its status.

    `status` moves only through `content.services` (an explicit table of allowed moves, each an `AssetEvent`).
    `current_version` is the published version reps get; null until a version is first approved.
    `search_vector` is kept by the services on PostgreSQL (title A, tags and description B, the current version's
    text C) and unused on SQLite.
    """

    title = models.CharField(max_length=200)
    description = models.TextField(max_length=4000, blank=True)
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    tags = models.ManyToManyField(Tag, blank=True, related_name="assets")
    product = models.CharField(max_length=100, blank=True, help_text="The product it sells, e.g. 'Analytics'")
    segment = models.CharField(max_length=20, choices=Segment.choices, blank=True)
    funnel_stage = models.CharField(max_length=20, choices=FunnelStage.choices, blank=True)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="content_assets")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.INTERNAL)
    status = models.CharField(max_length=10, choices=AssetStatus.choices, default=AssetStatus.DRAFT, db_index=True)
    review_by = models.DateField(help_text="The owner checks the asset is still right by this date.")
    expires_on = models.DateField(
        null=True, blank=True, help_text="From this day on reps can no longer see, download or share it."
    )
    url = models.URLField(max_length=500, blank=True, help_text="For a video link: where the video is.")
    current_version = models.OneToOneField(
        "AssetVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="current_of"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, help_text="When a version was last approved.")
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["status", "expires_on"], name="content_asset_live")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=AssetStatus.PUBLISHED) | Q(current_version__isnull=False),
                name="content_published_has_version",
            ),
        ]

    def __str__(self):
        return self.title

    def is_expired(self, today: dt.date) -> bool:
        return self.expires_on is not None and self.expires_on <= today

    def is_live(self, today: dt.date) -> bool:
        """What reps may see, download and share: published and not expired."""
        return self.status == AssetStatus.PUBLISHED and not self.is_expired(today)


def _version_path(instance: "AssetVersion", filename: str) -> str:
    # `filename` is generated by `apps.core.files` (a UUID and the detected extension); nothing of the user's name.
    return f"content/{instance.asset_id}/{filename}"


def _preview_path(instance: "AssetVersion", filename: str) -> str:
    return f"content/{instance.asset_id}/previews/{filename}"


class AssetVersion(models.Model):
    """One upload of an asset: its own file (stored under a generated name), checksum, review state, text, preview.

    `number` counts from 1 per asset. `sha256` is computed while the upload streams; the same file twice on one
    asset is refused. `text` and `preview` are filled in the background; a file that has none says why.
    """

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    file = models.FileField(upload_to=_version_path, max_length=300)
    display_name = models.CharField(max_length=200, help_text="The uploader's file name, cleaned: a label only.")
    mime_type = models.CharField(max_length=100)
    file_kind = models.CharField(max_length=10)  # apps.core.files kinds: pdf, office, image, text, video
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    note = models.CharField(max_length=500, blank=True, help_text="What changed in this version.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    text_status = models.CharField(max_length=10, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING)
    text_note = models.CharField(max_length=300, blank=True)
    preview = models.ImageField(upload_to=_preview_path, max_length=300, blank=True)
    preview_status = models.CharField(max_length=10, choices=ProcessingStatus.choices, default=ProcessingStatus.PENDING)
    preview_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["asset", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="content_version_number_unique"),
            models.UniqueConstraint(fields=["asset", "sha256"], name="content_version_file_unique"),
        ]

    def __str__(self):
        return f"{self.asset} v{self.number}"


class ReviewerRole(models.TextChoices):
    MARKETING_OPS = "marketing_ops", "Marketing ops"
    LEGAL = "legal", "Legal"


class VersionReview(ImmutableRecord):
    """A reviewer's decision on a version, in one role. Approved by every role the asset needs, it is published."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="reviews")
    role = models.CharField(max_length=20, choices=ReviewerRole.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(max_length=2000, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "role"], name="content_one_review_per_role"),
        ]


class AssetEvent(ImmutableRecord):
    """The asset's history: every move of the asset or one of its versions (who, when, from what to what, why)."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        UPLOADED = "uploaded", "New version uploaded"
        SUBMITTED = "submitted", "Submitted for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"
        REOPENED = "reopened", "Reopened as draft"
        CHANGED = "changed", "Details changed"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(AssetVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # null: the daily sweep
    reason = models.CharField(max_length=2000, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["asset", "at"], name="content_event_asset_at")]


class ContentUsage(ImmutableRecord):
    """A view (the asset's page or preview) or a download of a version, recorded after every check passed."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        DOWNLOAD = "download", "Downloaded"

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="usages")
    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="usages")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["asset", "at"], name="content_usage_asset_at")]


class ContentShare(ImmutableRecord):
    """A rep's record of sending a published, customer-facing asset to a contact on one of their opportunities."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="shares")
    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="shares")
    contact = models.ForeignKey("core.Contact", on_delete=models.PROTECT, related_name="content_shares")
    opportunity = models.ForeignKey("core.Opportunity", on_delete=models.PROTECT, related_name="content_shares")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["asset", "at"], name="content_share_asset_at"),
            models.Index(fields=["opportunity"], name="content_share_opportunity"),
        ]
