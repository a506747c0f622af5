"""Configuration from environment variables, with safe defaults."""
from __future__ import annotations

import os
import secrets

from models.session import database_url

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Settings read once at app creation; ``create_app(config)`` overrides any of them."""

    def __init__(self):
        self.DATABASE_URL = database_url()
        # A random key means sessions do not survive a restart: set LSCB_SECRET_KEY in production.
        self.SECRET_KEY = os.environ.get("LSCB_SECRET_KEY") or secrets.token_hex(32)
        self.SESSION_COOKIE_SECURE = _flag("LSCB_SECURE_COOKIES", True)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.PERMANENT_SESSION_LIFETIME = int(os.environ.get("LSCB_SESSION_SECONDS", 8 * 3600))
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None   # the token lives as long as the session
        self.RATELIMIT_ENABLED = _flag("LSCB_RATELIMIT", True)
        self.RATELIMIT_STORAGE_URI = os.environ.get("LSCB_RATELIMIT_STORAGE", "memory://")
        self.LOGIN_RATE_LIMIT = os.environ.get("LSCB_LOGIN_RATE_LIMIT", "10 per minute")
        self.MAX_CONTENT_LENGTH = int(os.environ.get("LSCB_MAX_UPLOAD_BYTES", 4 * 1024 * 1024))
        self.CONTENT_SECURITY_POLICY = CSP
        self.HOLIDAY_REGION = os.environ.get("LSCB_HOLIDAY_REGION", "ENG")
        self.WORKLIST_PAGE_SIZE = 25
        self.DUE_SOON_DAYS = int(os.environ.get("LSCB_DUE_SOON_DAYS", 3))
        self.ORGANISATION_NAME = os.environ.get("LSCB_ORGANISATION", "")
        self.LOG_LEVEL = os.environ.get("LSCB_LOG_LEVEL", "INFO")

    def as_dict(self) -> dict:
        """Every setting as a mapping for ``app.config.update``."""
        return {k: v for k, v in vars(self).items() if k.isupper()}
