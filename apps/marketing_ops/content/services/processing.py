"""Background work on an uploaded version: its text (for search) and a preview image, each done once or "none" with why.

The file is read outside any transaction: a big PDF must hold neither a row lock nor, on SQLite, the database while
it is parsed. The results are written under the version's lock, and only where still pending, so two runs at once
(a redelivered task, the re-drive) cost some work and write once; the loser deletes the preview it stored. A file
that cannot be read (broken, encrypted, a zip bomb) is a result, "none" with the reason, never an exception: a
version without text or preview can still be reviewed and published. Only the database or the storage being away
raises, and the task retries; a version still pending later is re-driven, and given up after a day.
"""

import contextlib
import datetime as dt
import itertools
import logging
import os
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core import files
from apps.marketing_ops.content import search
from apps.marketing_ops.content.models import AssetVersion, ProcessingStatus

logger = logging.getLogger(__name__)

PENDING, DONE, NONE = ProcessingStatus.PENDING, ProcessingStatus.DONE, ProcessingStatus.NONE
NOTE_MAX = AssetVersion._meta.get_field("text_note").max_length

PREVIEW_MAX_WIDTH, PREVIEW_MAX_HEIGHT = 800, 1200  # pixels: the library's thumbnails and the asset page's preview
IMAGE_MAX_PIXELS = 60_000_000  # a larger image is not decoded for a preview (a decompression bomb, or a poster)
OFFICE_MAX_UNPACKED = 300 * 1024 * 1024  # an Office file that unpacks to more is a zip bomb, not a deck
GIVE_UP_AFTER = dt.timedelta(days=1)  # a version still pending this long after its upload is marked "none"

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Outcome:
    """What one step (text or preview) found: its status, why, and the text or the PNG's bytes."""

    status: str
    note: str = ""
    text: str = ""
    png: bytes = b""


class _Unreadable(Exception):
    """A file this step cannot read, for a reason a person can act on (the message says it)."""


def version_process(*, version_id: int) -> bool:
    """Extract the text and render the preview of a version, whichever is still pending. True if this call
    recorded anything; False when there was nothing left to do (done before, or by a run alongside)."""
    version = AssetVersion.objects.filter(pk=version_id).first()
    if version is None or PENDING not in (version.text_status, version.preview_status):
        return False
    text = preview = None
    try:
        with _local_copy(version) as path:
            if version.text_status == PENDING:
                text = version_text(version.file_kind, version.mime_type, path)
            if version.preview_status == PENDING:
                preview = version_preview(version.file_kind, path)
    except FileNotFoundError:
        missing = Outcome(NONE, "The file is missing from storage.")
        text, preview = missing, missing
    except SoftTimeLimitExceeded:
        # A file that takes this long would take it again on every retry: say so instead of trying for ever.
        slow = Outcome(NONE, "Reading the file took longer than the time allowed.")
        text, preview = text or slow, preview or slow
    if version.text_status != PENDING:
        text = None
    if version.preview_status != PENDING:
        preview = None
    return _record(version, text, preview)


# --- writing the results ------------------------------------------------------------------------------------------


def _record(version: AssetVersion, text: Outcome | None, preview: Outcome | None) -> bool:
    """Write what is still pending under the version's lock; the preview file is stored first, and deleted again
    when the write does not take it."""
    storage = AssetVersion._meta.get_field("preview").storage
    stored = ""
    if preview is not None and preview.png:
        name = AssetVersion._meta.get_field("preview").generate_filename(version, f"{uuid.uuid4().hex}.png")
        stored = storage.save(name, ContentFile(preview.png))
    took_preview = False
    try:
        with transaction.atomic():
            locked = AssetVersion.objects.select_for_update().filter(pk=version.pk).first()
            if locked is None:
                return False
            fields = []
            if text is not None and locked.text_status == PENDING:
                locked.text, locked.text_status, locked.text_note = text.text, text.status, text.note[:NOTE_MAX]
                fields += ["text", "text_status", "text_note"]
            if preview is not None and locked.preview_status == PENDING:
                locked.preview.name = stored
                locked.preview_status, locked.preview_note = preview.status, preview.note[:NOTE_MAX]
                fields += ["preview", "preview_status", "preview_note"]
                took_preview = True
            if fields:
                locked.save(update_fields=fields)
            if "text" in fields and locked.text:
                search.asset_search_refresh([locked.asset_id])
            return bool(fields)
    finally:
        if stored and not took_preview:
            storage.delete(stored)


@contextlib.contextmanager
def _local_copy(version: AssetVersion) -> Iterator[str | None]:
    """The file as a path on local disk, streamed from storage (S3 or not) in chunks; None for kinds not read."""
    if version.file_kind not in (files.PDF, files.OFFICE, files.TEXT, files.IMAGE):
        yield None
        return
    suffix = os.path.splitext(version.file.name)[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as local:
        with version.file.storage.open(version.file.name, "rb") as source:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                local.write(chunk)
        local.flush()
        yield local.name


def _readable(step):
    """Turn every way a file can fail to read into an Outcome "none" with the reason, never an exception."""

    def guarded(*args) -> Outcome:
        try:
            return step(*args)
        except SoftTimeLimitExceeded:
            raise
        except _Unreadable as reason:
            return Outcome(NONE, str(reason))
        except Exception as error:  # parsers raise anything on a broken file: that is a result, not a crash
            logger.info("content: %s failed on %s: %r", step.__name__, args[-1], error)
            detail = " ".join(str(error).split())[:120]
            return Outcome(
                NONE, f"The file could not be read: damaged or incomplete? ({type(error).__name__}: {detail})"
            )

    return guarded


# --- text ---------------------------------------------------------------------------------------------------------


@_readable
def version_text(kind: str, mime_type: str, path: str | None) -> Outcome:
    """The text of a file for search, within the settings' limits (characters, pages), or "none" with why."""
    if kind == files.PDF:
        return _collect(*_pdf_text(path))
    if kind == files.OFFICE:
        reader = {_DOCX: _docx_text, _PPTX: _pptx_text, _XLSX: _xlsx_text}.get(mime_type)
        if reader is None:
            return Outcome(
                NONE, "Text is not read from old Office formats (.doc, .xls, .ppt): save as .docx, .xlsx, .pptx."
            )
        _not_a_zip_bomb(path)
        return _collect(*reader(path))
    if kind == files.TEXT:
        return _plain_text(path)
    if kind == files.IMAGE:
        return Outcome(NONE, "An image has no text to extract.")
    if kind == files.VIDEO:
        return Outcome(NONE, "A video has no text to extract.")
    return Outcome(NONE, f"No text is read from files of this kind ({kind or 'unknown'}).")


def _collect(pieces: Iterable[str], cut_note: str = "") -> Outcome:
    """Join the pieces until the character limit; NUL characters go (PostgreSQL text cannot hold them)."""
    limit = settings.CONTENT_TEXT_MAX_CHARS
    kept, size = [], 0
    for piece in pieces:
        piece = (piece or "").replace("\x00", "").strip()
        if not piece:
            continue
        if size + len(piece) >= limit:
            kept.append(piece[: max(limit - size, 0)])
            cut_note = f"Only the first {limit:,} characters are kept for search."
            break
        kept.append(piece)
        size += len(piece) + 1
    text = "\n".join(kept).strip()
    if not text:
        return Outcome(NONE, "The file holds no text (a scan, or only pictures?).")
    return Outcome(DONE, cut_note, text=text)


def _page_cap(total: int, unit: str) -> tuple[int, str]:
    limit = settings.CONTENT_TEXT_MAX_PAGES
    if total > limit:
        return limit, f"Only the first {limit:,} of {total:,} {unit} are read for search."
    return total, ""


def _pdf_text(path: str) -> tuple[Iterator[str], str]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(path)
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")  # an owner password alone does not stop reading
        except DependencyError:
            opened = False
        if not opened:
            raise _Unreadable("The PDF is password-protected: its text cannot be read.")
    count, note = _page_cap(len(reader.pages), "pages")
    return (page.extract_text() for page in itertools.islice(reader.pages, count)), note


def _docx_text(path: str) -> tuple[Iterator[str], str]:
    from docx import Document

    document = Document(path)

    def pieces():
        for paragraph in document.paragraphs:
            yield paragraph.text
        for table in document.tables:
            for row in table.rows:
                yield " | ".join(cell.text for cell in row.cells)

    return pieces(), ""


def _pptx_text(path: str) -> tuple[Iterator[str], str]:
    from pptx import Presentation

    presentation = Presentation(path)
    count, note = _page_cap(len(presentation.slides), "slides")

    def pieces():
        for slide in itertools.islice(presentation.slides, count):
            for shape in slide.shapes:
                if shape.has_text_frame:
                    yield shape.text_frame.text
                elif getattr(shape, "has_table", False) and shape.has_table:
                    for row in shape.table.rows:
                        yield " | ".join(cell.text for cell in row.cells)
            if slide.has_notes_slide:
                yield slide.notes_slide.notes_text_frame.text

    return pieces(), note


def _xlsx_text(path: str) -> tuple[Iterator[str], str]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count, note = _page_cap(len(workbook.worksheets), "sheets")

    def pieces():
        try:
            for sheet in workbook.worksheets[:count]:
                yield sheet.title
                for row in sheet.iter_rows(values_only=True):
                    yield "\t".join(str(value) for value in row if value is not None)
        finally:
            workbook.close()  # read-only workbooks keep the file open

    return pieces(), note


def _plain_text(path: str) -> Outcome:
    limit = settings.CONTENT_TEXT_MAX_CHARS
    with open(path, "rb") as source:
        raw = source.read(limit * 4 + 4)  # UTF-8 takes at most 4 bytes a character
    try:
        text, note = raw.decode("utf-8-sig"), ""
    except UnicodeDecodeError as error:
        if error.start >= len(raw) - 3 and len(raw) > limit * 4:  # a character cut by the read's end
            text, note = raw[: error.start].decode("utf-8-sig"), ""
        else:
            text, note = raw.decode("utf-8-sig", "replace"), "Not all of it is UTF-8: unreadable bytes were replaced."
    outcome = _collect([text])
    return Outcome(outcome.status, outcome.note or note, text=outcome.text)


def _not_a_zip_bomb(path: str) -> None:
    with zipfile.ZipFile(path) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > OFFICE_MAX_UNPACKED:
        raise _Unreadable(f"The document unpacks to {files.human_size(unpacked)}, more than is read for search.")


# --- preview ------------------------------------------------------------------------------------------------------


@_readable
def version_preview(kind: str, path: str | None) -> Outcome:
    """A PNG of a PDF's first page or of the image itself, at most PREVIEW_MAX_WIDTH wide; or "none" with why."""
    if kind == files.PDF:
        return _png(_pdf_first_page(path))
    if kind == files.IMAGE:
        return _png(_image(path))
    if kind == files.OFFICE:
        return Outcome(NONE, "No preview is made of Office documents: download the file to see it.")
    if kind == files.TEXT:
        return Outcome(NONE, "No preview is made of plain text: download the file to read it.")
    if kind == files.VIDEO:
        return Outcome(NONE, "No preview is made of videos.")
    return Outcome(NONE, f"No preview is made of files of this kind ({kind or 'unknown'}).")


def _pdf_first_page(path: str):
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise _Unreadable("The PDF is password-protected: no preview can be made.") from error
        raise
    try:
        if len(document) == 0:
            raise _Unreadable("The PDF has no pages.")
        page = document[0]
        width, height = page.get_size()
        scale = min(PREVIEW_MAX_WIDTH / max(width, 1), PREVIEW_MAX_HEIGHT / max(height, 1))
        return page.render(scale=scale).to_pil()
    finally:
        document.close()


def _image(path: str):
    from PIL import Image, ImageOps

    image = Image.open(path)
    if image.width * image.height > IMAGE_MAX_PIXELS:
        raise _Unreadable(f"The image is too large to preview ({image.width} × {image.height} pixels).")
    image.draft("RGB", (PREVIEW_MAX_WIDTH, PREVIEW_MAX_HEIGHT))  # JPEG: decode at a reduced size
    image = ImageOps.exif_transpose(image)
    image.thumbnail((PREVIEW_MAX_WIDTH, PREVIEW_MAX_HEIGHT))
    return image


def _png(image) -> Outcome:
    import io

    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "transparency" in image.info or image.mode == "P" else "RGB")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Outcome(DONE, png=out.getvalue())


# --- the re-drive and giving up -----------------------------------------------------------------------------------


def version_pending_ids(*, older_than: dt.timedelta, limit: int = 200) -> list[int]:
    """Versions still waiting for text or preview this long after their upload (their task was lost, or died),
    and younger than a day (older ones are given up by the daily sweep): the periodic re-drive enqueues them."""
    now = timezone.now()
    return list(
        AssetVersion.objects.filter(Q(text_status=PENDING) | Q(preview_status=PENDING))
        .filter(uploaded_at__lte=now - older_than, uploaded_at__gt=now - GIVE_UP_AFTER)
        .order_by("uploaded_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def version_process_give_up() -> int:
    """Mark "none" what is still pending a day after its upload (a file that kills every worker that opens it,
    say), so that the version says why it has no text or preview instead of "waiting" for ever."""
    cutoff = timezone.now() - GIVE_UP_AFTER
    note = "Processing did not finish within a day of the upload; upload the file again to retry."
    old = AssetVersion.objects.filter(uploaded_at__lte=cutoff)
    texts = old.filter(text_status=PENDING).update(text_status=NONE, text_note=note)
    previews = old.filter(preview_status=PENDING).update(preview_status=NONE, preview_note=note)
    return max(texts, previews)
