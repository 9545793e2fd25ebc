"""One error hierarchy for everything that can go wrong talking to Braze.

Every error carries the HTTP status (if any), the endpoint *path* (never a query
string, never the key) and Braze's own ``message``, and reads like a sentence so the
UI can show ``str(err)`` as is.
"""

from __future__ import annotations

from datetime import datetime

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BadResponseError",
    "BrazeConnectionError",
    "BrazeError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "error_for_status",
]


class BrazeError(Exception):
    """Base class: ``.status``, ``.endpoint`` and ``.braze_message`` are always present."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        endpoint: str | None = None,
        braze_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.endpoint = endpoint
        self.braze_message = braze_message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, endpoint={self.endpoint!r})"


class BadRequestError(BrazeError):
    """400: Braze rejected the parameters."""


class AuthenticationError(BrazeError):
    """401: the key is unknown, missing or belongs to another instance."""


class PermissionDeniedError(BrazeError):
    """403: the key lacks the permission for this endpoint."""


class NotFoundError(BrazeError):
    """404: no such endpoint or object."""


class RateLimitError(BrazeError):
    """429 that the client did not wait out; ``.reset_at`` says when budget returns."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        endpoint: str | None = None,
        braze_message: str | None = None,
        reset_at: datetime | None = None,
    ) -> None:
        super().__init__(message, status=status, endpoint=endpoint, braze_message=braze_message)
        self.reset_at = reset_at


class ServerError(BrazeError):
    """5xx that persisted through every retry."""


class BadResponseError(BrazeError):
    """The body was not JSON, not an object, or cut short."""


class BrazeConnectionError(BrazeError):
    """No HTTP answer at all: connection refused, DNS, TLS or timeout."""


def _where(endpoint: str | None) -> str:
    return f" for {endpoint}" if endpoint else ""


def _tail(braze_message: str | None) -> str:
    return f": {braze_message}" if braze_message else ""


_CLIENT_ERRORS: dict[int, tuple[type[BrazeError], str]] = {
    400: (BadRequestError, "Braze rejected the request"),
    401: (AuthenticationError, "Braze refused the key"),
    403: (PermissionDeniedError, "Braze denied permission"),
    404: (NotFoundError, "Braze found nothing"),
}


def error_for_status(
    status: int,
    endpoint: str | None,
    braze_message: str | None = None,
    *,
    reset_at: datetime | None = None,
) -> BrazeError:
    """Build the right error (with a human sentence) for an HTTP status from Braze."""
    if status == 429:
        when = (
            f"; resets at {reset_at:%H:%M:%S} UTC" if reset_at is not None else "; try again later"
        )
        return RateLimitError(
            f"Braze rate limit reached (429){_where(endpoint)}{when}",
            endpoint=endpoint,
            braze_message=braze_message,
            reset_at=reset_at,
        )
    if status >= 500:
        return ServerError(
            f"Braze server error ({status}){_where(endpoint)}; try again shortly",
            status=status,
            endpoint=endpoint,
            braze_message=braze_message,
        )
    cls, text = _CLIENT_ERRORS.get(status, (BrazeError, "Braze answered"))
    return cls(
        f"{text} ({status}){_where(endpoint)}{_tail(braze_message)}",
        status=status,
        endpoint=endpoint,
        braze_message=braze_message,
    )
