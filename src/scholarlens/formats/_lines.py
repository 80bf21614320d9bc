"""Reading large record dumps line by line: gzip-aware, with line numbers and byte offsets.

Dumps (arXiv snapshot, OpenAlex, Semantic Scholar datasets, OpenReview archives) are JSON
lines, often gzipped. They are never loaded whole: :func:`iter_lines` yields one line at a
time with its 1-based number and the offset just past it, so an interrupted ingest can seek
back (plain files) or skip forward (gzip) to where it stopped. A line longer than
``max_record_bytes`` and a gzip stream past ``max_decompressed_bytes`` (or an absurd
compression ratio) fail with a :class:`ParseError` naming the limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError, ParseError
from . import _records
from ._io import GZIP_MAGIC, decode_bytes, is_gzip, limit, open_binary, over_limit

__all__ = ["GZIP_MAGIC", "PEEK_BYTES", "file_sha256", "is_gzip", "iter_lines", "open_binary", "peek_text"]

#: Bytes read first for sniffing; more are read until the first record is whole.
PEEK_BYTES = 64 * 1024


def _head_complete(data: bytes, eof: bool) -> bool:
    """Whether ``data`` holds the first record whole: a complete first line, and for a JSON
    document spread over lines, its first record."""
    if eof:
        return True
    text = data.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if "\n" not in text:
        return False
    if text[:1] in "[{":
        lay = _records.layout(text)
        return lay is not None and lay.first is not None
    return True


def peek_text(path: str | Path, limit_bytes: int = PEEK_BYTES) -> str:
    """The head of a file (decompressed) as text, for sniffing: at least ``limit_bytes``, and
    always the whole first record (a 10 MB first line is read whole, up to ``max_record_bytes``)."""
    cap = limit("max_record_bytes")
    fh = open_binary(path)
    try:
        data = fh.read(limit_bytes)
        eof = len(data) < limit_bytes
        want = limit_bytes
        while not _head_complete(data, eof):
            if len(data) > cap:
                raise over_limit("max_record_bytes", "first record", str(path), line=1)
            more = fh.read(want)
            eof = len(more) < want
            data += more
            want *= 2
    finally:
        fh.close()
    if not eof and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    try:
        return decode_bytes(data, str(path))
    except InputError:
        return data.decode("utf-8", errors="replace")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes as stored (compressed bytes for gzip), read in chunks."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    return h.hexdigest()


def iter_lines(path: str | Path, start_line: int = 0, start_offset: int = 0) -> Iterator[tuple[int, int, bytes]]:
    """``(line_no, offset_after, raw_line)`` for each line after ``start_line``.

    ``start_offset`` (the decompressed byte offset just past line ``start_line``) lets plain
    files seek straight there; gzip files are decompressed and the lines skipped. A truncated
    or corrupt gzip raises :class:`ParseError` naming the line where the data stopped.
    """
    gz = is_gzip(path)
    cap = limit("max_record_bytes")
    fh = open_binary(path)
    line_no = 0
    offset = 0
    try:
        if start_line and not gz and start_offset:
            fh.seek(start_offset)  # type: ignore[union-attr]
            line_no, offset = start_line, start_offset
        while True:
            try:
                raw = fh.readline(cap + 1)
            except ParseError as exc:
                if exc.expected == "a complete gzip stream":
                    exc.message = f"corrupt or truncated gzip after {line_no} complete lines ({exc.message})"
                    exc.line = line_no + 1
                raise
            if not raw:
                return
            line_no += 1
            if len(raw) > cap and not raw.endswith(b"\n"):
                raise over_limit("max_record_bytes", "line", str(path), line=line_no)
            offset += len(raw)
            if line_no <= start_line:
                continue
            yield line_no, offset, raw
    finally:
        fh.close()
