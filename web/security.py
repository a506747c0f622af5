"""Security headers on every response, and a refusal of NUL characters in any input."""
from __future__ import annotations

from flask import Flask, Response, abort, current_app, request


def init_app(app: Flask) -> None:
    """Refuse NUL in input before any view runs; add the headers to every response."""
    app.before_request(refuse_nul)
    app.after_request(add_headers)


def refuse_nul() -> None:
    """No legitimate input contains NUL, and PostgreSQL text cannot store it: refuse with 400
    (a clear error) rather than failing deep in a query."""
    # uploaded files are checked by their own handlers, which name the file in their error
    raw = request.content_length and request.mimetype != "multipart/form-data"
    body = request.get_data(cache=True) if raw else b""
    texts = [request.path, *request.args.keys(), *request.args.values(), *request.form.values()]
    if any("\x00" in text for text in texts) or b"\x00" in body or b"\\u0000" in body:
        abort(400, description="The request contains a NUL character.")


def add_headers(response: Response) -> Response:
    """CSP without inline script, frame denial, no sniffing, same-origin referrers, no caching
    of pages with case data."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not request.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response
