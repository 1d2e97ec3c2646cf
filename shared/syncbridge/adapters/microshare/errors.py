"""Typed Microshare failures, by what the caller should do (messages carry no secrets)."""

from __future__ import annotations


class MicroshareError(Exception):
    retryable = False


class MicroshareUnavailable(MicroshareError):
    """5xx, 429 after retries, timeouts, connection refused: retry later."""

    retryable = True


class MicroshareAuthError(MicroshareError):
    """The token endpoint refused the credentials, or a fresh token was refused."""


class MicroshareNotFound(MicroshareError):
    """No such cluster, or no device matching a change."""


class MicroshareConflict(MicroshareError):
    """A change could not be applied: a DevEUI already used by another device, or
    concurrent writers kept overwriting it (retryable)."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
