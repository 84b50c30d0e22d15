"""factory-boy factories for the content library, shared by the tests and by the demo data.

They write rows directly (a published asset with its current version, a tag); tests of the library's rules go
through the services.
"""

import datetime as dt
import hashlib

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.marketing_ops.content.models import (
    Asset,
    AssetKind,
    AssetStatus,
    AssetVersion,
    Audience,
    ProcessingStatus,
    Tag,
    VersionStatus,
)

# The smallest file every check accepts as a PDF (tests that need a real one build it with the samples module).
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


class TagFactory(DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.LazyAttribute(lambda t: t.name.lower().replace(" ", "-"))


class AssetFactory(DjangoModelFactory):
    """A draft internal deck owned by a marketing ops user, due for review in a year."""

    class Meta:
        model = Asset

    title = factory.Sequence(lambda n: f"Asset {n}")
    kind = AssetKind.DECK
    owner = factory.SubFactory(UserFactory, roles=[Role.MARKETING_OPS])
    audience = Audience.INTERNAL
    status = AssetStatus.DRAFT
    review_by = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=365))


class VersionFactory(DjangoModelFactory):
    """Version 1 of an asset, a small PDF with distinct bytes per version, as a draft."""

    class Meta:
        model = AssetVersion

    asset = factory.SubFactory(AssetFactory)
    number = factory.LazyAttribute(lambda v: v.asset.versions.count() + 1)
    status = VersionStatus.DRAFT
    file = factory.LazyAttribute(lambda v: ContentFile(v.content, name=f"{v.sha256[:32]}.pdf"))
    display_name = "deck.pdf"
    mime_type = "application/pdf"
    file_kind = "pdf"
    size = factory.LazyAttribute(lambda v: len(v.content))
    sha256 = factory.LazyAttribute(lambda v: hashlib.sha256(v.content).hexdigest())
    uploaded_by = factory.LazyAttribute(lambda v: v.asset.owner)
    text_status = ProcessingStatus.DONE
    preview_status = ProcessingStatus.NONE

    class Params:
        content = factory.Sequence(lambda n: PDF_BYTES + f"% version {n}\n".encode())


def published_asset(**fields) -> Asset:
    """A published asset (customer-facing unless told otherwise) with one current version."""
    fields.setdefault("audience", Audience.CUSTOMER)
    asset = AssetFactory(status=AssetStatus.DRAFT, **fields)
    version = VersionFactory(asset=asset, status=VersionStatus.PUBLISHED)
    asset.current_version = version
    asset.status = AssetStatus.PUBLISHED
    asset.save(update_fields=["current_version", "status"])
    return asset
