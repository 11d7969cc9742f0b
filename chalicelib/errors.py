"""API errors: one root, one subclass per stable error code.

Every error body is ``{"error": {"code": ..., "message": ...}}``. Messages
are fixed strings: nothing from the request is echoed back.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError


class DependencyError(RuntimeError):
    """Something the request needs could not be had (a secret, a setting): 503."""

    #: The answer the route gives (``ServiceUnavailable`` when None) and the cause's code, for the audit event.
    answer: ApiError | None = None
    code: str = ""


class ApiError(Exception):
    """An error the client caused or may retry; becomes a JSON error response."""

    status = 400
    code = "invalid_request"
    message = "The request is not valid."

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


class InvalidRequest(ApiError):
    pass


class InvalidEmail(ApiError):
    code = "invalid_email"
    message = "Enter one valid email address."


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(ApiError):
    status = 415
    code = "unsupported_media_type"
    message = "Send JSON (Content-Type: application/json)."


class ForbiddenOrigin(ApiError):
    status = 403
    code = "forbidden_origin"
    message = "This request must come from the sign-in page."


class InvalidCode(ApiError):
    status = 401
    code = "invalid_code"
    message = "That code is not valid. Check the latest email, or ask for a new code."


class InvalidLink(ApiError):
    status = 401
    code = "invalid_link"
    message = "This sign-in link is not valid any more. Ask for a new one."


class LinkUsed(ApiError):
    status = 410
    code = "link_used"
    message = "This link was used already: the account was secured then."


class ReauthRequired(ApiError):
    status = 401
    code = "reauth_required"
    message = "Confirm it is you: sign in again with your passkey or a code from your email."


class AddressTaken(ApiError):
    status = 409
    code = "address_taken"
    message = "Another account has this address now: the address was not changed."


class InvalidPasskey(ApiError):
    status = 401
    code = "invalid_passkey"
    message = "That passkey did not work. Sign in with your email instead, or try another passkey."


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"
    message = "Sign in to continue."


class NotFound(ApiError):
    status = 404
    code = "not_found"
    message = "Not found."


class RateLimited(ApiError):
    status = 429
    code = "rate_limited"
    message = "Too many attempts. Wait a moment and try again."


class ServiceUnavailable(ApiError):
    status = 503
    code = "unavailable"
    message = "Sign-in is unavailable right now. Try again shortly."
    RETRY_AFTER = "2"  # seconds: a dependency's hiccup, not an outage

    def __init__(self, message: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, {"Retry-After": self.RETRY_AFTER, **(headers or {})})


class EmailThrottled(ApiError):
    status = 503
    code = "email_throttled"
    message = "We are sending a lot of email right now. Try again in a minute."


class EmailUnavailable(ApiError):
    status = 503
    code = "email_unavailable"
    message = "We could not send email to this address. Try again later, or contact support."


class EmailNotSent(DependencyError):
    """SES refused a message (``code``: its error code); the route answers ``answer``."""

    def __init__(self, code: str, answer: ApiError) -> None:
        super().__init__(code)
        self.code, self.answer = code, answer


class Busy(ServiceUnavailable):
    """An AWS request-rate quota was reached (Cognito's per-category rates, above all): the
    request did nothing, and the same request shortly after will work."""

    code = "busy"
    message = "Sign-in is busy right now. Try again in a few seconds."


# What AWS answers when a request rate is exceeded (the SDK's standard mode retried first).
THROTTLED = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling",
                       "ProvisionedThroughputExceededException", "RequestLimitExceeded"})


class InternalError(ApiError):
    status = 500
    code = "internal"
    message = "Something went wrong on our side."


#: Whatever a failing dependency raises: AWS answered an error, could not be
#: reached or timed out, or a secret or setting could not be had.
DEPENDENCY_FAILURES = (ClientError, BotoCoreError, DependencyError)


def answer_for(exc: BaseException) -> ApiError:
    """The answer a route gives for a failed dependency: ``busy`` for a throttle, else ``unavailable``."""
    if isinstance(exc, DependencyError) and exc.answer is not None:
        return exc.answer
    if isinstance(exc, ClientError) and exc.response.get("Error", {}).get("Code") in THROTTLED:
        return Busy()
    return ServiceUnavailable()


def describe(exc: BaseException) -> str:
    """``<type>:<code>`` of a failed dependency (AWS's error code, or ours), for
    logs and audit reasons: never its message, which may quote request data."""
    if isinstance(exc, ClientError):
        return f"{type(exc).__name__}:{exc.response.get('Error', {}).get('Code', '')}"
    return f"{type(exc).__name__}:{exc.code if isinstance(exc, DependencyError) else ''}"


class UnknownRequest(ApiError):
    status = 404
    code = "unknown_request"
    message = "No sign-in request has this code, or it has expired or been answered. Check the code on the device."
