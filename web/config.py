"""The Flask config, built from the one ``Settings`` object (``engine/settings.py``)."""
from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping

from engine import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


class Config:
    """Flask settings from ``settings`` (default: the environment, read once, at app creation);
    ``create_app(config)`` overrides any of them."""

    def __init__(self, settings: Settings | None = None):
        settings = settings or Settings.from_env(os.environ)
        self.SETTINGS = settings
        self.DATABASE_URL = settings.database_url
        # A random key means sessions do not survive a restart: set LSCB_SECRET_KEY in production.
        self.SECRET_KEY = settings.secret_key or secrets.token_hex(32)
        self.SESSION_COOKIE_SECURE = settings.secure_cookies is not False
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.PERMANENT_SESSION_LIFETIME = settings.session_seconds
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None   # the token lives as long as the session
        self.RATELIMIT_ENABLED = settings.ratelimit
        self.RATELIMIT_STORAGE_URI = settings.ratelimit_storage
        self.LOGIN_RATE_LIMIT = settings.login_rate_limit
        self.LOGIN_ADDRESS_RATE_LIMIT = settings.login_address_rate_limit
        self.PROXY_HOPS = settings.proxy_hops
        self.MAX_CONTENT_LENGTH = settings.max_upload_bytes
        self.CONTENT_SECURITY_POLICY = CSP
        self.HOLIDAY_REGION = settings.holiday_region
        self.WORKLIST_PAGE_SIZE = 25
        self.DUE_SOON_DAYS = settings.due_soon_days
        self.ORGANISATION_NAME = settings.organisation
        self.LOG_LEVEL = settings.log_level

    def as_dict(self) -> dict:
        """Every setting as a mapping for ``app.config.update``."""
        return {k: v for k, v in vars(self).items() if k.isupper()}


def engine_settings(config: Mapping) -> Settings:
    """The app's ``SETTINGS`` with the Flask keys that mirror a setting (``DATABASE_URL``,
    ``HOLIDAY_REGION``) applied, so an override such as a test's database reaches the engine."""
    return dataclasses.replace(config["SETTINGS"], database_url=config["DATABASE_URL"],
                               holiday_region=config["HOLIDAY_REGION"])
