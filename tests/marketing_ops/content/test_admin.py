"""The content workbench: tags kept by marketing ops, assets edited and moved through the services, the rest read."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.marketing_ops.content.factories import AssetFactory, TagFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import Asset, AssetEvent, AssetKind, AssetStatus, Audience, Tag
from tests.marketing_ops.content.conftest import TODAY

Kind = AssetEvent.Kind


def url(name, *args):
    return reverse(f"admin:marketing_ops_{name}", args=args)


def form_data(client, page_url, **fields) -> dict:
    """What the change form posts: its fields as shown, with the inlines' management forms, then `fields`."""
    response = client.get(page_url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if name == "tags":
            data[name] = [tag.pk for tag in value]
        elif hasattr(value, "pk"):
            data[name] = value.pk
        else:
            data[name] = value.isoformat() if isinstance(value, dt.date) else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data | fields


@pytest.fixture
def ops_client(client, marketing_ops):
    client.force_login(marketing_ops)
    return client


def test_the_asset_list_filters_and_searches(ops_client, owner, frozen):
    published_asset(owner=owner, title="Pricing deck", expires_on=TODAY)
    AssetFactory(owner=owner, title="Roadmap")
    response = ops_client.get(url("asset_changelist"), {"q": "pricing"})
    assert [a.title for a in response.context["cl"].result_list] == ["Pricing deck"]
    response = ops_client.get(url("asset_changelist"), {"expiry": "expired"})
    assert [a.title for a in response.context["cl"].result_list] == ["Pricing deck"]
    response = ops_client.get(url("asset_changelist"), {"status__exact": "draft"})
    assert [a.title for a in response.context["cl"].result_list] == ["Roadmap"]


def test_adding_an_asset_goes_through_the_service(ops_client, marketing_ops, owner, frozen):
    tag = TagFactory(name="Pricing", slug="pricing")
    data = form_data(
        ops_client,
        url("asset_add"),
        title="Price sheet",
        kind=AssetKind.DATASHEET,
        audience=Audience.CUSTOMER,
        owner=owner.pk,
        review_by=(TODAY + dt.timedelta(days=90)).isoformat(),
        language="en",
        tags=[tag.pk],
    )
    response = ops_client.post(url("asset_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    asset = Asset.objects.get()
    assert (asset.title, asset.owner, asset.status) == ("Price sheet", owner, AssetStatus.DRAFT)
    assert list(asset.tags.all()) == [tag]
    assert asset.events.get().actor == marketing_ops


def test_changing_details_is_recorded_and_status_stays_read_only(ops_client, owner, frozen):
    asset = published_asset(owner=owner, title="Old title")
    version = asset.current_version
    data = form_data(ops_client, url("asset_change", asset.pk), title="New title", status="archived")
    assert ops_client.post(url("asset_change", asset.pk), data).status_code == 302
    asset.refresh_from_db()
    assert (asset.title, asset.status, asset.current_version) == ("New title", AssetStatus.PUBLISHED, version)
    assert asset.events.get().kind == Kind.CHANGED
    assert list(asset.versions.values_list("number", "status")) == [(1, "published")]


def test_a_refused_change_shows_on_the_form_and_writes_nothing(ops_client, owner, frozen):
    asset = AssetFactory(owner=owner, title="Retired", status=AssetStatus.ARCHIVED)
    data = form_data(ops_client, url("asset_change", asset.pk), title="Edited")
    response = ops_client.post(url("asset_change", asset.pk), data)
    assert response.status_code == 200
    assert "reopen it first" in str(response.context["adminform"].form.non_field_errors())
    asset.refresh_from_db()
    assert asset.title == "Retired" and not asset.events.exists()


def test_archive_and_reopen_are_actions_calling_the_services(ops_client, marketing_ops, owner, frozen):
    asset = published_asset(owner=owner)
    ops_client.post(url("asset_changelist"), {"action": "archive", "_selected_action": [asset.pk]})
    asset.refresh_from_db()
    assert asset.status == AssetStatus.ARCHIVED
    assert asset.events.get(kind=Kind.ARCHIVED).actor == marketing_ops
    ops_client.post(url("asset_changelist"), {"action": "reopen", "_selected_action": [asset.pk]})
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DRAFT


def test_a_refused_action_says_why_and_moves_nothing(ops_client, owner, frozen):
    asset = AssetFactory(owner=owner, title="Empty")
    response = ops_client.post(
        url("asset_changelist"), {"action": "submit", "_selected_action": [asset.pk]}, follow=True
    )
    assert "Empty: There is no new version to submit" in response.content.decode()
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DRAFT and not asset.events.exists()


def test_the_asset_page_links_no_file(ops_client, owner, frozen):
    asset = published_asset(owner=owner)
    page = ops_client.get(url("asset_change", asset.pk)).content.decode()
    assert asset.current_version.file.name not in page and "/media/" not in page


def test_nobody_deletes_an_asset(client, admin_user, owner, frozen):
    asset = AssetFactory(owner=owner)
    client.force_login(admin_user)
    assert client.get(url("asset_delete", asset.pk)).status_code == 403


def test_versions_are_read_only(ops_client, owner, frozen):
    version = VersionFactory(asset=AssetFactory(owner=owner))
    assert ops_client.get(url("assetversion_changelist")).status_code == 200
    assert ops_client.get(url("assetversion_change", version.pk)).status_code == 200
    assert ops_client.get(url("assetversion_add")).status_code == 403
    assert ops_client.post(url("assetversion_change", version.pk), {"display_name": "x.pdf"}).status_code == 403


@pytest.mark.parametrize("model", ["versionreview", "assetevent", "contentusage", "contentshare"])
def test_history_usage_and_shares_are_read_only(ops_client, model):
    assert ops_client.get(url(f"{model}_changelist")).status_code == 200
    assert ops_client.get(url(f"{model}_add")).status_code == 403


def test_marketing_ops_keep_the_tags(ops_client):
    response = ops_client.post(url("tag_add"), {"name": "Case studies", "slug": "case-studies"})
    assert response.status_code == 302 and Tag.objects.get().slug == "case-studies"


def test_legal_reads_assets_but_adds_none(client, legal, owner, frozen):
    AssetFactory(owner=owner)
    client.force_login(legal)
    assert client.get(url("asset_changelist")).status_code == 200
    assert client.get(url("assetevent_changelist")).status_code == 200
    assert client.get(url("asset_add")).status_code == 403
    assert client.get(url("tag_changelist")).status_code == 403
    assert client.get(url("contentusage_changelist")).status_code == 403


def test_sales_ops_read_assets_only(client, sales_ops, owner, frozen):
    AssetFactory(owner=owner)
    client.force_login(sales_ops)
    assert client.get(url("asset_changelist")).status_code == 200
    assert client.get(url("asset_add")).status_code == 403
