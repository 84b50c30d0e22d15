"""The upload checker: types by content, not by name; size; checksum; cleaned names."""

import hashlib

import pytest

from apps.core import files
from apps.core.exceptions import ApplicationError
from tests import samples


def refusal(name, content, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        files.check_upload(samples.upload(name, content), **kwargs)
    return caught.value


@pytest.mark.parametrize(
    ("name", "content", "kind", "extension"),
    [
        ("quote.pdf", samples.PDF, files.PDF, ".pdf"),
        ("redline.docx", samples.ooxml(), files.OFFICE, ".docx"),
        ("model.xlsx", samples.ooxml("spreadsheetml.sheet.main"), files.OFFICE, ".xlsx"),
        ("pitch.pptx", samples.ooxml("presentationml.presentation.main"), files.OFFICE, ".pptx"),
        ("shot.png", samples.PNG, files.IMAGE, ".png"),
        ("notes.txt", "Grüße, 10 % off\n".encode(), files.TEXT, ".txt"),
        ("prices.csv", b"sku,price\nA,10\n", files.TEXT, ".csv"),
    ],
)
def test_allowed_documents_are_recognised_by_their_content(name, content, kind, extension):
    checked = files.check_upload(samples.upload(name, content))
    assert (checked.kind, checked.extension, checked.size) == (kind, extension, len(content))


def test_the_checksum_is_the_sha256_of_the_whole_file():
    content = samples.PDF * 5000  # several chunks
    assert files.check_upload(samples.upload("q.pdf", content)).sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("quote.pdf", samples.WINDOWS_EXE, "a Windows executable"),
        ("redline.docx", samples.ELF, "a Linux executable (ELF)"),
        ("invoice.docx", samples.ooxml(macros=True), "a macro-enabled Office document"),
        ("deck.pptx", samples.plain_zip(), "a ZIP archive"),
        ("logo.png", b"<svg onload='alert(1)'/>", "markup (HTML, SVG or XML)"),
        ("page.txt", b"  <html><script>alert(1)</script></html>", "markup (HTML, SVG or XML)"),
        ("blob.pdf", bytes(range(256)) * 4, "cannot be recognised"),
    ],
)
def test_renamed_executables_archives_and_markup_are_refused_naming_what_they_are(name, content, says):
    error = refusal(name, content)
    assert (error.field, error.code) == ("file", "file_type")
    assert says in error.message and "only PDF, Office documents, images, plain text are accepted" in error.message


def test_a_kind_the_caller_does_not_allow_is_refused():
    error = refusal("demo.mp4", samples.MP4, allowed={files.PDF})
    assert error.code == "file_type" and "a video" in error.message and "only PDF are accepted" in error.message
    assert files.check_upload(samples.upload("demo.mp4", samples.MP4), allowed={files.VIDEO}).kind == files.VIDEO


def test_a_file_over_the_limit_is_refused_naming_the_limit():
    error = refusal("q.pdf", samples.PDF + b"x" * 2048, max_bytes=2048)
    assert (error.field, error.code, error.message) == ("file", "too_large", "A file may be at most 2 KB.")


def test_the_limit_is_a_setting(settings):
    settings.UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    error = refusal("q.pdf", samples.PDF + b"x" * (3 * 1024 * 1024))
    assert error.message == "A file may be at most 3 MB."


def test_an_empty_file_is_refused():
    assert refusal("q.pdf", b"").code == "empty"


def test_the_display_name_is_cleaned_and_carries_the_detected_extension():
    checked = files.check_upload(samples.upload("../../etc/\u202eevil\x00 name.PDF", samples.PDF))
    assert checked.display_name == "evil name.pdf"
    assert files.check_upload(samples.upload("notes.docx", b"just text")).display_name == "notes.txt"


def test_the_stored_name_is_generated():
    checked = files.check_upload(samples.upload("quote.pdf", samples.PDF))
    first, second = checked.stored_name(), checked.stored_name()
    assert first != second and first.endswith(".pdf") and "quote" not in first
