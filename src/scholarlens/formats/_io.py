"""Reading user files: encodings, BOMs and line endings."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

from ..errors import InputError, ParseError


def decode_bytes(data: bytes, source: str) -> str:
    """Decode UTF-8 (with or without BOM); fall back to cp1252 for legacy exports."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: neither UTF-8 nor cp1252 text ({exc})") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_file(path: str | Path) -> tuple[str, str]:
    """Text of a file (gzip, BOM, CRLF and encoding handled) and the SHA-256 of its bytes."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise ParseError(f"corrupt or truncated gzip ({exc})", source=str(p), expected="a complete gzip stream") from exc
    return decode_bytes(data, str(p)), digest


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based line numbers, stripped."""
    return [(i, line.strip()) for i, line in enumerate(text.split("\n"), 1) if line.strip()]
