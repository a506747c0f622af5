"""Instance list filters and dashboard statistics against hand-computed figures on seeded rows
(models/reporting.py, models/statistics.py, models/compliance.py). Time is passed explicitly."""
from datetime import date, datetime, timedelta, timezone

import pytest

from engine import people
from engine.calendar import WorkingCalendar
from models import Definition, HumanTask, ProcessInstance, TaskCandidate
from models import compliance, reporting, statistics
from models.reporting import InstanceFilter, Scope

UTC = timezone.utc
NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Seeder:
    """Writes instances and task rows directly, with chosen timestamps."""

    def __init__(self, session):
        self.session = session
        self.definition = Definition(process_id="px", version=1, content_hash="x", files={},
                                     spec_json="", lanes=[])
        session.add(self.definition)
        session.flush()
        self.n = 0

    def case(self, pid="px", status="active", started="2025-04-01T09:00", ref=None,
             title="", finished=None, by=None, tasks=(), data=None):
        self.n += 1
        row = ProcessInstance(definition_id=self.definition.id, process_id=pid,
                              reference=ref or f"REF-{self.n:03d}", title=title, status=status,
                              state_json="{}", serializer_version="1", data=data or {},
                              started_at=at(started), updated_at=at(started), started_by=by,
                              finished_at=at(finished) if finished else None)
        self.session.add(row)
        self.session.flush()
        for i, t in enumerate(tasks):
            bpmn_id, created, done = t[0], at(t[1]), t[2]
            extra = t[3] if len(t) > 3 else {}
            status_ = extra.get("status") or ("completed" if done else "open")
            groups = extra.get("groups", [])
            due = at(extra["due"]) if "due" in extra else None
            copies = dict(assignee=extra.get("assignee"), due_at=due, process_id=pid)
            self.session.add(HumanTask(
                id=f"{row.id}-{i}", instance_id=row.id, bpmn_id=bpmn_id,
                title=extra.get("title", bpmn_id.replace("_", " ").capitalize()),
                status=status_, created_at=created, completed_at=at(done) if done else None,
                completed_by=extra.get("by"), candidate_groups=groups, **copies,
                candidates=[TaskCandidate(group_slug=g, **copies) for g in groups]
                if status_ == "open" else []))
        self.session.flush()
        return row.id


@pytest.fixture
def seed(sessions):
    with sessions.begin() as session:
        people.add_group(session, "police", "Thames Valley Police", kind="agency")
        people.add_group(session, "health", "Health trust", kind="agency")
        people.add_group(session, "lisg", "LISG", kind="board")
    session = sessions()
    yield Seeder(session)
    session.close()


# -- the instance list -------------------------------------------------------------------------
@pytest.fixture
def listed(seed):
    s = seed
    ids = {
        "a": s.case("p1", "active", "2025-01-10T09:00", "SCR-2025-001", "Child A",
                    tasks=[("screen", "2025-01-10T09:00", None,
                            {"groups": ["police"], "due": "2025-04-30T17:00"})]),
        "b": s.case("p1", "active", "2025-02-10T09:00", "SCR-2025-002", "Child B", by="ann",
                    tasks=[("screen", "2025-02-10T09:00", None,
                            {"groups": ["health"], "due": "2025-05-30T17:00"})]),
        "c": s.case("p2", "completed", "2025-03-10T09:00", "MACR-001", "Audit",
                    finished="2025-03-20T09:00",
                    tasks=[("write", "2025-03-10T09:00", "2025-03-12T09:00",
                            {"by": "bob", "groups": ["police"]})]),
        "d": s.case("p2", "suspended", "2025-03-31T23:30", "MACR-002", "Child D",
                    tasks=[("write", "2025-03-31T23:30", None,
                            {"groups": ["lisg"], "assignee": "cat"})]),
    }
    s.session.commit()
    return s.session, ids


def page_ids(session, now=NOW, scope=None, **kw):
    return [r.id for r in reporting.instance_page(session, InstanceFilter(**kw), now,
                                                  scope=scope).rows]


def test_every_filter(listed):
    session, i = listed
    assert page_ids(session) == [i["d"], i["c"], i["b"], i["a"]]            # newest first
    assert page_ids(session, pathway="p1") == [i["b"], i["a"]]
    assert page_ids(session, status="suspended") == [i["d"]]
    assert page_ids(session, agency="police") == [i["a"]]     # c's police task is done
    assert page_ids(session, overdue=True) == [i["a"]]        # due 30 Apr < 1 May
    assert page_ids(session, started_from=date(2025, 2, 10),
                    started_to=date(2025, 3, 10)) == [i["c"], i["b"]]
    assert page_ids(session, started_to=date(2025, 3, 31)) == [i["d"], i["c"], i["b"], i["a"]]
    assert page_ids(session, q="scr-2025") == [i["b"], i["a"]]
    assert page_ids(session, q="CHILD d") == [i["d"]]                       # title, any case
    assert page_ids(session, pathway="p2", q="001") == [i["c"]]


def test_scope_sort_and_pages(listed):
    session, i = listed
    assert page_ids(session, scope=Scope("ann")) == [i["b"]]                  # started it
    assert page_ids(session, scope=Scope("bob")) == [i["c"]]                  # completed a step
    assert page_ids(session, scope=Scope("cat")) == [i["d"]]                  # holds a step
    assert page_ids(session, scope=Scope("x", frozenset({"police"}))) == [i["a"]]
    assert page_ids(session, sort="reference", direction="asc") == [i["c"], i["d"], i["a"], i["b"]]
    page = reporting.instance_page(session, InstanceFilter(sort="started", direction="asc"),
                                   NOW, page=2, per_page=3)
    assert (page.total, page.pages, page.page, [r.id for r in page.rows]) == (4, 2, 2, [i["d"]])
    row = reporting.instance_page(session, InstanceFilter(pathway="p1"), NOW).rows[1]
    assert (row.steps, row.overdue, row.next_due) == (["Screen"], True, at("2025-04-30T17:00"))
    assert [r.id for r in reporting.instance_rows(session, InstanceFilter(), NOW)] == \
        [i["d"], i["c"], i["b"], i["a"]]
    assert reporting.pathways(session) == ["p1", "p2"]
    assert reporting.agencies(session) == [("health", "Health trust"),
                                           ("police", "Thames Valley Police")]


# -- statistics --------------------------------------------------------------------------------
def test_open_reviews_by_pathway_and_stage_and_overdue_by_agency(listed):
    session, i = listed
    assert statistics.open_by_pathway(session) == {"p1": 2, "p2": 1}
    stages = [(s.process_id, s.bpmn_id, s.cases) for s in statistics.open_by_stage(session)]
    assert stages == [("p1", "screen", 2), ("p2", "write", 1)]
    loads = [(g.slug, g.kind, g.open, g.overdue) for g in statistics.overdue_by_group(session, NOW)]
    assert loads == [("police", "agency", 1, 1), ("health", "agency", 1, 0),
                     ("lisg", "board", 1, 0)]                       # agencies first
    assert [t.id for t, _ in statistics.overdue_tasks(session, NOW)] == [f"{i['a']}-0"]
    assert len(statistics.open_task_rows(session)) == 3


def test_step_times_median_and_p90_by_nearest_rank(seed):
    hours = [1, 2, 3, 4, 10]
    for n, h in enumerate(hours):
        start = at("2025-04-01T09:00") + n * 24 * H
        seed.case(tasks=[("a", start.isoformat()[:16], (start + h * H).isoformat()[:16]),
                         ("b", start.isoformat()[:16], None)])
    seed.case(tasks=[("a", "2025-04-01T09:00", "2025-04-09T09:00", {"status": "cancelled"}),
                     ("b", "2025-04-01T09:00", "2025-04-01T11:00"),
                     ("b", "2025-04-02T09:00", "2025-04-02T13:00")])
    seed.case("other", tasks=[("a", "2025-04-01T09:00", "2025-04-01T10:00")])
    seed.session.commit()
    found = {(s.process_id, s.bpmn_id): (s.count, s.median / 3600, s.p90 / 3600)
             for s in statistics.step_times(seed.session)}
    assert found[("px", "a")] == pytest.approx((5, 3, 10))        # ranks ceil(2.5)=3, ceil(4.5)=5
    assert found[("px", "b")] == pytest.approx((2, 2, 4))         # ranks 1 and ceil(1.8)=2
    assert set(found) == {("px", "a"), ("px", "b"), ("other", "a")}
    only = statistics.step_times(seed.session, "other")
    assert [(s.bpmn_id, s.count) for s in only] == [("a", 1)]
    heat = statistics.heatmap(seed.session, "px")
    assert heat["counts"] == {"a": 6, "b": 6} and heat["active"] == ["b"]
    assert heat["open"] == {"b": 5} and heat["durations"]["a"] == pytest.approx(3 * 3600)


def test_throughput_per_local_month(seed):
    seed.case(started="2025-03-31T23:30")                  # 00:30 BST on 1 April: April
    seed.case(started="2025-03-15T09:00", status="completed", finished="2025-04-10T09:00")
    seed.case(started="2025-03-20T09:00", status="cancelled", finished="2025-04-11T09:00")
    seed.case(started="2025-05-02T09:00")
    seed.case(started="2024-12-01T09:00", status="completed", finished="2025-01-05T09:00")
    seed.session.commit()
    months = statistics.throughput(seed.session, at("2025-05-15T12:00"), months=3)
    assert months == [(date(2025, 3, 1), 2, 0), (date(2025, 4, 1), 1, 1), (date(2025, 5, 1), 1, 0)]


# -- statutory compliance ----------------------------------------------------------------------
@pytest.fixture
def statutory(seed):
    s = seed

    def case(status="active", **dates):
        return s.case(status=status, data={"regime": "LSCB_WT2015", **dates})
    ids = {
        # Decision within one month of the notification received (31 Jan -> 28 Feb)
        "d_on_time": case(received_on="2025-01-31", route_decided_on="2025-02-28"),
        "d_late": case(received_on="2025-01-31", route_decided_on="2025-03-01"),
        "d_open_late": case(received_on="2025-03-01"),
        "d_open_ok": case(received_on="2025-04-20"),
        "d_cancelled": case("cancelled", received_on="2025-02-01"),
        "d_closed_at_triage": case("completed", received_on="2025-02-03",
                                   route_decided_on="2025-02-10", route="close"),
        # Rapid review: 15 working days from 10 Apr 2025 is 6 May (Good Friday, Easter Monday
        # and the early May bank holiday are not working days)
        "rr_on_time": case(regime="MASA_WT2018", panel_notified_on="2025-04-10",
                           rapid_review_sent_on="2025-05-06"),
        "rr_late": case(regime="MASA_WT2018", panel_notified_on="2025-04-10",
                        rapid_review_sent_on="2025-05-07"),
        "rr_not_notified": case(regime="MASA_WT2023", la_aware_on="2025-04-09", la_must_notify=True),
        # Notification: 5 working days from Fri 11 Apr 2025 is Tue 22 Apr
        "n_on_time": case(la_aware_on="2025-04-11", la_must_notify=True,
                          notification_sent_on="2025-04-22"),
        "n_late": case(la_aware_on="2025-04-11", la_must_notify=True),
        "n_no_duty": case(la_aware_on="2025-04-11", la_must_notify=False),
        # Review published within six months of the decision to start it (15 Oct -> 15 Apr)
        "rev_on_time": case(review_started_on="2024-10-15", published_on="2025-04-15"),
        "rev_late": case(review_started_on="2024-10-15", published_on="2025-04-16"),
        "rev_not_published": case("completed", review_started_on="2024-10-15"),
    }
    s.session.commit()
    return s.session, ids


def test_working_day_arithmetic_behind_the_fixture():
    cal = WorkingCalendar()
    assert cal.working_days_between(at("2025-04-10T10:00"), at("2025-05-06T16:00")) == 15
    assert cal.working_days_between(at("2025-04-10T10:00"), at("2025-05-07T09:00")) == 16
    assert cal.working_days_between(at("2025-04-11T10:00"), at("2025-04-22T16:00")) == 5


def test_statutory_compliance_figures_from_the_statutory_dates(statutory):
    session, i = statutory
    now = at("2025-05-20T12:00")
    figures = {f.measure.key: f for f in compliance.compliance(session, WorkingCalendar(), now)}
    counts = {k: (f.on_time, f.late, f.open_overdue, f.open_in_time) for k, f in figures.items()}
    assert counts == {
        "decision_1m": (2, 1, 1, 1),             # the case closed at triage counts
        "rapid_review_15wd": (1, 1, 0, 0),       # not yet notified: no start date yet
        "notification_5wd": (1, 0, 2, 0),        # no duty, not counted
        "review_6m": (1, 1, 0, 0),               # finished unpublished: left out
    }
    decision = figures["decision_1m"]
    assert decision.share == pytest.approx(2 / 4) and decision.due == 4
    assert sorted(decision.late_ids) == sorted([i["d_late"], i["d_open_late"]])
    assert figures["notification_5wd"].late_ids == [i["rr_not_notified"], i["n_late"]]


def test_compliance_period_and_empty_share(statutory):
    session, i = statutory
    now = at("2025-05-20T12:00")
    figures = {f.measure.key: f for f in compliance.compliance(
        session, WorkingCalendar(), now, since=at("2025-03-01T00:00"))}
    decision = figures["decision_1m"]
    assert (decision.on_time, decision.late, decision.open_overdue, decision.open_in_time) == (0, 0, 1, 1)
    assert figures["review_6m"].share is None and figures["review_6m"].due == 0
    early = compliance.compliance(session, WorkingCalendar(), at("2025-04-25T12:00"),
                                  until=at("2025-02-01T00:00"))
    assert [f.due for f in early] == [0, 2, 0, 2]


def test_month_limit_clamps_to_the_end_of_a_short_month():
    measure = compliance.MEASURES[1]
    cal = WorkingCalendar()
    assert compliance.within(measure, date(2024, 1, 31), date(2024, 2, 29), cal)
    assert not compliance.within(measure, date(2024, 1, 31), date(2024, 3, 1), cal)


def test_diagram_xml_picks_the_file_of_the_process():
    files = {"a.bpmn": '<bpmn:process id="alpha" />', "b.bpmn": '<bpmn:process id="beta" />',
             "d.dmn": '<process id="beta" />'}
    assert reporting.diagram_xml(files, "beta") == files["b.bpmn"]
    assert reporting.diagram_xml(files, "gamma") is None
