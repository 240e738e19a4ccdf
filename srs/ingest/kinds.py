"""Files that are not miss logs srs can read, told apart by their bytes, not their names.

An Excel 97-2003 workbook or an Apple Numbers file gets one line saying what it is and
how to save it as .xlsx or CSV; an image, a PDF or any other binary file is "not a text
file or workbook", rather than advice about text encodings it does not need.
"""

from __future__ import annotations

import codecs
import os
import re

from srs.errors import InputError

SAVE_FROM_EXCEL = "in Excel: File > Save As > Excel Workbook (.xlsx), or CSV UTF-8"
SAVE_FROM_NUMBERS = "in Numbers: File > Export To > Excel (.xlsx) or CSV"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 files (and encrypted .xlsx)
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"\x00\x00\x01\x00", "an icon"),
)
_FTYP_BRANDS = {  # ISO media files: 'ftyp' at byte 4, then the brand
    b"heic": "a HEIC image", b"heix": "a HEIC image", b"hevc": "a HEIC image", b"heim": "a HEIC image",
    b"heis": "a HEIC image", b"mif1": "a HEIC image", b"msf1": "a HEIC image", b"avif": "an AVIF image",
    b"isom": "a video", b"mp41": "a video", b"mp42": "a video", b"qt  ": "a video", b"M4V ": "a video",
    b"M4A ": "an audio file",
}  # fmt: skip
# Bytes that text never holds (tab, line feed, form feed, carriage return and escape aside).
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_BINARY_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\ufffd]")


def not_readable(kind: str, name: str) -> InputError:
    return InputError(f"not a text file or workbook ({kind}); srs reads CSV, TSV, JSON, .xlsx or a pasted table",
                      file=name)  # fmt: skip


def xls_error(name: str) -> InputError:
    return InputError(
        "this is an Excel 97-2003 workbook (.xls), which srs does not read; save it as .xlsx or CSV "
        f"({SAVE_FROM_EXCEL})",
        file=name,
    )


def numbers_error(name: str) -> InputError:
    return InputError(
        f"this is an Apple Numbers spreadsheet (.numbers), which srs does not read; export it as .xlsx or CSV "
        f"({SAVE_FROM_NUMBERS})",
        file=name,
    )


def check_binary(head: bytes, name: str) -> None:
    """Refuse a file whose first bytes are no text: a known kind by its signature, else by
    how many of its bytes text never holds. UTF-16 text (NUL in every other byte) is text."""
    if head.startswith(OLE2):
        raise _ole2_error(head, name)
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            raise not_readable(kind, name)
    if head[4:8] == b"ftyp" and head[8:12] in _FTYP_BRANDS:
        raise not_readable(_FTYP_BRANDS[head[8:12]], name)
    if head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        raise not_readable({b"WEBP": "a WebP image", b"WAVE": "an audio file"}.get(head[8:12], "a video"), name)
    if _looks_binary(head):
        raise not_readable("a binary file", name)


def _looks_binary(head: bytes) -> bool:
    if not head:
        return False
    utf16 = utf16_encoding(head)
    if utf16 is not None:
        text = head.decode(utf16, errors="replace")
        return len(_BINARY_CHARS.findall(text)) > len(text) // 10
    controls = sum(head.count(b) for b in _BINARY_BYTES)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        # not UTF-8 either: Windows-1252 text never holds NUL, and hardly any control bytes
        return b"\x00" in head or controls > len(head) // 20
    return controls > len(head) * 3 // 10  # valid UTF-8: only a mostly-control file is binary


def check_text(sample: str, name: str) -> None:
    """Refuse text that is a document rather than a table: a web page, an Excel 2003 XML file."""
    start = sample.lstrip("\ufeff \t\r\n")[:512].lower()
    if start.startswith("<?xml") and "urn:schemas-microsoft-com:office:spreadsheet" in sample[:4096]:
        raise InputError(
            "this is an Excel 2003 XML spreadsheet, which srs does not read; save it as .xlsx or CSV "
            f"({SAVE_FROM_EXCEL})",
            file=name,
        )
    if start.startswith(("<!doctype html", "<html", "<table")):
        raise InputError(
            "this is a web page (HTML), not a table file; open it in Excel or Numbers and save it as .xlsx "
            "or CSV, or copy the table from the browser and paste it (srs import -)",
            file=name,
        )


def utf16_encoding(head: bytes) -> str | None:
    """The UTF-16 form of these first bytes (BOM, or NUL in every other byte), or None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    return None


def _ole2_error(head: bytes, name: str) -> InputError:
    """Office 97-2003 files share one container; its stream names tell them apart."""
    if "EncryptedPackage".encode("utf-16-le") in head:
        return InputError(
            "this workbook is encrypted (password-protected), so srs cannot read it; save a copy without "
            f"the password as .xlsx or CSV ({SAVE_FROM_EXCEL})",
            file=name,
        )
    if "WordDocument".encode("utf-16-le") in head:
        return not_readable("a Word 97-2003 document", name)
    if "PowerPoint Document".encode("utf-16-le") in head:
        return not_readable("a PowerPoint 97-2003 presentation", name)
    return xls_error(name)


def zip_error(names: list[str], read: object, name: str) -> InputError | None:
    """What a zip that is not an .xlsx workbook is (None when it has a workbook in it).

    `read(member)` gives a member's first bytes."""
    if "xl/workbook.xml" in names or any(n.lower().endswith("workbook.xml") for n in names):
        return None
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in names) or "Index.zip" in names:
        return numbers_error(name)
    if "mimetype" in names:
        mimetype = read("mimetype")  # type: ignore[operator]
        if b"opendocument.spreadsheet" in mimetype:
            return InputError(
                "this is an OpenDocument spreadsheet (.ods), which srs does not read; save it as .xlsx or CSV "
                "(File > Save As, then Excel 2007-365 or Text CSV)",
                file=name,
            )
    if "word/document.xml" in names:
        return not_readable("a Word document", name)
    if "ppt/presentation.xml" in names:
        return not_readable("a PowerPoint presentation", name)
    return not_readable("a zip archive with no workbook in it", name)


def folder_error(path: str) -> InputError:
    """A folder given as the file: Numbers saves some spreadsheets as a folder (a package)."""
    is_numbers = path.rstrip("/\\").lower().endswith(".numbers") or any(
        os.path.exists(os.path.join(path, part)) for part in ("Index.zip", os.path.join("Index", "Document.iwa"))
    )
    if is_numbers:
        return numbers_error(path)
    return InputError("this is a folder, not a file; give the miss log file inside it", file=path)
