"""Background work on a version: text for search and a preview, from real files; "none" with the reason otherwise."""

import datetime as dt
import hashlib
import io
import os

import pytest
import time_machine
from django.core.files.base import ContentFile
from PIL import Image

from apps.core.models import EmailMessage
from apps.marketing_ops.content import samples
from apps.marketing_ops.content.factories import VersionFactory
from apps.marketing_ops.content.models import AssetVersion, ProcessingStatus
from apps.marketing_ops.content.services import processing
from apps.marketing_ops.content.services.processing import version_process
from apps.marketing_ops.content.tasks import version_process_redrive_task, version_process_task

PENDING, DONE, NONE = ProcessingStatus.PENDING, ProcessingStatus.DONE, ProcessingStatus.NONE
OOXML = "application/vnd.openxmlformats-officedocument."
TYPES = {  # extension: (file kind, MIME type)
    ".pdf": ("pdf", "application/pdf"),
    ".docx": ("office", f"{OOXML}wordprocessingml.document"),
    ".pptx": ("office", f"{OOXML}presentationml.presentation"),
    ".xlsx": ("office", f"{OOXML}spreadsheetml.sheet"),
    ".ppt": ("office", "application/vnd.ms-powerpoint"),
    ".png": ("image", "image/png"),
    ".txt": ("text", "text/plain"),
    ".mp4": ("video", "video/mp4"),
}

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """Time stands still at T0 until a test moves it on (`clock.shift(dt.timedelta(...))`)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def pending_version(content: bytes, extension: str, **fields) -> AssetVersion:
    """A version of `content`, as the upload stores it, waiting for its text and preview."""
    kind, mime_type = TYPES[extension]
    digest = hashlib.sha256(content).hexdigest()
    return VersionFactory(
        file=ContentFile(content, name=f"{digest[:32]}{extension}"),
        file_kind=kind,
        mime_type=mime_type,
        size=len(content),
        sha256=digest,
        **{"text_status": PENDING, "preview_status": PENDING, **fields},
    )


def processed(content: bytes, extension: str) -> AssetVersion:
    version = pending_version(content, extension)
    assert version_process(version_id=version.pk) is True
    version.refresh_from_db()
    return version


def preview_image(version: AssetVersion) -> Image.Image:
    with version.preview.open("rb") as stored:
        data = stored.read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data))


def test_the_text_of_a_real_pdf_is_extracted_page_by_page():
    content = samples.pdf(
        "Acme Analytics cuts reporting time by 40 %.\nCustomer: Northwind (logistics)",
        "Pricing starts at 49 USD per seat and month.",
        title="Northwind case study",
    )
    version = processed(content, ".pdf")
    assert version.text_status == DONE
    assert version.text_note == ""
    assert "Northwind case study" in version.text
    assert "cuts reporting time by 40 %" in version.text
    assert "Pricing starts at 49 USD per seat" in version.text  # page 2


def test_a_pdf_gets_a_png_preview_of_its_first_page_stored_under_a_generated_name():
    version = processed(samples.pdf("Hello", title="Datasheet"), ".pdf")
    assert version.preview_status == DONE
    assert version.preview.name.startswith(f"content/{version.asset_id}/previews/")
    assert version.preview.name.endswith(".png")
    image = preview_image(version)
    assert image.width == processing.PREVIEW_MAX_WIDTH
    assert abs(image.height - 792 * processing.PREVIEW_MAX_WIDTH / 612) <= 1  # the page's proportions
    assert len(image.getcolors(1 << 16) or []) > 1  # drawn on, not a blank page


def test_the_text_of_a_real_docx_includes_headings_paragraphs_and_tables():
    content = samples.docx(
        "Objection handling: security",
        "Data is encrypted at rest with AES-256 and in transit with TLS 1.3.",
        table=[["Question", "Answer"], ["SOC 2?", "Type II, renewed yearly"]],
    )
    version = processed(content, ".docx")
    assert version.text_status == DONE
    assert "Objection handling: security" in version.text
    assert "encrypted at rest with AES-256" in version.text
    assert "SOC 2? | Type II, renewed yearly" in version.text


def test_an_office_file_has_no_preview_and_says_why():
    version = processed(samples.docx("Playbook", "Discovery questions"), ".docx")
    assert version.preview_status == NONE
    assert "Office documents" in version.preview_note
    assert not version.preview


def test_the_text_of_a_pptx_comes_from_every_slide():
    content = samples.pptx(("Why Acme", "Three times faster dashboards"), ("Proof", "Trusted by 1,200 finance teams"))
    version = processed(content, ".pptx")
    assert version.text_status == DONE
    assert "Three times faster dashboards" in version.text
    assert "Trusted by 1,200 finance teams" in version.text


def test_the_text_of_an_xlsx_comes_from_every_filled_cell():
    content = samples.xlsx([["Plan", "Seats", "Price"], ["Growth", 25, 49], ["Enterprise", 500, 39]], sheet="Prices")
    version = processed(content, ".xlsx")
    assert version.text_status == DONE
    assert version.text.splitlines() == ["Prices", "Plan\tSeats\tPrice", "Growth\t25\t49", "Enterprise\t500\t39"]


def test_plain_text_is_read_as_utf8():
    version = processed(samples.text("Grüße aus München: the DACH launch e-mail\n"), ".txt")
    assert (version.text_status, version.text) == (DONE, "Grüße aus München: the DACH launch e-mail")
    assert version.preview_status == NONE


def test_text_that_is_not_utf8_is_kept_with_the_bad_bytes_replaced_and_said():
    version = processed(b"Caf\xe9 au lait", ".txt")
    assert version.text == "Caf\ufffd au lait"
    assert "UTF-8" in version.text_note


def test_an_image_gets_a_thumbnail_preview_and_no_text_with_the_reason():
    version = processed(samples.png("Cover", size=(1600, 900)), ".png")
    assert version.text_status == NONE
    assert version.text_note == "An image has no text to extract."
    assert version.preview_status == DONE
    assert preview_image(version).size == (800, 450)


def test_a_video_has_neither_text_nor_preview_and_is_not_even_read():
    version = pending_version(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, ".mp4")
    version.file.storage.delete(version.file.name)  # reading it would fail
    version_process(version_id=version.pk)
    version.refresh_from_db()
    assert (version.text_status, version.text_note) == (NONE, "A video has no text to extract.")
    assert (version.preview_status, version.preview_note) == (NONE, "No preview is made of videos.")


def test_an_old_office_format_says_why_it_has_no_text():
    version = processed(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, ".ppt")
    assert version.text_status == NONE
    assert "old Office formats" in version.text_note


def test_an_encrypted_pdf_has_no_text_and_no_preview_with_the_reason_and_raises_nothing():
    version = processed(samples.encrypted_pdf("Secret price list"), ".pdf")
    assert (version.text_status, version.preview_status) == (NONE, NONE)
    assert version.text_note == "The PDF is password-protected: its text cannot be read."
    assert version.preview_note == "The PDF is password-protected: no preview can be made."
    assert version.text == ""
    assert not version.preview


def test_a_broken_pdf_has_no_text_and_no_preview_with_the_reason_and_raises_nothing():
    version = pending_version(samples.broken_pdf(), ".pdf")
    assert version_process_task.delay(version.pk).get() is True
    version.refresh_from_db()
    assert (version.text_status, version.preview_status) == (NONE, NONE)
    assert version.text_note.startswith("The file could not be read: damaged or incomplete?")
    assert version.preview_note.startswith("The file could not be read: damaged or incomplete?")


def test_a_pdf_without_any_text_says_so():
    version = processed(samples.pdf(""), ".pdf")
    assert version.text_status == NONE
    assert "holds no text" in version.text_note
    assert version.preview_status == DONE


def test_a_file_missing_from_storage_is_none_with_the_reason():
    version = pending_version(samples.pdf("Gone"), ".pdf")
    version.file.storage.delete(version.file.name)
    assert version_process(version_id=version.pk) is True
    version.refresh_from_db()
    assert (version.text_note, version.preview_note) == ("The file is missing from storage.",) * 2


def test_the_text_kept_is_capped_by_the_setting_and_the_cut_is_said(settings):
    settings.CONTENT_TEXT_MAX_CHARS = 50
    version = processed(samples.pdf("word " * 100), ".pdf")
    assert version.text_status == DONE
    assert version.text == ("word " * 10).strip()
    assert version.text_note == "Only the first 50 characters are kept for search."


def test_only_the_first_pages_are_read_as_the_setting_says(settings):
    settings.CONTENT_TEXT_MAX_PAGES = 2
    version = processed(samples.pdf("page one", "page two", "page three"), ".pdf")
    assert "page two" in version.text
    assert "page three" not in version.text
    assert version.text_note == "Only the first 2 of 3 pages are read for search."


def test_running_twice_is_harmless():
    version = pending_version(samples.pdf("Battlecard: Acme vs Globex"), ".pdf")
    assert version_process(version_id=version.pk) is True
    version.refresh_from_db()
    first = (version.text, version.preview.name, version.text_status, version.preview_status)
    assert version_process(version_id=version.pk) is False
    version.refresh_from_db()
    assert (version.text, version.preview.name, version.text_status, version.preview_status) == first
    previews = os.listdir(os.path.dirname(version.preview.path))
    assert previews == [os.path.basename(version.preview.name)]


def test_a_run_that_lost_the_race_writes_nothing_and_deletes_its_preview(monkeypatch):
    """Two runs at once: both render, the second to write finds nothing pending and leaves no stray file."""
    version = pending_version(samples.pdf("Race"), ".pdf")
    real_record = processing._record

    def other_run_first(stale_version, text, preview):
        monkeypatch.setattr(processing, "_record", real_record)
        version_process(version_id=stale_version.pk)  # the other run writes while this one was rendering
        return real_record(stale_version, text, preview)

    monkeypatch.setattr(processing, "_record", other_run_first)
    assert processing.version_process(version_id=version.pk) is False
    version.refresh_from_db()
    assert version.preview_status == DONE
    assert os.listdir(os.path.dirname(version.preview.path)) == [os.path.basename(version.preview.name)]


def test_a_version_done_already_is_not_even_opened():
    version = VersionFactory(text_status=DONE, preview_status=NONE)
    version.file.storage.delete(version.file.name)
    assert version_process(version_id=version.pk) is False


def test_only_the_pending_part_is_done():
    version = pending_version(samples.pdf("Only the preview waits"), ".pdf", text="kept", text_status=DONE)
    version_process(version_id=version.pk)
    version.refresh_from_db()
    assert (version.text, version.text_status, version.preview_status) == ("kept", DONE, DONE)


def test_the_search_is_refreshed_once_the_text_is_stored(monkeypatch):
    refreshed = []
    monkeypatch.setattr(processing.search, "asset_search_refresh", lambda ids: refreshed.append(list(ids)))
    version = processed(samples.pdf("Searchable"), ".pdf")
    assert refreshed == [[version.asset_id]]


def test_the_redrive_queues_versions_pending_for_minutes_and_not_fresh_ones(clock, django_capture_on_commit_callbacks):
    stuck = pending_version(samples.pdf("Lost task"), ".pdf")
    clock.shift(dt.timedelta(minutes=11))
    fresh = pending_version(samples.pdf("Just uploaded"), ".pdf")
    assert processing.version_pending_ids(older_than=dt.timedelta(minutes=10)) == [stuck.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert version_process_redrive_task() == 1  # tasks run inline in tests: it is processed on commit
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.text_status, fresh.text_status) == (DONE, PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        assert version_process_redrive_task() == 0


def test_a_version_pending_for_a_day_is_given_up_with_the_reason(clock):
    version = pending_version(samples.pdf("Kills every worker"), ".pdf")
    clock.shift(dt.timedelta(days=1, minutes=1))
    assert processing.version_pending_ids(older_than=dt.timedelta(minutes=10)) == []
    assert processing.version_process_give_up() == 1
    version.refresh_from_db()
    assert (version.text_status, version.preview_status) == (NONE, NONE)
    assert version.text_note.startswith("Processing did not finish within a day")
    assert not EmailMessage.objects.exists()


def test_the_task_retries_when_the_database_is_away(monkeypatch):
    from django.db import OperationalError

    version = pending_version(samples.pdf("Failover"), ".pdf")
    calls = []
    real = processing.version_process

    def database_away_once(*, version_id):
        calls.append(version_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(version_id=version_id)

    monkeypatch.setattr(processing, "version_process", database_away_once)
    assert version_process_task.apply(args=[version.pk]).get() is True
    assert calls == [version.pk, version.pk]
    version.refresh_from_db()
    assert version.text_status == DONE


def test_a_file_that_takes_too_long_is_none_with_the_reason_not_retried_for_ever(monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    def endless(*args):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(processing, "version_text", endless)
    version = processed(samples.pdf("A 900-page catalogue"), ".pdf")
    assert (version.text_status, version.preview_status) == (NONE, NONE)
    assert version.text_note == "Reading the file took longer than the time allowed."
