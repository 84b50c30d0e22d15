"""The one application error type: services raise it, the API and pages turn it into a 4xx."""


class ApplicationError(Exception):
    """A request the domain refuses: an illegal move, a missing reason, a bad value.

    `status_code` is the HTTP status the API answers with; `field` names the input at fault, if any.
    """

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ConflictError(ApplicationError):
    """The record moved on meanwhile (another actor changed it first)."""

    status_code = 409


class ActionForbidden(ApplicationError):
    """The actor may see the record but may not make this move."""

    status_code = 403
