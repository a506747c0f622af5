from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine import InputError, NotAllowed, people
from engine.actors import load_actor
from engine.assignment import DUE_KEY
from engine.calendar import WorkingCalendar
from engine.closures import add_closure, refresh_closures
from engine.deadline_plan import arm, plan
from engine.deadlines import ladder_recipients, watch_deadlines
from engine.settings import Settings, session_info
from engine.store import load_run
from models import AuditEvent, HumanTask, Notification, ProcessInstance, TaskCandidate
from models.session import make_session_factory

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)          # Monday 09:00 GMT


def london(*parts):
    return datetime(*parts, tzinfo=LONDON).astimezone(timezone.utc)


@pytest.fixture
def ladder(sessions):
    with sessions.begin() as s:
        for slug in ("police", "lisg-chair", "business-unit"):
            people.add_group(s, slug)
        people.add_user(s, "pat", None, groups=["police"], roles=["reviewer"])
        people.add_user(s, "pia", None, groups=["police"], roles=["reviewer"])
        people.add_user(s, "lena", None, groups=[], lead_of=["police"], roles=["reviewer"])
        people.add_user(s, "carl", None, groups=["lisg-chair"], roles=["reviewer"])
        people.add_user(s, "bu", None, groups=["business-unit"], roles=["reviewer"])
        people.add_user(s, "mia", None, roles=["manager"])


def start_task(sessions, process_engine, deploy, now=T0):
    deploy("deadlines/deadline_task.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "deadline_task", load_actor(s, "mia"), now=now)
    return record.tasks[0]


def inbox(sessions):
    with sessions() as s:
        rows = s.execute(select(Notification.user_name, Notification.kind)
                         .order_by(Notification.id)).all()
    return [tuple(r) for r in rows]


def test_plan_counts_working_days_back_over_easter_and_christmas():
    cal = WorkingCalendar()
    due = london(2027, 3, 30, 10, 0)              # Tuesday after Easter Monday 29 March 2027
    steps = plan(due, cal)
    assert [s.kind for s in steps] == ["reminder"] * 2 + ["escalation"] * 4
    assert steps[0].at == london(2027, 3, 24, 10, 0)   # 2 WD back skips Easter Mon + Good Fri
    assert steps[1].at == london(2027, 3, 29, 10, 0)   # 1 calendar day back (P1D)
    assert steps[2].at == due and steps[3].at == london(2027, 4, 1, 10, 0)
    christmas = plan(london(2026, 12, 29, 9, 0), cal)
    assert christmas[0].at == london(2026, 12, 23, 9, 0)   # skips 24-28 Dec (25, 26->28 BH)


def test_plan_keeps_local_wall_time_across_the_spring_dst_change():
    due = london(2027, 3, 29, 9, 0) + timedelta(days=2)    # Wed 31 March 09:00 BST
    steps = plan(due, WorkingCalendar())
    assert steps[0].at.astimezone(LONDON).hour == 9
    assert steps[0].at == london(2027, 3, 25, 9, 0)        # over Easter, back to 09:00 GMT
    assert steps[3].at == london(2027, 4, 2, 9, 0)         # 2 WD after, 09:00 BST


def test_offsets_come_from_the_settings():
    settings = Settings.from_env({"LSCB_REMINDER_OFFSETS": "PT4H",
                                  "LSCB_ESCALATION_OFFSETS": "P0D, P1D"})
    steps = plan(T0, settings.calendar())
    assert [(s.kind, s.level, s.at) for s in steps] == [
        ("reminder", 0, T0 - timedelta(hours=4)), ("escalation", 1, T0),
        ("escalation", 2, T0 + timedelta(days=1))]


def test_arm_skips_reminders_already_past_but_never_escalations():
    cal = WorkingCalendar()
    due = T0 + timedelta(days=1)
    assert arm(due, cal, T0 - timedelta(hours=1)) == (1, T0)
    assert arm(due, cal, T0) == (2, due)
    assert arm(due, cal, due + timedelta(days=30))[0] == 2
    assert arm(None, cal, T0) == (0, None)


def test_new_task_is_armed_from_its_bpmn_due_date(sessions, process_engine, deploy, ladder):
    task = start_task(sessions, process_engine, deploy)
    with sessions() as s:
        row = s.get(HumanTask, task.id)
    assert row.due_at == T0 + timedelta(days=7)            # P5WD from Monday = next Monday
    assert row.next_deadline_at == T0 + timedelta(days=3)  # Thursday before: 2 WD back
    assert row.deadline_step == 0


def test_a_task_left_alone_climbs_the_ladder_once_per_rung(sessions, process_engine, deploy, ladder):
    task = start_task(sessions, process_engine, deploy)
    due = T0 + timedelta(days=7)
    owners = ["lena", "pat", "pia"]                    # the lead is a member of the group too
    assert inbox(sessions) == [(n, "assigned") for n in owners]
    moments = [T0 + timedelta(days=2), T0 + timedelta(days=3, minutes=1),
               T0 + timedelta(days=6, minutes=1), due, due + timedelta(days=2),
               due + timedelta(days=7), due + timedelta(days=14)]
    counts = []
    for moment in moments:
        counts.append(watch_deadlines(sessions, process_engine.calendar, moment))
        assert watch_deadlines(sessions, process_engine.calendar, moment) == 0     # exactly once
    assert counts == [0, 1, 1, 1, 1, 1, 1]
    sent = [n for n in inbox(sessions) if n[1] != "assigned"]
    assert sent == [(n, "reminder") for n in owners] * 2 + [(n, "escalation") for n in owners] \
        + [("lena", "escalation"), ("carl", "escalation"), ("bu", "escalation")]
    with sessions() as s:
        row = s.get(HumanTask, task.id)
        challenge = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "challenge_log_entry")).all()
    assert row.escalation_level == 4 and row.next_deadline_at is None
    assert len(challenge) == 1 and challenge[0].task_id == task.id


def test_scheduler_down_for_weeks_escalates_through_every_rung_at_once(sessions, process_engine,
                                                                       deploy, ladder):
    start_task(sessions, process_engine, deploy)
    assert watch_deadlines(sessions, process_engine.calendar, T0 + timedelta(days=60)) == 4
    assert ("pat", "reminder") not in inbox(sessions)


def test_assigned_task_reminds_only_the_assignee_and_completed_tasks_stop(
        sessions, process_engine, deploy, ladder):
    task = start_task(sessions, process_engine, deploy)
    with sessions.begin() as s:
        process_engine.claim(s, task.id, load_actor(s, "pat"), now=T0)
    watch_deadlines(sessions, process_engine.calendar, T0 + timedelta(days=3, minutes=1))
    assert inbox(sessions)[-1] == ("pat", "reminder") and ("pia", "reminder") not in inbox(sessions)
    with sessions.begin() as s:
        process_engine.complete(s, task.id, load_actor(s, "pat"), {}, now=T0 + timedelta(days=6))
    assert watch_deadlines(sessions, process_engine.calendar, T0 + timedelta(days=30)) == 0
    with sessions() as s:
        assert s.get(HumanTask, task.id).next_deadline_at is None


def test_manager_changes_a_due_date_with_a_reason(sessions, process_engine, deploy, ladder):
    task = start_task(sessions, process_engine, deploy)
    new_due = T0 + timedelta(days=21)
    with sessions.begin() as s:
        with pytest.raises(NotAllowed):
            process_engine.change_due_date(s, task.id, load_actor(s, "pat"), new_due, "later")
    with sessions.begin() as s:
        with pytest.raises(InputError, match="after the date the process set"):
            process_engine.change_due_date(s, task.id, load_actor(s, "mia"), new_due, "asked",
                                           now=T0 + timedelta(days=1))
        with pytest.raises(InputError, match="in the past"):
            process_engine.change_due_date(s, task.id, load_actor(s, "mia"), T0, "asked",
                                           now=T0 + timedelta(days=1))
    with sessions.begin() as s:
        process_engine.change_due_date(s, task.id, load_actor(s, "mia"), new_due, "agency asked",
                               now=T0 + timedelta(days=1), confirmed=True)
    with sessions() as s:
        row = s.get(HumanTask, task.id)
        instance = s.get(ProcessInstance, row.instance_id)
        run = load_run(instance, process_engine.script_engine, process_engine.calendar, T0)
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "due_date_changed")).one()
    assert row.due_at == new_due and run.task(task.id).internal_data[DUE_KEY] == new_due.isoformat()
    assert run.ready_tasks()[0].due_at == new_due
    assert row.next_deadline_at == new_due - timedelta(days=4)   # Thursday before
    assert event.actor == "mia" and event.detail["reason"] == "agency asked"
    assert event.detail["previous"] == (T0 + timedelta(days=7)).isoformat()
    assert watch_deadlines(sessions, process_engine.calendar, T0 + timedelta(days=8)) == 0


def test_closure_days_move_deadlines(sessions, process_engine):
    with sessions.begin() as s:
        add_closure(s, date(2027, 3, 2), "staff training day", "mia")
    refresh_closures(sessions, process_engine.calendar)
    assert process_engine.calendar.add_working_days(T0, 1) == T0 + timedelta(days=2)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "closure_day_saved")) == 1


def test_a_due_date_change_moves_the_worklist_copy_and_restarts_the_ladder(
        sessions, process_engine, deploy, ladder):
    task = start_task(sessions, process_engine, deploy)
    watch_deadlines(sessions, process_engine.calendar, T0 + timedelta(days=9))     # escalated once
    with sessions() as s:
        assert s.get(HumanTask, task.id).escalation_level >= 1
    new_due = T0 + timedelta(days=21)
    with sessions.begin() as s:
        process_engine.change_due_date(s, task.id, load_actor(s, "mia"), new_due, "agency asked",
                               now=T0 + timedelta(days=9), confirmed=True)
    with sessions() as s:
        row = s.get(HumanTask, task.id)
        copies = s.scalars(select(TaskCandidate.due_at).where(TaskCandidate.task_id == task.id)).all()
        version = s.get(ProcessInstance, row.instance_id).row_version
    assert copies and set(copies) == {new_due}
    assert (row.escalation_level, row.deadline_step) == (0, 0)
    assert version > 2                      # written under the version check like any command


def test_ladder_groups_come_from_the_settings_the_session_carries(db_engine, sessions, people_factory):
    people_factory("lou", groups=["lisg-chair"])
    people_factory("cy", groups=["chairs"])
    people_factory("bu", groups=["board-office"])
    people_factory("max", roles=["manager"])
    configured = make_session_factory(db_engine, session_info(Settings.from_env({
        "LSCB_LISG_CHAIR_GROUP": "Chairs", "LSCB_BUSINESS_UNIT_GROUP": "board-office"})))
    task = HumanTask(candidate_groups=[])
    with configured() as session:
        assert ladder_recipients(session, task, "lisg_chair") == ["cy"]
        assert ladder_recipients(session, task, "challenge_log") == ["bu"]
    with sessions() as session:                      # defaults; nobody in business-unit
        assert ladder_recipients(session, task, "lisg_chair") == ["lou"]
        assert ladder_recipients(session, task, "challenge_log") == ["max"]
