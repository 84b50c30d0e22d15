"""Uploaded files, checked by what they contain rather than what they are called: the one checker every upload uses.

A file is read once, in chunks, for its SHA-256 and size; its first bytes (and, for a ZIP, its table of contents)
say what it is. Only the kinds a caller allows pass. The stored name is generated; the user's name is kept only as
a cleaned display label.
"""

import hashlib
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

import puremagic
from django.conf import settings

from apps.core.exceptions import ApplicationError

PDF, OFFICE, IMAGE, TEXT, VIDEO = "pdf", "office", "image", "text", "video"
DOCUMENTS = frozenset({PDF, OFFICE, IMAGE, TEXT})
KIND_LABELS = {PDF: "PDF", OFFICE: "Office documents", IMAGE: "images", TEXT: "plain text", VIDEO: "MP4 video"}

HEAD_BYTES = 8192
_OPENXML = "application/vnd.openxmlformats-officedocument."
_OOXML = {  # the main part's content type in [Content_Types].xml -> extension and MIME type
    "wordprocessingml.document.main": (".docx", f"{_OPENXML}wordprocessingml.document"),
    "spreadsheetml.sheet.main": (".xlsx", f"{_OPENXML}spreadsheetml.sheet"),
    "presentationml.presentation.main": (".pptx", f"{_OPENXML}presentationml.presentation"),
}
_LEGACY_OFFICE = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
_IMAGES = [  # (signature test, extension, MIME type)
    (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), ".png", "image/png"),
    (lambda head: head.startswith(b"\xff\xd8\xff"), ".jpg", "image/jpeg"),
    (lambda head: head[:6] in (b"GIF87a", b"GIF89a"), ".gif", "image/gif"),
    (lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", ".webp", "image/webp"),
]
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"MSNV"}
_EXECUTABLES = [
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable (ELF)"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable"),
    (b"\xce\xfa\xed\xfe", "a macOS executable"),
    (b"\xca\xfe\xba\xbe", "a macOS executable or Java class"),
]


@dataclass(frozen=True)
class CheckedFile:
    """What an upload turned out to be: its kind and type by content, checksum, size and the names to use."""

    kind: str
    mime_type: str
    extension: str
    sha256: str
    size: int
    display_name: str

    def stored_name(self) -> str:
        """A name of ours for storage: nothing of the user's name reaches a path."""
        return f"{uuid.uuid4().hex}{self.extension}"


def max_upload_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def human_size(size: int) -> str:
    """10485760 -> '10 MB', 2048 -> '2 KB', 10 -> '10 bytes'."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def check_upload(upload, *, allowed=DOCUMENTS, max_bytes: int | None = None, field: str = "file") -> CheckedFile:
    """Read `upload` (a Django UploadedFile) once and return what it is, or refuse it naming why."""
    max_bytes = max_upload_bytes() if max_bytes is None else max_bytes
    if upload.size is not None and upload.size > max_bytes:
        raise ApplicationError(f"A file may be at most {human_size(max_bytes)}.", field=field, code="too_large")
    digest, size, head = hashlib.sha256(), 0, b""
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise ApplicationError(f"A file may be at most {human_size(max_bytes)}.", field=field, code="too_large")
        digest.update(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
    if size == 0:
        raise ApplicationError("The file is empty.", field=field, code="empty")
    upload.seek(0)
    kind, extension, mime_type = _detect(head, upload, display_extension(upload.name))
    upload.seek(0)
    if kind not in allowed:
        accepted = ", ".join(KIND_LABELS[k] for k in sorted(allowed, key=list(KIND_LABELS).index))
        raise ApplicationError(
            f"This file is {_describe(kind, head)}; only {accepted} are accepted.", field=field, code="file_type"
        )
    return CheckedFile(kind, mime_type, extension, digest.hexdigest(), size, clean_display_name(upload.name, extension))


def _detect(head: bytes, upload, name_extension: str) -> tuple[str | None, str, str]:
    if head.startswith(b"%PDF-"):
        return PDF, ".pdf", "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _office_open_xml(upload)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # An OLE2 container does not say cheaply which program wrote it; the name's extension must agree.
        if name_extension in _LEGACY_OFFICE:
            return OFFICE, name_extension, _LEGACY_OFFICE[name_extension]
        return None, "", ""
    for test, extension, mime_type in _IMAGES:
        if test(head):
            return IMAGE, extension, mime_type
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return VIDEO, ".mp4", "video/mp4"
    text = _text_kind(head)
    if text == TEXT:
        return TEXT, ".csv" if name_extension == ".csv" else ".txt", "text/plain"
    return text, "", ""


def _office_open_xml(upload) -> tuple[str | None, str, str]:
    """A ZIP is an Office document only if its [Content_Types].xml names a document, sheet or presentation."""
    try:
        with zipfile.ZipFile(upload.file) as archive:
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return "zip", "", ""
    if "macroEnabled" in types:
        return "macro", "", ""
    for part, (extension, mime_type) in _OOXML.items():
        if part in types:
            return OFFICE, extension, mime_type
    return "zip", "", ""


def _text_kind(head: bytes) -> str | None:
    """TEXT for plain text, "markup" for HTML, SVG or XML (which can carry script), None for binary."""
    sample = head.removeprefix(b"\xef\xbb\xbf")
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 3:  # only a character cut at the sample's end is forgiven
            return None
        text = sample[: error.start].decode("utf-8")
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text):
        return None
    return "markup" if text.lstrip().startswith("<") else TEXT


def _describe(kind: str | None, head: bytes) -> str:
    if kind in KIND_LABELS:
        return {PDF: "a PDF", OFFICE: "an Office document", IMAGE: "an image", TEXT: "plain text", VIDEO: "a video"}[
            kind
        ]
    if kind == "macro":
        return "a macro-enabled Office document"
    if kind == "zip":
        return "a ZIP archive"
    if kind == "markup":
        return "markup (HTML, SVG or XML), which can carry script"
    for signature, label in _EXECUTABLES:
        if head.startswith(signature):
            return label
    try:
        guess = puremagic.magic_string(head)[0]
    except (puremagic.PureError, IndexError, ValueError):
        return "of a type that cannot be recognised"
    return f"of another type ({guess.name})" if guess.confidence >= 0.5 else "of a type that cannot be recognised"


def display_extension(name: str | None) -> str:
    suffix = (name or "").rsplit(".", 1)
    return f".{suffix[1].lower()}" if len(suffix) == 2 else ""


def clean_display_name(name: str | None, extension: str, *, max_length: int = 200) -> str:
    """The user's file name as a label: no path, no control or layout characters, the detected extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")  # controls, bidi overrides, format chars
    base = re.sub(r"\s+", " ", base).strip(" .")
    stem = base[: -len(display_extension(base))] if display_extension(base) else base
    stem = (stem or "file")[: max_length - len(extension)].rstrip(" .") or "file"
    return f"{stem}{extension}"
