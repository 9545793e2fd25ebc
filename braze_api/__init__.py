"""A small, polite client for Braze's REST Export API (no Streamlit in here)."""

from braze_api.client import BrazeClient, RateLimit
from braze_api.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    BrazeConnectionError,
    BrazeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from braze_api.instances import resolve_base_url

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BadResponseError",
    "BrazeClient",
    "BrazeConnectionError",
    "BrazeError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "ServerError",
    "resolve_base_url",
]
