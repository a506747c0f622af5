"""The background scheduler: one sweep every second or so fires timers, deadlines and emails.

``sweep`` is a plain function (tests call it with an explicit ``now``): fire due BPMN timers,
perform due deadline steps, queue daily digests, send the email outbox, then report any stuck
case (active, waiting for nothing) as an incident (``consistency``). Every part finds
its work by index and takes each item in its own transaction with ``SKIP LOCKED``, so the web
server's in-process scheduler and any number of standalone ``lscb scheduler`` processes can run
side by side on PostgreSQL without doing anything twice. A failing part is logged and the
others still run.

The engine's ``settings.scheduler_interval`` (``LSCB_SCHEDULER_INTERVAL``, seconds, default 1)
sets the sweep period; a timer fires at most about one period plus one sweep after it falls due.
Each sweep first re-reads the board's closure days, so the calendar follows other processes.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from . import clock
from .errors import log_text
from .closures import refresh_closures
from .consistency import report_stuck
from .deadlines import watch_deadlines
from .mail import drain_outbox, queue_digests
from .timers import fire_due_timers

log = logging.getLogger(__name__)
JOB_ID = "lscb-sweep"


def sweep(factory, process_engine, now: datetime | None = None, smtp=None) -> dict:
    """One pass: timers, deadlines, digests, outbox, stuck cases; returns counts and the time
    taken.

    Settings are the process engine's; ``smtp`` overrides their SMTP part.
    """
    now = now or clock.now()
    settings, calendar = process_engine.settings, process_engine.calendar
    started = time.perf_counter()
    parts = (("closures", lambda: refresh_closures(factory, calendar)),
             ("fired", lambda: fire_due_timers(factory, process_engine, now)),
             ("deadline_steps", lambda: watch_deadlines(factory, calendar, now)),
             ("digests", lambda: queue_digests(factory, now, settings)),
             ("emails_sent", lambda: drain_outbox(factory, now, smtp or settings.smtp)),
             ("stuck", lambda: report_stuck(factory, process_engine, now)))
    result = {}
    for name, part in parts:
        try:
            result[name] = part()
        except Exception as exc:        # a broken part must not stop the others or the loop
            log.error("scheduler: %s failed: %s", name, log_text(exc))
            result[name] = None
    result["ms"] = round((time.perf_counter() - started) * 1000, 2)
    return result


def start_scheduler(factory, process_engine, interval: float | None = None,
                    blocking: bool = False):
    """Start the sweep job on the session ``factory``; returns the scheduler.

    ``blocking=True`` (standalone ``lscb scheduler``) runs in the calling thread until stopped;
    otherwise a daemon thread runs it beside the web server.
    """
    scheduler = (BlockingScheduler if blocking else BackgroundScheduler)(timezone=timezone.utc)
    scheduler.add_job(_job, "interval", args=(factory, process_engine), id=JOB_ID,
                      seconds=interval or process_engine.settings.scheduler_interval,
                      max_instances=1, coalesce=True,
                      misfire_grace_time=None, next_run_time=datetime.now(timezone.utc))
    scheduler.start()
    return scheduler


def _job(factory, process_engine) -> None:
    result = sweep(factory, process_engine)
    if any(result.get(k) for k in ("fired", "deadline_steps", "digests", "emails_sent")):
        log.info("scheduler sweep: %s", result)
