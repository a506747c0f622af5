import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from engine import ProcessEngine
from engine.settings import DEFAULTS, Settings, SettingsError, variables
from web.cli import main
from web.config import Config

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_are_safe_and_serve_shaped():
    settings = Settings.from_env({})
    assert settings == DEFAULTS
    assert settings.base_url == "http://127.0.0.1:8000"            # where `lscb serve` listens
    assert settings.timezone == "Europe/London" and settings.holiday_region == "ENG"
    assert settings.secure_cookies is None and Config(settings).SESSION_COOKIE_SECURE is True
    assert settings.smtp.host is None and settings.smtp.port == 25


def test_values_are_read_and_normalised():
    settings = Settings.from_env({
        "LSCB_BASE_URL": "https://lscb.example/board/", "LSCB_SCHEDULER_INTERVAL": "2.5",
        "LSCB_REMINDER_OFFSETS": " P3WD , PT4H ", "LSCB_SMTP_TLS": "SSL", "LSCB_SMTP_HOST": "mx",
        "LSCB_SECURE_COOKIES": "off", "LSCB_TIMEZONE": "Europe/Dublin",
        "LSCB_HOLIDAY_REGION": "wls", "LSCB_DIGEST_HOUR": "0", "LSCB_LOG_LEVEL": "warning"})
    assert settings.base_url == "https://lscb.example/board"
    assert settings.scheduler_interval == 2.5
    assert settings.reminder_offsets == ("P3WD", "PT4H")
    assert (settings.smtp.host, settings.smtp.tls, settings.smtp.port) == ("mx", "ssl", 465)
    assert settings.secure_cookies is False and settings.digest_hour == 0
    assert settings.holiday_region == "WLS" and settings.log_level == "WARNING"
    calendar = ProcessEngine(settings=settings).calendar
    assert calendar.tz == ZoneInfo("Europe/Dublin") and calendar.region == "WLS"
    assert calendar.reminder_offsets == ("P3WD", "PT4H")


@pytest.mark.parametrize("name, value", [
    ("LSCB_SCHEDULER_INTERVAL", "abc"), ("LSCB_SCHEDULER_INTERVAL", "0"),
    ("LSCB_SCHEDULER_INTERVAL", "nan"), ("LSCB_REMINDER_OFFSETS", "xyz"),
    ("LSCB_REMINDER_OFFSETS", "2027-01-05"), ("LSCB_ESCALATION_OFFSETS", "P0D,P1D,P2D,P3D,P4D"),
    ("LSCB_DIGEST_HOUR", "24"), ("LSCB_DIGEST_HOUR", "7am"), ("LSCB_SMTP_PORT", "smtp"),
    ("LSCB_SMTP_TLS", "tls"), ("LSCB_SECURE_COOKIES", "maybe"), ("LSCB_RATELIMIT", "sometimes"),
    ("LSCB_TIMEZONE", "Mars/Olympus"), ("LSCB_HOLIDAY_REGION", "FRA"),
    ("LSCB_BASE_URL", "lscb.example"), ("LSCB_SESSION_SECONDS", "-1"),
    ("LSCB_MAX_UPLOAD_BYTES", "4MB"), ("LSCB_DUE_SOON_DAYS", "soon"),
    ("LSCB_LOG_LEVEL", "LOUD"), ("LSCB_LOGIN_RATE_LIMIT", "lots"),
])
def test_a_bad_value_is_an_error_naming_the_variable(name, value):
    with pytest.raises(SettingsError, match=f"^{name}=") as caught:
        Settings.from_env({name: value})
    assert caught.value.name == name and repr(value.strip()) in str(caught.value)


def test_a_bad_value_stops_the_cli_with_one_line_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("LSCB_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("LSCB_SCHEDULER_INTERVAL", "abc")
    for args in (["db", "upgrade"], ["scheduler", "--once"], ["serve"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "LSCB_SCHEDULER_INTERVAL='abc' is not valid" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "x.sqlite3").exists()


def test_serve_on_loopback_uses_plain_http_cookies_without_writing_the_environment(
        monkeypatch, db_url):
    import waitress
    monkeypatch.delenv("LSCB_SECURE_COOKIES", raising=False)
    monkeypatch.setenv("LSCB_DATABASE_URL", db_url)
    served = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.append((app, kw)))
    result = CliRunner().invoke(main, ["serve", "--no-scheduler"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [(app, options)] = served
    assert options["port"] == 8000 and app.config["SESSION_COOKIE_SECURE"] is False
    assert "LSCB_SECURE_COOKIES" not in os.environ
    assert app.config["SETTINGS"].base_url == f"http://{options['host']}:{options['port']}"
    from web import db as web_db
    web_db.dispose(app)


def test_the_readme_lists_every_variable():
    table = README.read_text().split("| variable | meaning |", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"`(LSCB_[A-Z_]+)`", table))
    assert set(variables()) <= listed, sorted(set(variables()) - listed)
