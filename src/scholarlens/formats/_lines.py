"""Reading large record dumps line by line: gzip-aware, with line numbers and byte offsets.

Dumps (arXiv snapshot, OpenAlex, Semantic Scholar datasets, OpenReview archives) are JSON
lines, often gzipped. They are never loaded whole: :func:`iter_lines` yields one line at a
time with its 1-based number and the offset just past it, so an interrupted ingest can seek
back (plain files) or skip forward (gzip) to where it stopped.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..errors import InputError, ParseError
from ._io import decode_bytes

GZIP_MAGIC = b"\x1f\x8b"
#: Bytes of decompressed text handed to the format sniffers.
PEEK_BYTES = 64 * 1024


def is_gzip(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def open_binary(path: str | Path) -> IO[bytes]:
    """The file's (decompressed) bytes as a stream."""
    try:
        return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")  # type: ignore[return-value]  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def peek_text(path: str | Path, limit: int = PEEK_BYTES) -> str:
    """The first ``limit`` decompressed bytes as text (cut at a line end), for sniffing."""
    fh = open_binary(path)
    try:
        data = fh.read(limit)
    except (EOFError, OSError, zlib.error) as exc:
        raise ParseError(f"corrupt or truncated gzip ({exc})", source=str(path), line=1, expected="a complete gzip stream") from exc
    finally:
        fh.close()
    if len(data) == limit and b"\n" in data:
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
    fh = open_binary(path)
    line_no = 0
    offset = 0
    try:
        if start_line and not gz and start_offset:
            fh.seek(start_offset)
            line_no, offset = start_line, start_offset
        try:
            for raw in fh:
                line_no += 1
                offset += len(raw)
                if line_no <= start_line:
                    continue
                yield line_no, offset, raw
        except (EOFError, OSError, zlib.error) as exc:
            raise ParseError(
                f"corrupt or truncated gzip after {line_no} complete lines ({exc})",
                source=str(path),
                line=line_no + 1,
                expected="a complete gzip stream",
            ) from exc
    finally:
        fh.close()
