"""curator's exceptions.

Every failure a user can cause or meet is a CuratorError carrying what it is about (a file and
line, a feed URL, an id), so the CLI edge can print one line that names it. Each subclass also
subclasses the fitting builtin, so callers can catch `LookupError` or `ValueError` as usual.
This module imports nothing from curator.
"""

from __future__ import annotations


class CuratorError(Exception):
    """Base of every error curator raises on purpose."""


class ConfigError(CuratorError, ValueError):
    """feeds.yaml or the environment is wrong. Carries the file, line and field when known."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.field = field
        super().__init__(str(self))

    def where(self) -> str:
        """ "feeds.yaml:12 (schedule.days): " before the message, or nothing."""
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "")
        if self.field:
            where = f"{where} ({self.field})" if where else self.field
        return f"{where}: " if where else ""

    def __str__(self) -> str:
        return self.where() + self.message


class ConfigNotFound(ConfigError, FileNotFoundError):  # type: ignore[misc]
    pass


class StorageError(CuratorError, RuntimeError):
    """The database cannot be opened, migrated or written."""


class NotFound(CuratorError, LookupError):
    """A feed, item, slot or profile that does not exist."""

    def __init__(self, kind: str, key: object, hint: str | None = None) -> None:
        # `kind` is one of curator.i18n.NOT_FOUND_KINDS; `hint` may be a curator.i18n.Message:
        # the CLI and the web say both in their reader's language (issue 16).
        self.kind = kind
        self.key = key
        self.hint = hint
        named = f" {key!r}" if key != "" else ""
        super().__init__(f"no {kind}{named}" + (f" ({hint})" if hint else ""))


class InvalidAction(CuratorError, ValueError):
    """A request that is well-formed but not allowed now (deciding twice, snoozing to the past)."""


class FeedError(CuratorError):
    """A feed could not be fetched or parsed. Carries the feed URL."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = message
        super().__init__(f"{url}: {message}")


class FetchError(FeedError):
    """HTTP or network failure. `status` is the HTTP status when there was an answer."""

    def __init__(self, url: str, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(url, message)


class ParseError(FeedError):
    pass


class ExtractError(CuratorError):
    pass


class DeliveryError(CuratorError):
    """An email could not be delivered. `permanent` is True for 5xx answers."""

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        self.permanent = permanent
        self.code = code
        super().__init__(message)


class DeliveryInDoubt(DeliveryError):
    """The connection was lost after the message was handed over: it may have been delivered.

    Retrying could deliver it twice, so the outbox keeps such a digest for the user to decide.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)


class AlreadyRunning(CuratorError):
    """Another `curator serve` holds the lock on this database."""


class ExportError(CuratorError):
    """A calendar or another export could not be rendered or written. Carries the path if any."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class ImportFileError(CuratorError, ValueError):
    """A metrics file to import is unreadable or malformed. Carries the file and line."""

    def __init__(self, message: str, *, path: str, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        super().__init__(f"{path}" + (f":{line}" if line else "") + f": {message}")


class ProcessFailed(CuratorError, RuntimeError):
    """A process forked to share the work ended (or was ended) without giving its share back."""
