"""The one place that turns errors into HTTP: an HTML page for people, JSON under /api/."""
from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from engine.errors import EngineError, log_text

log = logging.getLogger(__name__)

STATUS = {
    "not_found": 404, "not_allowed": 403, "invalid_state": 409, "conflict": 409,
    "form_invalid": 422, "bad_input": 400, "invalid_definition": 422, "script_error": 422,
}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large",
              415: "unsupported_media_type", 422: "unprocessable", 429: "too_many_requests"}


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(EngineError, handle_engine_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)


def wants_json() -> bool:
    """API requests get JSON errors."""
    return request.path.startswith("/api/")


def error_response(status: int, body: dict, title: str | None = None) -> Response:
    """A JSON ``{"error": {...}}`` under /api/, else the error page; rolls the session back."""
    _rollback()
    if wants_json():
        return make_response(jsonify({"error": body}), status)
    return make_response(render_template(
        "errors/error.html", status=status, title=title or _title(status),
        message=body.get("message", ""), page_title=title or _title(status)), status)


def handle_engine_error(exc: EngineError):
    """EngineError codes to 400/403/404/409/422."""
    return error_response(STATUS.get(exc.code, 400), exc.to_dict())


def handle_csrf_error(exc: CSRFError):
    """A form posted without a valid CSRF token."""
    return error_response(400, {"code": "csrf_failed", "message": "The form expired or was not "
                                "sent from this site. Go back, reload the page and try again."},
                          "Your form could not be sent")


def handle_stale(exc: StaleDataError):
    """Someone else changed the same case first (optimistic lock)."""
    return error_response(409, {"code": "conflict", "message": "Someone else changed this case "
                                "at the same time. Reload the page and try again."})


def handle_http_error(exc: HTTPException):
    """404, 405, 413, 429 and friends, in the same shapes, with the headers they carry (a 405's
    ``Allow``, a 429's ``Retry-After``)."""
    status = exc.code or 500
    body = {"code": HTTP_CODES.get(status, "http_error"), "message": exc.description or exc.name}
    response = error_response(status, body, exc.name)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if status == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="lscb"'
    return response


def handle_unexpected(exc: Exception):
    """Anything else: roll back, log it, and show a plain page (never a stack trace)."""
    log.error("unhandled error on %s %s: %s", request.method, request.path, log_text(exc))
    return error_response(500, {"code": "internal_error",
                                "message": "Something went wrong. Nothing was saved."},
                          "Sorry, there is a problem with the service")


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _title(status: int) -> str:
    return {400: "There is a problem with the request", 403: "You cannot do that",
            404: "Page not found", 409: "This has changed", 422: "There is a problem",
            429: "Too many attempts"}.get(status, "There is a problem")
