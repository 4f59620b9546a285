"""The error family of the app and the `{"error": {code, message}}` shape it maps to.

Every failure a person can act on is an `AppError`: its class says the HTTP status, its
`code` says what happened to a program. `app.py` maps the whole family with one handler.
"""

from __future__ import annotations


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status

    def to_json(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class TooLarge(AppError):
    status = 413
    code = "too_large"


class Unsupported(AppError):
    status = 415
    code = "unsupported_type"


class Invalid(AppError):
    status = 422
    code = "invalid"


class GenerationError(AppError):
    """The model server failed: `llm_unreachable`, `llm_auth_failed`, `llm_timeout`...
    Its fault, not the request's, hence 502."""

    status = 502

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class ModelNotConfigured(GenerationError):
    """There is no model server to ask: a setting to fix, not a server that failed."""

    status = 422

    def __init__(self, message: str) -> None:
        super().__init__("llm_not_configured", message)

    def __reduce__(self) -> tuple[type[ModelNotConfigured], tuple[str]]:
        return (ModelNotConfigured, (self.message,))


class ReaderError(AppError):
    """A file that cannot be read. `code` is snake_case for programs; `message` (also
    `str(error)`) is an English sentence the user can act on."""

    status = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)

    def __reduce__(self) -> tuple[type[ReaderError], tuple[str, str]]:
        # Exceptions pickle their `args` by default, which would lose `code` on the way
        # back from the isolated parser process.
        return (ReaderError, (self.code, self.message))
