"""Real small files made in memory (PDF, DOCX, PPTX, XLSX, PNG, text), for the tests and the demo library.

Each is a file the real readers open: a PDF with a text content stream in a standard font (pypdf reads its
text, pdfium draws it), Office files written by python-docx, python-pptx and openpyxl, a PNG by Pillow. Also
two PDFs that must not be read: one encrypted with a user password, one broken.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

PDF_PAGE_WIDTH, PDF_PAGE_HEIGHT = 612, 792  # US Letter, in points


def pdf(*pages: str, title: str = "") -> bytes:
    """A PDF with one page per argument, each line of the text drawn in Helvetica (title larger, on page 1)."""
    pages = pages or ("",)
    objects: list[bytes] = []  # object n+1 is objects[n]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the pages object exists
    pages_ref = add(b"")
    regular = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
    kids = []
    for number, text in enumerate(pages, start=1):
        stream = _pdf_text_stream(text, title=title if number == 1 else "")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                % (pages_ref, PDF_PAGE_WIDTH, PDF_PAGE_HEIGHT, content, regular, bold)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_ref
    objects[pages_ref - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref))
    return out.getvalue()


def _pdf_text_stream(text: str, *, title: str) -> bytes:
    lines = [b"BT", b"72 %d Td" % (PDF_PAGE_HEIGHT - 90)]
    if title:
        lines += [b"/F2 22 Tf", b"(%s) Tj" % _pdf_string(title), b"0 -36 Td"]
    lines += [b"/F1 12 Tf", b"16 TL"]
    for line in text.splitlines() or [""]:
        lines.append(b"(%s) Tj T*" % _pdf_string(line))
    lines.append(b"ET")
    return b"\n".join(lines)


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def encrypted_pdf(text: str = "Confidential price list", *, password: str = "s3cret") -> bytes:
    """A PDF only its user password opens (RC4, which pypdf writes without extra dependencies)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf(text))))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def broken_pdf() -> bytes:
    """Starts like a PDF (so the upload check takes it) and holds no readable object, cross-reference or trailer."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8 + b"\n"


def docx(title: str, *paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pptx(*slides: tuple[str, str]) -> bytes:
    """One slide per (title, body) pair, in the default template's title-and-content layout."""
    from pptx import Presentation

    presentation = Presentation()
    layout = presentation.slide_layouts[1]
    for title, body in slides:
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def xlsx(rows: list[list], *, sheet: str = "Sheet1") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def png(label: str = "", *, size: tuple[int, int] = (640, 360), colour: str = "#1f5fa8") -> bytes:
    """A coloured card with a label, as a cover image or a screenshot would be."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([16, 16, size[0] - 17, size[1] - 17], outline="white", width=3)
    if label:
        draw.text((40, size[1] // 2 - 10), label, fill="white", font_size=max(12, size[1] // 12))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def text(body: str) -> bytes:
    return body.encode("utf-8")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    """`content` as a browser would post it, under the user's file name `name`."""
    return SimpleUploadedFile(name, content)
