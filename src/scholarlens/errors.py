"""The one exception hierarchy of ScholarLens.

Every error the core raises on purpose is a :class:`ScholarLensError`; front ends catch
that one class and translate it (CLI: a red line and exit code 1; HTTP: a JSON problem).

::

    ScholarLensError
    ├── InputError                 bad input from the user
    │   ├── ParseError             a file/record does not have the expected shape
    │   │                          (carries format, source, line or record, expected)
    │   ├── UnknownFormatError     no registered format recognises a file
    │   └── QueryError             an empty, oversized or otherwise unusable query
    ├── NotFoundError              a profile, paper or person id that is not stored
    ├── StoreError                 the database cannot be opened, migrated or written
    └── ModelError                 an embedding model cannot be loaded or used
"""

from __future__ import annotations


class ScholarLensError(Exception):
    """Base class of every error ScholarLens raises on purpose."""


class InputError(ScholarLensError):
    """The user's input cannot be used as given."""


class ParseError(InputError):
    """A file or record does not have the shape its format requires.

    ``line`` is 1-based (for line formats), ``record`` a record number or id (for record formats).
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        format: str | None = None,
        line: int | None = None,
        record: str | int | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.format = format
        self.line = line
        self.record = record
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source or "<input>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.record is not None:
            where += f", record {self.record}"
        text = f"{where}: {self.message}"
        if self.format:
            text += f" [{self.format}]"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "error": "parse_error",
            "message": self.message,
            "source": self.source,
            "format": self.format,
            "line": self.line,
            "record": self.record,
            "expected": self.expected,
        }


class UnknownFormatError(InputError):
    """No registered format recognises the file (and none was forced)."""


class QueryError(InputError):
    """A query that cannot be answered as given (empty, too long, ...)."""


class NotFoundError(ScholarLensError):
    """An id that names nothing stored."""


class StoreError(ScholarLensError):
    """The database cannot be opened, migrated or written."""


class ModelError(ScholarLensError):
    """An embedding model cannot be found, loaded or run."""
