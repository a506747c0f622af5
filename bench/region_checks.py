"""The region drill's checks, read from the database after the load has stopped.

Each check is a count that must be zero (``failures``), beside the figures it rests on:

- completions: every task a client saw acknowledged is completed, with exactly one
  ``task_completed`` event; no task was acknowledged twice, and no task has two completions;
- timers: every timer due before ``settled`` fired exactly once (one ``timer_fired`` event
  per case) and none still waits past its time;
- escalations: each rung of each task's ladder was sent once (one ``deadline_escalated`` per
  task and level, as many as the task's ``escalation_level``), each to every recipient once
  (notifications, and their queued emails); no open task has a step left past its time;
- no stuck case: every active case has an open task or a waiting timer; no incidents;
- the audit trail has an event for every state change: each case started, each task created
  and each completion recorded.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import text

ESCALATED_SUBJECT = "[LSCB] Overdue task escalated%"


def run(factory, acknowledged: list[str], settled: datetime) -> tuple[dict, dict]:
    """``(figures, failures)`` of every check; ``settled``: steps due before it must be done."""
    with factory() as session:
        sql = lambda query, **params: session.execute(text(query), params).all()  # noqa: E731
        figures, failures = {}, {}
        _completions(sql, acknowledged, figures, failures)
        _timers(sql, settled, figures, failures)
        _escalations(sql, settled, figures, failures)
        _cases(sql, figures, failures)
        _audit(sql, failures)
    return figures, failures


def _completions(sql, acknowledged, figures, failures) -> None:
    events = Counter(dict(sql("SELECT task_id, count(*) FROM audit_event "
                              "WHERE action = 'task_completed' GROUP BY task_id")))
    status = dict(sql("SELECT id, status FROM human_task"))
    acked = Counter(acknowledged)
    figures["completions_acknowledged"] = len(acked)
    figures["tasks_completed"] = sum(1 for s in status.values() if s == "completed")
    failures["acknowledged_not_in_database"] = sum(
        1 for t in acked if status.get(t) != "completed" or events[t] != 1)
    failures["acknowledged_twice"] = sum(1 for n in acked.values() if n > 1)
    failures["tasks_completed_twice"] = sum(1 for n in events.values() if n > 1)


def _timers(sql, settled, figures, failures) -> None:
    fired = Counter(dict(sql("SELECT instance_id, count(*) FROM audit_event "
                             "WHERE action = 'timer_fired' GROUP BY instance_id")))
    figures["timers_fired"] = sum(fired.values())
    figures["timers_waiting"] = sql("SELECT count(*) FROM pending_timer")[0][0]
    failures["timers_late"] = sql("SELECT count(*) FROM pending_timer WHERE due_at < :at",
                                  at=settled)[0][0]
    failures["timers_fired_twice"] = sum(1 for n in fired.values() if n > 1)
    # every case's one timer: fired once, unless it still waits (due after ``settled``)
    failures["timers_lost"] = sql(
        "SELECT count(*) FROM process_instance p WHERE p.id NOT IN "
        "(SELECT instance_id FROM audit_event WHERE action = 'timer_fired') "
        "AND p.id NOT IN (SELECT instance_id FROM pending_timer)")[0][0]


def _escalations(sql, settled, figures, failures) -> None:
    events = sql("SELECT task_id, detail FROM audit_event WHERE action = 'deadline_escalated'")
    by_rung = Counter((task, detail["level"]) for task, detail in events)
    expected = Counter()                       # (task, person) -> escalations they were sent
    for task, detail in events:
        expected.update((task, person) for person in detail["recipients"])
    notes = Counter((t, u) for t, u in sql(
        "SELECT task_id, user_name FROM notification WHERE kind = 'escalation'"))
    queued = Counter(dict(sql("SELECT user_name, count(*) FROM email_outbox "
                              "WHERE subject LIKE :s GROUP BY user_name", s=ESCALATED_SUBJECT)))
    emailed = Counter(dict(sql("SELECT user_name, count(*) FROM notification "
                               "WHERE kind = 'escalation' AND email = 'queued' GROUP BY user_name")))
    levels = dict(sql("SELECT id, escalation_level FROM human_task"))
    per_task = Counter(task for task, _ in events)
    figures["escalations_sent"] = len(events)
    figures["escalation_notifications"] = sum(notes.values())
    figures["reminders_sent"] = sql("SELECT count(*) FROM audit_event "
                                    "WHERE action = 'deadline_reminder'")[0][0]
    failures["escalations_sent_twice"] = sum(1 for n in by_rung.values() if n > 1)
    failures["escalations_not_matching_level"] = sum(
        1 for task, level in levels.items() if per_task[task] != (level or 0))
    failures["escalation_notifications_wrong"] = sum(
        1 for key in expected.keys() | notes.keys() if expected[key] != notes[key])
    failures["escalation_emails_wrong"] = sum(
        1 for p in emailed.keys() | queued.keys() if emailed[p] != queued[p])
    failures["deadline_steps_late"] = sql(
        "SELECT count(*) FROM human_task WHERE status = 'open' AND next_deadline_at < :at",
        at=settled)[0][0]


def _cases(sql, figures, failures) -> None:
    figures["cases"] = dict(sql("SELECT status, count(*) FROM process_instance GROUP BY status"))
    failures["stuck_cases"] = sql(
        "SELECT count(*) FROM process_instance p WHERE p.status = 'active' "
        "AND NOT EXISTS (SELECT 1 FROM human_task t WHERE t.instance_id = p.id "
        "AND t.status = 'open') "
        "AND NOT EXISTS (SELECT 1 FROM pending_timer w WHERE w.instance_id = p.id)")[0][0]
    failures["incidents"] = figures["cases"].get("incident", 0)


def _audit(sql, failures) -> None:
    failures["cases_without_start_event"] = sql(
        "SELECT count(*) FROM process_instance p WHERE NOT EXISTS (SELECT 1 FROM audit_event e "
        "WHERE e.instance_id = p.id AND e.action = 'instance_started')")[0][0]
    failures["tasks_without_created_event"] = sql(
        "SELECT count(*) FROM human_task t WHERE NOT EXISTS (SELECT 1 FROM audit_event e "
        "WHERE e.task_id = t.id AND e.action = 'task_created')")[0][0]
    failures["completions_without_event"] = sql(
        "SELECT count(*) FROM human_task t WHERE t.status = 'completed' AND NOT EXISTS "
        "(SELECT 1 FROM audit_event e WHERE e.task_id = t.id AND e.action = 'task_completed')"
    )[0][0]
    failures["completion_events_without_completion"] = sql(
        "SELECT count(*) FROM audit_event e JOIN human_task t ON t.id = e.task_id "
        "WHERE e.action = 'task_completed' AND t.status != 'completed'")[0][0]
