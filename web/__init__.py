"""The Flask web app: ``create_app(config=None)`` builds it; nothing is built on import."""
from __future__ import annotations

import gc
import logging
from collections.abc import Mapping

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import warm_script_workers

from . import db
from .config import Config
from .extensions import csrf, limiter, login_manager

SPIFF_LOGGERS = ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn")


def create_app(config: Mapping | None = None) -> Flask:
    """Build the app; ``config`` overrides settings read from the environment (a ``SETTINGS``
    entry, an ``engine.settings.Settings``, replaces the environment altogether)."""
    app = Flask(__name__)
    app.config.update(Config((config or {}).get("SETTINGS")).as_dict())
    if config:
        app.config.update(config)
    configure_logging(app.config.get("LOG_LEVEL", "INFO"))
    if app.config.get("PROXY_HOPS"):      # behind a trusted reverse proxy: the real client
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    _register_blueprints(app)
    from . import errors, security, templating
    templating.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    if app.config.get("GC_FREEZE", not app.testing):
        # The ~175,000 objects of the code and the app (every module, class, function) move to
        # a generation the cyclic collector never walks again: each full collection walked
        # them all, 100-200 ms on 2 shared cores, falling on whichever request tipped it (the
        # deadlines page's p95 on ten years of a region); frozen, 10-40 ms. Not under TESTING
        # unless asked (a suite builds hundreds of apps: frozen cycles are never freed).
        gc.collect()
        gc.freeze()
    if app.config.get("WARM_SCRIPT_WORKERS", not app.testing):
        warm_script_workers()       # started now, ready before the first request runs a script
    return app


def _register_blueprints(app: Flask) -> None:
    from . import (account, admin, admin_calendar, admin_regime, api, auth, dashboard, deadlines,
                   definitions, instances, learning, manager, notifications, reports, starting,
                   tasks, worklist, yearly_report)
    for module in (auth, worklist, starting, tasks, instances, manager, dashboard, deadlines,
                   notifications, definitions, learning, reports, yearly_report, account, admin,
                   admin_calendar, admin_regime, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)


def configure_logging(level: str = "INFO") -> None:
    """Plain log lines; Spiff's loggers at WARNING so task data never lands in logs.

    SpiffWorkflow attaches task data to its DEBUG records (case data is personal data about
    children) and logs every task state change at INFO (a dozen lines per completed task, which
    the audit trail already records better): its loggers only report warnings and errors.
    """
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in SPIFF_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)   # one line a second otherwise
