"""A streaming multipart/form-data parser for the upload routes (documents, GGUF models).

Each file part is handed to a sink as its bytes arrive: no copy is spooled to the system
temp dir (Starlette's `request.form()` would write a multi-GB model there first), nothing
is written twice, and a sink that refuses (too large, not a model, disk full) stops the
upload at once. Fields other than the file field are counted and dropped.
"""

from __future__ import annotations

from typing import Protocol

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from backend.errors import Invalid

MAX_FIELDS = 100


class PartWriter(Protocol):
    def write(self, block: bytes) -> None: ...
    def finish(self) -> None: ...


class FileSink(Protocol):
    """Where the files of one request go: `open` one per file part; `discard` on failure
    removes everything written so far."""

    def open(self, filename: str) -> PartWriter: ...
    def discard(self) -> None: ...


async def receive_files(request: Request, sink: FileSink, *, field: str, max_files: int) -> int:
    """Stream the request's file parts of `field` into `sink`; the number of files."""
    parser = _FilePartParser(sink, request.headers.get("content-type", ""), field, max_files)
    try:
        async for chunk in request.stream():
            if chunk:
                await run_in_threadpool(parser.feed, chunk)
        parser.finish()
    except BaseException:  # too large, malformed, refused or the client went away
        await run_in_threadpool(sink.discard)
        raise
    return parser.files


class _FilePartParser:
    def __init__(self, sink: FileSink, content_type: str, field: str, max_files: int) -> None:
        kind, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise Invalid(
                f"Send the files as multipart/form-data in the field '{field}'.",
                code="invalid_upload",
            )
        self.sink, self.field, self.max_files = sink, field, max_files
        self.files = 0
        self._writer: PartWriter | None = None
        self._parts = 0
        self._header_name = self._header_value = self._disposition = b""
        try:
            self._parser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._part_begin,
                    "on_header_field": self._header_field,
                    "on_header_value": self._header_value_part,
                    "on_header_end": self._header_end,
                    "on_headers_finished": self._headers_finished,
                    "on_part_data": self._part_data,
                    "on_part_end": self._part_end,
                },
            )
        except FormParserError as error:
            raise _malformed() from error

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except FormParserError as error:
            raise _malformed() from error

    def finish(self) -> None:
        try:
            self._parser.finalize()
        except FormParserError as error:
            raise _malformed() from error
        if self._writer is not None:
            raise _malformed()
        if not self.files:
            raise Invalid(
                f"No files were sent (the multipart field is '{self.field}').", code="no_files"
            )

    # -- parser callbacks ----------------------------------------------------------------------
    def _part_begin(self) -> None:
        self._disposition = b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        self._parts += 1
        if self._parts > self.max_files + MAX_FIELDS:
            raise Invalid("Too many parts in one upload.", code="invalid_upload")
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") != self.field.encode() or b"filename" not in options:
            return
        if self.files >= self.max_files:
            raise Invalid(
                f"Too many files in one upload (at most {self.max_files}).", code="too_many_files"
            )
        self.files += 1
        self._writer = self.sink.open(options[b"filename"].decode("utf-8", errors="replace"))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._writer is not None:
            self._writer.write(data[start:end])

    def _part_end(self) -> None:
        if self._writer is not None:
            self._writer.finish()
            self._writer = None


def _malformed() -> Invalid:
    return Invalid("The multipart body is malformed or incomplete.", code="invalid_upload")
