"""Reading user files: encodings, BOMs, line endings, gzip, and the size limits.

Every byte that reaches a parser passes through here, so the limits declared in
:mod:`scholarlens.settings` (``max_record_bytes``, ``max_file_bytes``,
``max_decompressed_bytes``, ``max_gzip_ratio``) are enforced here, each failure a
:class:`~scholarlens.errors.ParseError` that names the limit and its environment variable.
Gzip is decompressed as a stream with a running cap, never with ``gzip.decompress`` (a
1.5 MB bomb expands to gigabytes).
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import zlib
from pathlib import Path
from typing import IO

from .. import settings
from ..errors import InputError, ParseError

GZIP_MAGIC = b"\x1f\x8b"
#: Decompressed bytes below which the gzip ratio is not checked (small files compress well).
RATIO_FLOOR = 64 * 1024 * 1024
_CHUNK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def limit(name: str) -> int:
    """A size limit from the settings table (bytes, or a ratio); a bad value is an InputError."""
    raw = settings.get(name)
    try:
        value = int(str(raw).replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        env = next(s.env for s in settings.SETTINGS if s.name == name)
        raise InputError(f"{env}={raw!r} is not a positive whole number")
    return value


def over_limit(name: str, what: str, source: str, line: int | None = None) -> ParseError:
    """The error for an input over one of the limits, naming the setting that raises it."""
    env = next(s.env for s in settings.SETTINGS if s.name == name)
    return ParseError(
        f"{what} is over the {name} limit ({limit(name):,}; raise {env} to accept it)",
        source=source,
        line=line,
        expected=f"at most {limit(name):,} bytes" if name != "max_gzip_ratio" else "an ordinary compression ratio",
    )


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when a BOM-less head looks like UTF-16 text (NULs in every other byte)."""
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd >= 0.4 * half and even <= 0.05 * half:
        return "utf-16-le"
    if even >= 0.4 * half and odd <= 0.05 * half:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, source: str) -> str:
    """Decode text: a BOM (UTF-8/16/32) wins; BOM-less UTF-16 is recognised; then UTF-8, then
    cp1252 for legacy exports. Line endings become ``\\n``."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding is not None:
        data = data[len(next(b for b, e in _BOMS if e == encoding)) :]
    else:
        encoding = _utf16_without_bom(data)
    try:
        text = data.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        if encoding is not None and encoding != "utf-8":
            raise InputError(f"{source}: not valid {encoding} text ({exc.reason} at byte {exc.start})") from None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc2:
            raise InputError(f"{source}: neither UTF-8 nor cp1252 text ({exc2.reason} at byte {exc2.start})") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class CappedGzip:
    """A gzip stream that fails with a ParseError once it has produced more than ``cap``
    bytes, or more than ``max_gzip_ratio`` times the compressed size (past 64 MiB)."""

    def __init__(self, path: str | Path, cap: int, cap_name: str) -> None:
        self.path = str(path)
        self.cap, self.cap_name = cap, cap_name
        self.ratio = limit("max_gzip_ratio")
        self.compressed = max(Path(path).stat().st_size, 1)
        self.produced = 0
        self._fh = gzip.open(path, "rb")

    def _count(self, n: int) -> None:
        self.produced += n
        if self.produced > self.cap:
            raise over_limit(self.cap_name, "decompressed size", self.path)
        if self.produced > RATIO_FLOOR and self.produced > self.ratio * self.compressed:
            raise over_limit("max_gzip_ratio", f"compression ratio (over {self.ratio}:1)", self.path)

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._fh.read(n if n >= 0 else self.cap + 1 - self.produced)
        except (EOFError, OSError, zlib.error) as exc:
            raise ParseError(f"corrupt or truncated gzip ({exc})", source=self.path, expected="a complete gzip stream") from None
        self._count(len(data))
        return data

    def readline(self, size: int = -1) -> bytes:
        try:
            data = self._fh.readline(size)
        except (EOFError, OSError, zlib.error) as exc:
            raise ParseError(f"corrupt or truncated gzip ({exc})", source=self.path, expected="a complete gzip stream") from None
        self._count(len(data))
        return data

    def close(self) -> None:
        self._fh.close()


def is_gzip(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == GZIP_MAGIC
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def open_binary(path: str | Path, cap_name: str = "max_decompressed_bytes") -> IO[bytes] | CappedGzip:
    """The file's (decompressed) bytes as a stream; gzip output is capped by ``cap_name``."""
    try:
        if is_gzip(path):
            return CappedGzip(path, limit(cap_name), cap_name)
        return open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def read_bytes(path: str | Path) -> tuple[bytes, str]:
    """A whole file's decompressed bytes (within ``max_file_bytes``) and the SHA-256 of the stored bytes."""
    p = Path(path)
    cap = limit("max_file_bytes")
    try:
        with open(p, "rb") as fh:
            raw = fh.read(cap + 1)
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    if len(raw) > cap:
        raise over_limit("max_file_bytes", "file size", str(p))
    digest = hashlib.sha256(raw).hexdigest()
    if not raw.startswith(GZIP_MAGIC):
        return raw, digest
    stream = CappedGzip(p, cap, "max_file_bytes")
    try:
        parts = []
        while chunk := stream.read(_CHUNK):
            parts.append(chunk)
    finally:
        stream.close()
    return b"".join(parts), digest


def read_file(path: str | Path) -> tuple[str, str]:
    """Text of a file (gzip, BOM, UTF-16, CRLF and encoding handled) and the SHA-256 of its bytes."""
    data, digest = read_bytes(path)
    return decode_bytes(data, str(path)), digest


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based line numbers, stripped."""
    return [(i, line.strip()) for i, line in enumerate(text.split("\n"), 1) if line.strip()]
