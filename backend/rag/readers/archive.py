"""Safety checks on an OOXML package (DOCX, PPTX, XLSX) before a parser opens it.

The package stays in memory. The parsers inflate members themselves, and zipfile stops
inflating a member at the size its header declares, so checking the declared sizes bounds
the work: a zip bomb is refused on its declared total or its compression ratio. XML
members must carry no DTD, so no entity can expand (billion laughs) or point outside.
"""

from __future__ import annotations

import io
import re
import zipfile

from .document import ReaderError

MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_MEMBERS = 10_000
MAX_RATIO = 100
# Small members compress well for honest reasons (repetitive styles.xml); judge big ones.
RATIO_MIN_BYTES = 4 * 1024 * 1024
# A DTD must come before the root element; a prolog longer than this is itself suspect.
MAX_PROLOG_BYTES = 64 * 1024
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ROOT_START = re.compile(r"<[A-Za-z_]")
_DTD = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)

UNSAFE_ARCHIVE_MESSAGE = (
    "This file unpacks to far more data than it holds (a zip bomb?); it was not read."
)
UNSAFE_XML_MESSAGE = "This file contains XML entity declarations, which are not allowed."


def open_package(data: bytes) -> io.BytesIO:
    """Check the package and return a fresh in-memory file for the parser."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(members)
            for member in members:
                if member.filename.lower().endswith(_XML_SUFFIXES):
                    _check_prolog(archive, member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise ReaderError(
            "parse_failed", f"This Office file is damaged and cannot be opened ({error})."
        ) from error
    return io.BytesIO(data)


def _check_sizes(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise ReaderError("unsafe_archive", "This file holds too many parts; it was not read.")
    total = 0
    for member in members:
        total += member.file_size
        if (
            member.file_size >= RATIO_MIN_BYTES
            and member.file_size > MAX_RATIO * max(member.compress_size, 1)
        ) or total > MAX_TOTAL_BYTES:
            raise ReaderError("unsafe_archive", UNSAFE_ARCHIVE_MESSAGE)


def _check_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    with archive.open(member) as stream:
        head = stream.read(MAX_PROLOG_BYTES)
    text = _decode_head(head)
    root = _ROOT_START.search(text)
    prolog = text[: root.start()] if root else text
    if _DTD.search(prolog):
        raise ReaderError("unsafe_xml", UNSAFE_XML_MESSAGE)
    if root is None and len(head) == MAX_PROLOG_BYTES:
        raise ReaderError("unsafe_xml", "This file contains malformed XML; it was not read.")


def _decode_head(head: bytes) -> str:
    # XML may be UTF-16 (with a BOM, or recognisable by its NULs); ASCII markup is all
    # that matters here, so undecodable bytes can be dropped.
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return head.decode("utf-16-le", errors="ignore")
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return head.decode("utf-16-be", errors="ignore")
    return head.decode("utf-8", errors="ignore")
