"""Deal desk attachments go through core's upload checker: type by content, size, generated stored names."""

import pytest

from apps.core.factories import OpportunityFactory
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.factories import DealRequestFactory
from apps.sales_ops.models import DealAttachment, DealEvent, DealRequest
from tests import samples

URL = "/api/v1/deal-desk/requests/"


@pytest.fixture
def draft(rep):
    return DealRequestFactory(opportunity=OpportunityFactory(owner=rep, currency="EUR"), requester=rep)


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [("quote.pdf", samples.WINDOWS_EXE, "a Windows executable"), ("redline.docx", samples.ELF, "ELF")],
)
def test_a_renamed_executable_is_refused_through_the_api_and_nothing_is_written(api, rep, draft, name, content, says):
    response = api.as_user(rep).post(
        f"{URL}{draft.pk}/attachments/", {"file": samples.upload(name, content)}, format="multipart"
    )
    assert response.status_code == 400
    assert says in response.json()["file"][0]
    assert not DealAttachment.objects.exists() and not DealEvent.objects.filter(kind="attached").exists()


def test_a_renamed_executable_is_a_form_error_on_the_page(client, rep, draft):
    client.force_login(rep)
    response = client.post(
        f"/sales/deals/{draft.pk}/attachments/", {"file": samples.upload("quote.pdf", samples.WINDOWS_EXE)}, follow=True
    )
    assert "a Windows executable" in response.content.decode()
    assert not DealAttachment.objects.exists()


def test_the_stored_file_name_is_generated_and_the_label_cleaned(rep, draft, settings):
    attachment = services.deal_attachment_add(
        request_id=draft.pk, actor=rep, upload=samples.upload("../Q3 quote\u202e.PDF", samples.PDF)
    )
    stored = attachment.file.name.rsplit("/", 1)[-1]
    assert attachment.name == "Q3 quote.pdf"
    assert stored.endswith(".pdf") and "quote" not in stored.lower()


def test_a_50_mb_upload_is_refused_before_it_is_read_and_leaves_no_file(client, rep, draft, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    client.force_login(rep)
    big = samples.upload("quote.pdf", samples.PDF + b"x" * (50 * 1024 * 1024))
    response = client.post(f"/sales/deals/{draft.pk}/attachments/", {"file": big})
    assert response.status_code == 413 and "at most 10 MB" in response.content.decode()
    assert not DealAttachment.objects.exists()
    assert not any((tmp_path / "uploads").iterdir())
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.*"))


def test_a_50_mb_upload_to_the_api_is_a_413_with_the_error_shape(api, rep, draft):
    big = samples.upload("quote.pdf", samples.PDF + b"x" * (50 * 1024 * 1024))
    response = api.as_user(rep).post(f"{URL}{draft.pk}/attachments/", {"file": big}, format="multipart")
    assert response.status_code == 413
    assert response.json() == {"detail": "The upload is too large: a file may be at most 10 MB.", "code": "too_large"}
    assert not DealRequest.objects.get().attachments.exists()
