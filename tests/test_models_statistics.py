"""The dashboard's fast queries (models/statistics.py, models/compliance.py) give exactly what a
from-scratch computation over every row gives, on random data, before and after changes."""
import math
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, select, text, update

from engine import people
from engine.calendar import WorkingCalendar
from models import Definition, HumanTask, ProcessInstance, TaskCandidate
from models import compliance, statistics

UTC = timezone.utc
NOW = datetime(2025, 6, 30, 22, 59, tzinfo=UTC)     # 23:59 in London: a day is about to turn
STEPS = ["decide_scr", "log_case", "notify_regulator", "rapid_review", "screen", "write"]
PATHWAYS = ["p1", "p2", "p3"]
AGENCIES = ["police", "health"]
# the fast paths differ by database (PostgreSQL ranks step times itself): each is checked on both
BOTH = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def _moment(rnd: random.Random, low: datetime, high: datetime) -> datetime:
    """A random moment; one in four falls at 23:xx UTC, the hour a London day can turn."""
    moment = low + (high - low) * rnd.random()
    if rnd.random() < 0.25:
        moment = moment.replace(hour=23)
    return min(moment, high).replace(microsecond=rnd.randrange(0, 1_000_000, 1000))


def _case_data(rnd: random.Random, started: datetime) -> dict:
    """Random statutory dates (some missing, some not dates) for the compliance measures."""
    data = {"regime": rnd.choice(["LSCB_WT2015", "MASA_WT2018", "MASA_WT2023"])}
    for measure in compliance.MEASURES:
        if rnd.random() < 0.3:
            continue
        start = (started + timedelta(days=rnd.randint(0, 20))).date()
        data[measure.start] = start.isoformat()
        if measure.applies:
            data[measure.applies] = rnd.random() < 0.8
        if rnd.random() < 0.7:
            data[measure.end] = (start + timedelta(days=rnd.choice([3, 7, 20, 31, 60, 200]))).isoformat()
    if rnd.random() < 0.05:
        data["received_on"] = "not a date"
    return data


def seed_random(session, seed: int, cases: int = 160) -> None:
    rnd = random.Random(seed)
    session.add(Definition(id=1, process_id="px", version=1, content_hash="x", files={},
                           spec_json="", lanes=[]))
    for slug in AGENCIES:
        people.add_group(session, slug, slug.title(), kind="agency")
    people.add_group(session, "lisg", "LISG", kind="board")
    session.flush()
    instances, tasks, candidates = [], [], []
    for i in range(1, cases + 1):
        status = rnd.choice(["active", "active", "completed", "cancelled", "suspended",
                             "incident"])
        started = _moment(rnd, NOW - timedelta(days=500), NOW)
        finished = _moment(rnd, started, NOW) if status in ("completed", "cancelled") else None
        pid = rnd.choice(PATHWAYS)
        instances.append(dict(id=i, definition_id=1, process_id=pid, reference=f"R-{i}",
                              title="", status=status, state_json="{}", serializer_version="1",
                              data=_case_data(rnd, started), started_at=started, updated_at=started,
                              finished_at=finished, row_version=1))
        for k in range(rnd.randint(0, 7)):
            created = _moment(rnd, started, NOW)
            task_status = rnd.choice(["completed", "completed", "cancelled", "open"])
            done = (_moment(rnd, created, min(NOW, created + timedelta(days=rnd.choice(
                [1, 10, 40, 200])))) if task_status != "open" else None)
            groups = rnd.sample(AGENCIES + ["lisg", "nowhere"], rnd.randint(0, 2))   # nowhere: no group
            due = created + timedelta(days=rnd.uniform(1, 60)) if rnd.random() < 0.8 else None
            task_id = f"{i}-{k}"
            tasks.append(dict(id=task_id, instance_id=i, process_id=pid,
                              bpmn_id=rnd.choice(STEPS), title=f"Title {rnd.randint(1, 3)}",
                              status=task_status, created_at=created, completed_at=done,
                              due_at=due, candidate_groups=groups, candidate_users=[], form={},
                              documentation="", deadline_step=0, escalation_level=0))
            if task_status == "open":
                candidates += [dict(task_id=task_id, group_slug=g, due_at=due, process_id=pid)
                               for g in groups]
    session.execute(insert(ProcessInstance), instances)
    session.execute(insert(HumanTask), tasks)
    if candidates:
        session.execute(insert(TaskCandidate), candidates)
    session.flush()


# -- from-scratch references: every row read, each definition applied literally ---------------
def rows(session):
    tasks = list(session.scalars(select(HumanTask)))
    instances = {i.id: i for i in session.scalars(select(ProcessInstance))}
    return tasks, instances


def reference_compliance(session, calendar, now, since=None, until=None):
    _, instances = rows(session)
    tz = calendar.tz
    found = {}

    def day(value):
        try:
            return date.fromisoformat(value[:10]) if isinstance(value, str) else None
        except ValueError:
            return None
    for measure in compliance.MEASURES:
        counts, late_ids = [0, 0, 0, 0], []
        for instance_id, instance in sorted(instances.items()):
            data = instance.data or {}
            start, end = day(data.get(measure.start)), day(data.get(measure.end))
            if start is None or (since and start < since.astimezone(tz).date()) \
                    or (until and start >= until.astimezone(tz).date()):
                continue
            if end is not None:
                kept = end <= compliance.last_day(measure, start, calendar)
                counts[0 if kept else 1] += 1
            elif instance.status in ("cancelled", "completed") or \
                    (measure.applies and not data.get(measure.applies)):
                continue
            else:
                kept = now.astimezone(tz).date() <= compliance.last_day(measure, start, calendar)
                counts[3 if kept else 2] += 1
            if not kept:
                late_ids.append(instance_id)
        found[measure.key] = (*counts, late_ids)
    return found


def reference_step_times(session, process_id=None, since=None):
    tasks, _ = rows(session)
    durations, titles = defaultdict(list), defaultdict(list)
    for t in tasks:
        if process_id and t.process_id != process_id:
            continue
        if t.status == "completed" and t.completed_at is not None:
            titles[(t.process_id, t.bpmn_id)].append(t.title)      # whatever the period
        if since is not None and (t.completed_at is None or t.completed_at < since):
            continue
        if t.status == "completed" and t.completed_at is not None:
            durations[(t.process_id, t.bpmn_id)].append(
                (t.completed_at - t.created_at).total_seconds())
    found = {}
    for key, values in durations.items():
        values.sort()
        n = len(values)
        found[key] = (max(titles[key]), n, values[math.ceil(n * 0.5) - 1],
                      values[math.ceil(n * 0.9) - 1])
    return found


def reference_board(session, now):
    tasks, instances = rows(session)
    unfinished = Counter(i.process_id for i in instances.values()
                         if i.status in ("active", "suspended", "incident"))
    stages = defaultdict(set)
    load = defaultdict(lambda: [0, 0])
    for t in tasks:
        if t.status != "open":
            continue
        stages[(t.process_id, t.bpmn_id)].add(t.instance_id)
        for group in t.candidate_groups or [""]:
            load[group][0] += 1
            load[group][1] += t.due_at is not None and t.due_at < now
    overdue = sum(t.status == "open" and t.due_at is not None and t.due_at < now for t in tasks)
    bounds = statistics.month_starts(now, 12)
    months = [(bounds[k].astimezone(statistics.BOARD_TZ).date(),
               sum(bounds[k] <= i.started_at < bounds[k + 1] for i in instances.values()),
               sum(i.status == "completed" and i.finished_at is not None
                   and bounds[k] <= i.finished_at < bounds[k + 1] for i in instances.values()))
              for k in range(12)]
    return (sorted(unfinished.items(), key=lambda kv: (-kv[1], kv[0])),
            {key: len(ids) for key, ids in stages.items()},
            sorted((slug, *counts) for slug, counts in load.items()), overdue, months)


# -- what the fast paths answer ----------------------------------------------------------------
def fast_compliance(session, calendar, now, since=None, until=None):
    return {f.measure.key: (f.on_time, f.late, f.open_overdue, f.open_in_time, f.late_ids)
            for f in compliance.compliance(session, calendar, now, since=since, until=until)}


def first_active_case(session) -> int:
    return session.scalar(select(ProcessInstance.id).where(ProcessInstance.status == "active")
                          .order_by(ProcessInstance.id))


def fast_step_times(session, process_id=None, since=None):
    return {(s.process_id, s.bpmn_id): (s.title, s.count, s.median, s.p90)
            for s in statistics.step_times(session, process_id, since=since)}


def fast_board(session, now):
    return (list(statistics.open_by_pathway(session).items()),
            {(s.process_id, s.bpmn_id): s.cases for s in statistics.open_by_stage(session)},
            sorted((g.slug, g.open, g.overdue) for g in statistics.overdue_by_group(session, now)),
            statistics.overdue_count(session, now), statistics.throughput(session, now))


def assert_same_as_from_scratch(session, now):
    calendar = WorkingCalendar()
    year_ago = now - timedelta(days=365)
    for since, until in [(None, None), (year_ago, None), (None, now - timedelta(days=90)),
                         (now - timedelta(days=200), now - timedelta(days=30))]:
        assert fast_compliance(session, calendar, now, since, until) == \
            reference_compliance(session, calendar, now, since, until), (since, until)
    for process_id, since in [(p, None) for p in [None] + PATHWAYS] + \
            [(p, now - timedelta(days=d)) for p in (None, "p1") for d in (30, 120, 365)]:
        fast = fast_step_times(session, process_id, since)
        slow = reference_step_times(session, process_id, since)
        assert fast.keys() == slow.keys()
        for key, (title, n, median, p90) in slow.items():
            assert fast[key] == (title, n, pytest.approx(median, abs=0.01),
                                 pytest.approx(p90, abs=0.01)), key
    assert fast_board(session, now) == reference_board(session, now)


@pytest.fixture
def random_db(sessions):
    session = sessions()
    yield session
    session.close()


@pytest.mark.parametrize("backend", BOTH)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_figures_equal_a_from_scratch_computation(backend, random_db, seed):
    seed_random(random_db, seed)
    random_db.commit()
    for now in (NOW, NOW + timedelta(minutes=1), NOW - timedelta(days=40, hours=7)):
        assert_same_as_from_scratch(random_db, now)


@pytest.mark.parametrize("backend", BOTH)
def test_fast_figures_follow_every_kind_of_change(backend, random_db):
    seed_random(random_db, 4)
    random_db.commit()
    before = fast_compliance(random_db, WorkingCalendar(), NOW)
    assert_same_as_from_scratch(random_db, NOW)
    session, now = random_db, NOW + timedelta(minutes=1)
    # a task completed (and its case's next statutory step opens)
    task = session.scalars(select(HumanTask).where(HumanTask.status == "open",
                                                   HumanTask.bpmn_id == "log_case")
                           .order_by(HumanTask.id)).first()
    task.status, task.completed_at = "completed", now
    session.execute(TaskCandidate.__table__.delete().where(TaskCandidate.task_id == task.id))
    session.add(HumanTask(id="new-1", instance_id=task.instance_id, process_id=task.process_id,
                          bpmn_id="decide_scr", title="Decide", status="open", created_at=now,
                          candidate_groups=["police"],
                          due_at=now - timedelta(minutes=1),
                          candidates=[TaskCandidate(group_slug="police", process_id=task.process_id,
                                                    due_at=now - timedelta(minutes=1))]))
    # a case cancelled with its open tasks
    victim = session.scalars(select(ProcessInstance).where(ProcessInstance.status == "active")
                             .order_by(ProcessInstance.id)).first()
    victim.status, victim.finished_at = "cancelled", now
    gone = select(HumanTask.id).where(HumanTask.instance_id == victim.id,
                                      HumanTask.status == "open").scalar_subquery()
    session.execute(TaskCandidate.__table__.delete().where(TaskCandidate.task_id.in_(gone)))
    session.execute(update(HumanTask).where(HumanTask.instance_id == victim.id,
                                            HumanTask.status == "open")
                    .values(status="cancelled", completed_at=now))
    # a statutory date recorded in a case (the notification sent)
    noted = session.scalars(select(ProcessInstance).where(ProcessInstance.status == "active")
                            .order_by(ProcessInstance.id.desc())).first()
    noted.data = {**noted.data, "la_aware_on": "2025-06-20", "la_must_notify": True,
                  "notification_sent_on": "2025-06-30"}
    # a new case at its first statutory step
    session.add(ProcessInstance(id=999, definition_id=1, process_id="p1", status="active",
                                state_json="{}", serializer_version="1", started_at=now,
                                updated_at=now, data={"received_on": "2025-05-01"}))
    session.flush()
    session.add(HumanTask(id="new-2", instance_id=999, process_id="p1", bpmn_id="log_case",
                          title="Log", status="open", created_at=now, candidate_groups=["health"],
                          due_at=now + timedelta(days=5),
                          candidates=[TaskCandidate(group_slug="health", process_id="p1",
                                                    due_at=now + timedelta(days=5))]))
    session.commit()
    assert fast_compliance(session, WorkingCalendar(), now) != before
    assert_same_as_from_scratch(session, now)
    assert_same_as_from_scratch(session, now + timedelta(days=1))    # past local midnight


def test_a_period_counts_every_case_whatever_form_its_start_date_takes(random_db):
    """The period's cases are found by an indexed text copy of their latest start date
    (``statutory_start``); every form of date the measures read must still count."""
    seed_random(random_db, 5, cases=40)
    odd = {"received_on": "20250610", "la_aware_on": "2025-06-12T09:30:00+01:00",
           "panel_notified_on": "2025-W24-2", "review_started_on": "2025-06-11 08:00"}
    for n, (start, value) in enumerate(odd.items(), start=900):
        random_db.add(ProcessInstance(id=n, definition_id=1, process_id="p1", status="active",
                                      state_json="{}", serializer_version="1", started_at=NOW,
                                      updated_at=NOW, data={start: value, "la_must_notify": True,
                                                            "received_on": "2016-01-04"
                                                            if start != "received_on" else value}))
    random_db.commit()
    calendar, since = WorkingCalendar(), datetime(2025, 6, 1, tzinfo=UTC)
    fast = fast_compliance(random_db, calendar, NOW, since)
    assert fast == reference_compliance(random_db, calendar, NOW, since)
    counted = {i for figure in compliance.compliance(random_db, calendar, NOW + timedelta(days=400),
                                                     since=since) for i in figure.late_ids}
    assert {900, 901, 902, 903} <= counted      # past every limit a year later: all overdue


@pytest.mark.parametrize("backend", BOTH)
def test_flags_and_dates_of_any_json_form_count_as_python_reads_them(backend, random_db):
    """Compliance reads the database's copies of the statutory fields (a date's first ten
    characters, a flag's JSON text): whatever form a value takes, the figures are the ones a
    computation over the case data itself gives."""
    seed_random(random_db, 7, cases=10)
    flags = [True, False, None, 0, 1, 2.5, "yes", "false", "", [], {"a": 1}, "no"]
    # (dates as JSON texts: a number is read as its digits, which the reference does not do)
    dates = ["2025-06-03", "2025-06-03T23:30:00+00:00", "20250603", "2025-W23-2", "soon",
             None, "", "2025-06-03 and more words than ten characters", "2025-05-30"]
    rnd = random.Random(7)
    for n in range(60):
        data = {"la_aware_on": rnd.choice(dates), "notification_sent_on": rnd.choice(dates),
                "received_on": rnd.choice(dates), "route_decided_on": rnd.choice(dates)}
        if rnd.random() < 0.9:
            data["la_must_notify"] = rnd.choice(flags)
        random_db.add(ProcessInstance(id=500 + n, definition_id=1, process_id="p1",
                                      status=rnd.choice(["active", "completed"]), state_json="{}",
                                      serializer_version="1", started_at=NOW, updated_at=NOW,
                                      data=data))
    random_db.commit()
    calendar = WorkingCalendar()
    for since in (None, datetime(2025, 6, 1, tzinfo=UTC)):
        for now in (NOW, NOW + timedelta(days=30)):
            assert fast_compliance(random_db, calendar, now, since) == \
                reference_compliance(random_db, calendar, now, since)


@pytest.mark.parametrize("backend", BOTH)
def test_the_statutory_start_copy_follows_the_case_data(backend, random_db):
    seed_random(random_db, 6, cases=5)
    case = random_db.get(ProcessInstance, 1)
    case.data = {"received_on": "2024-02-01", "review_started_on": "2025-03-04", "x": "9"}
    random_db.commit()
    column = ProcessInstance.__table__.c.statutory_start
    assert random_db.scalar(select(column).where(ProcessInstance.id == 1)) == "2025-03-04"
    copies = ProcessInstance.__table__.c
    assert random_db.execute(select(copies.statutory_received_on, copies.statutory_published_on,
                                    copies.statutory_la_must_notify)
                             .where(ProcessInstance.id == 1)).one() == ("2024-02-01", None, None)
    case.data = {"published_on": "2030-01-01T10:00:00", "la_must_notify": True}   # no start
    random_db.commit()
    assert random_db.scalar(select(column).where(ProcessInstance.id == 1)) == ""
    assert random_db.execute(select(copies.statutory_received_on, copies.statutory_published_on,
                                    copies.statutory_la_must_notify)
                             .where(ProcessInstance.id == 1)).one() == (None, "2030-01-01", "true")


@pytest.mark.parametrize("backend", BOTH)
def test_compliance_counted_by_parts_follows_changes_made_outside_the_engine(backend, random_db):
    """PostgreSQL memoizes compliance per part of the cases (``compliance.PART`` ids) by each
    part's stamp: after changes that bypass the optimistic lock (raw SQL), a case deleted, one
    added in a new part, another calendar (closures) and another day, the figures are still
    those of a from-scratch computation; SQLite counts every case each time."""
    seed_random(random_db, 8)
    far = [dict(id=compliance.PART * k + 7, definition_id=1, process_id="p1", status="active",
                reference=f"F-{k}", title="", state_json="{}", serializer_version="1",
                started_at=NOW, updated_at=NOW, row_version=1,
                data={"received_on": f"2025-05-{k:02}", "la_aware_on": f"2025-06-{k + 10}",
                      "la_must_notify": True}) for k in range(1, 13)]   # first read in one scan
    random_db.execute(insert(ProcessInstance), far)
    random_db.commit()
    calendar = WorkingCalendar()
    since = NOW - timedelta(days=365)

    def same(now=NOW, cal=calendar):
        for period in (None, since):
            assert fast_compliance(random_db, cal, now, period) == \
                reference_compliance(random_db, cal, now, period), period
    same()
    same()                                    # memoized now (PostgreSQL); then a few parts read
    table = ProcessInstance.__table__
    random_db.execute(update(table).where(table.c.id == compliance.PART * 3 + 7)
                      .values(data={"received_on": "2025-05-03", "route_decided_on": "2025-06-20",
                                    "la_aware_on": "2025-06-23"}))   # row_version untouched
    random_db.commit()
    same()
    random_db.execute(update(table).where(table.c.id == 1).values(status="cancelled"))
    random_db.execute(table.delete().where(table.c.id == compliance.PART * 5 + 7))
    random_db.execute(insert(ProcessInstance), [dict(
        far[0], id=compliance.PART * 9 + 1, reference="F-9", data={"received_on": "2025-01-02"})])
    random_db.commit()
    same()
    closed = WorkingCalendar(closures=[date(2025, 6, 23) + timedelta(days=d) for d in range(10)])
    same(cal=closed)
    same(now=NOW + timedelta(days=1))                          # past local midnight


@pytest.mark.postgres
def test_a_write_that_leaves_row_version_alone_still_changes_the_figures(random_db):
    """Parts are stamped by what compliance reads of their rows, whatever wrote it: an UPDATE
    that leaves ``row_version`` alone (psql, a Core update) changes the figures all the same,
    and the database's trigger bumps the version (the live workflows rely on it)."""
    seed_random(random_db, 9)
    random_db.commit()
    calendar = WorkingCalendar()
    before = fast_compliance(random_db, calendar, NOW)           # memoized now
    case = first_active_case(random_db)
    version = random_db.scalar(select(ProcessInstance.row_version)
                               .where(ProcessInstance.id == case))
    random_db.execute(text("UPDATE process_instance SET data = :data WHERE id = :id"),
                      {"id": case, "data": '{"received_on": "2025-01-02", '
                                           '"route_decided_on": "2025-06-20"}'})
    random_db.commit()
    assert random_db.scalar(select(ProcessInstance.row_version)
                            .where(ProcessInstance.id == case)) == version + 1
    after = fast_compliance(random_db, calendar, NOW)
    assert after != before and case in after["decision_1m"][4]       # late now
    assert after == reference_compliance(random_db, calendar, NOW)


@pytest.mark.postgres
def test_a_save_that_leaves_what_compliance_reads_alone_keeps_the_figures_memoized(random_db):
    """A part's stamp is what compliance reads of its cases, not their versions: saves that
    change a case's state, other data or version (every completion) leave its part's figures
    memoized, and only the stamps are read; a statutory date changed is read again."""
    seed_random(random_db, 13)
    random_db.commit()
    calendar = WorkingCalendar()
    before = fast_compliance(random_db, calendar, NOW)           # memoized now
    case = first_active_case(random_db)
    table = ProcessInstance.__table__
    random_db.execute(update(table).where(table.c.id == case).values(
        row_version=table.c.row_version + 1, state_json='{"changed": true}',
        data=text("(data::jsonb || '{\"note\": \"more\"}')::json"), updated_at=NOW))
    random_db.commit()
    sent = []
    bind = random_db.get_bind()

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)
    event.listen(bind, "before_cursor_execute", keep)
    try:
        assert fast_compliance(random_db, calendar, NOW) == before
        assert len(sent) == 2, sent                   # the table's oid and the stamps only
        random_db.execute(update(table).where(table.c.id == case).values(
            data={"received_on": "2025-01-02", "route_decided_on": "2025-06-20"}))
        random_db.commit()
        sent.clear()
        after = fast_compliance(random_db, calendar, NOW)
        assert len(sent) == 3                         # and the changed part's cases
    finally:
        event.remove(bind, "before_cursor_execute", keep)
    assert after == reference_compliance(random_db, calendar, NOW) != before


@pytest.mark.postgres
def test_compliance_memo_is_not_reused_by_a_table_made_anew(random_db):
    """A restore recreates the case table: rows with the same ids and versions may hold other
    data, so the memo is keyed by the table's oid too."""
    seed_random(random_db, 10)
    random_db.commit()
    calendar = WorkingCalendar()
    before = fast_compliance(random_db, calendar, NOW)           # memoized now
    table = ProcessInstance.__table__
    written = [c.name for c in table.columns if c.computed is None]
    random_db.execute(text("ALTER TABLE process_instance RENAME TO process_instance_old"))
    random_db.execute(text("CREATE TABLE process_instance (LIKE process_instance_old "
                           "INCLUDING ALL)"))
    names = ", ".join(written)
    read = ", ".join("d.new" if name == "data" else name for name in written)
    # the same rows, but no case is late any more: each ends on the day it starts
    random_db.execute(text(
        f"INSERT INTO process_instance ({names}) SELECT {read} "
        "FROM process_instance_old, LATERAL (SELECT (data::jsonb || jsonb_build_object("
        "'notification_sent_on', data->>'la_aware_on', 'route_decided_on', data->>'received_on', "
        "'rapid_review_sent_on', data->>'panel_notified_on', 'published_on', "
        "data->>'review_started_on'))::json AS new) AS d"))
    random_db.commit()
    after = fast_compliance(random_db, calendar, NOW)
    assert after != before
    assert after == reference_compliance(random_db, calendar, NOW)


@pytest.mark.postgres
def test_the_stamp_pass_reads_an_index_alone(random_db):
    """``parts`` sums what a covering index holds (start, id, and what compliance reads), so
    PostgreSQL can answer it by an Index Only Scan, never reading the wide case rows. On this tiny table the
    planner would rather read the heap, so other plans are switched off: this proves the index
    covers the query (the planner *can* answer it from the index), not that it picks it on a
    large table (checked by hand on ten years of a region)."""
    seed_random(random_db, 11)
    random_db.commit()
    for setting in ("enable_seqscan", "enable_bitmapscan"):
        random_db.execute(text(f"SET LOCAL {setting} = off"))
    sent = []
    bind = random_db.get_bind()

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))
    event.listen(bind, "before_cursor_execute", keep)
    try:
        for first in (None, date(2025, 6, 1)):
            compliance.parts(random_db, first)
    finally:
        event.remove(bind, "before_cursor_execute", keep)
    assert len(sent) == 2
    for statement, parameters in sent:
        plan = "\n".join(random_db.connection().exec_driver_sql(
            "EXPLAIN " + statement, parameters).scalars())
        assert "Index Only Scan using ix_process_instance_statutory_parts" in plan, plan
        assert "Seq Scan" not in plan and "Heap" not in plan, plan
    random_db.rollback()


@pytest.mark.parametrize("backend", BOTH)
def test_cases_swapped_in_and_out_of_a_part_with_the_same_sums_are_counted_again(backend,
                                                                                  random_db):
    """Two cases of a part lose their start date while two others gain one: the part's count,
    the sum of its ids (10 + 20 = 12 + 18) and the sum of its versions (5 + 5 out, 4 + 1 in
    twice) are as they were; its stamp must change all the same."""
    seed_random(random_db, 12, cases=30)
    table = ProcessInstance.__table__
    random_db.execute(update(table).where(table.c.id.in_([10, 20]))
                      .values(row_version=5, status="active",
                              data={"received_on": "2025-05-02"}))
    random_db.execute(update(table).where(table.c.id.in_([12, 18]))
                      .values(row_version=4, status="active", data={}))
    random_db.commit()
    calendar = WorkingCalendar()
    before = fast_compliance(random_db, calendar, NOW)           # memoized now
    random_db.execute(update(table).where(table.c.id.in_([10, 20]))
                      .values(row_version=table.c.row_version + 1, data={}))
    random_db.execute(update(table).where(table.c.id.in_([12, 18]))
                      .values(row_version=table.c.row_version + 1,
                              data={"received_on": "2025-01-02"}))
    random_db.commit()
    after = fast_compliance(random_db, calendar, NOW)
    assert after != before
    assert after == reference_compliance(random_db, calendar, NOW)
