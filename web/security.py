"""Security headers on every response."""
from __future__ import annotations

from flask import Flask, Response, current_app, request


def init_app(app: Flask) -> None:
    """Add the headers to every response."""
    app.after_request(add_headers)


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
