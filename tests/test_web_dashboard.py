"""Dashboard, exports, board report and heatmap (web/dashboard.py): access and content."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from engine import people
from engine.actors import load_actor
from web import dashboard
from web_support import GOOD, app, client, login, world  # noqa: F401

UTC = timezone.utc

PAGES = ["/dashboard", "/dashboard/board-report", "/dashboard/export/tasks.csv",
         "/dashboard/export/overdue.xlsx", "/dashboard/export/compliance.csv",
         "/dashboard/export/step-times.csv", "/dashboard/heatmap/two_lane",
         "/dashboard/heatmap/two_lane.json", "/dashboard/heatmap/two_lane.xml"]


@pytest.mark.parametrize("url", PAGES)
def test_only_managers_and_admins_see_cross_agency_status(client, world, url):
    assert client.get(url).status_code == 302                      # to the sign-in page
    login(client, "ann")
    assert client.get(url).status_code == 403
    client.post("/logout")
    for name in ("mia", "ada"):
        login(client, name)
        assert client.get(url).status_code == 200, name
        client.post("/logout")


@pytest.fixture
def progressed(world, client):
    """The world's case with triage completed: one completed step, one open step (decide)."""
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    client.post("/logout")
    login(client, "mia")
    return world


def test_dashboard_shows_charts_with_table_alternatives(client, progressed):
    page = client.get("/dashboard?pathway=two_lane").text
    for chart in ("open-by-pathway", "overdue-by-group", "compliance", "open-by-stage",
                  "step-times", "throughput"):
        assert f'id="{chart}"' in page
    assert 'role="img"' in page and "<script>" not in page
    assert "Decide on a serious case review" in page            # the open stage
    assert 'aria-label="Open reviews by pathway: Two lane approval 1"' in page
    assert "Triage the notification median" in page            # time in step, as text
    assert 'id="compliance-table"' in page and 'id="throughput-table"' in page


def test_exports_parse_back(client, progressed):
    tasks = client.get("/dashboard/export/tasks.csv")
    assert tasks.headers["Content-Type"] == "text/csv; charset=utf-8"       # one charset
    rows = list(csv.reader(io.StringIO(tasks.data.decode("utf-8-sig"))))
    assert rows[0][3] == "Step" and rows[1][3] == "Decide on a serious case review"
    assert rows[1][4] == "lscb-chair"
    book = load_workbook(io.BytesIO(client.get("/dashboard/export/compliance.xlsx").data))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][0] == "Measure" and len(values) == 5
    steps = list(csv.reader(io.StringIO(
        client.get("/dashboard/export/step-times.csv").data.decode("utf-8-sig"))))
    assert steps[1][:4] == ["two_lane", "triage", "Triage the notification", "1"]
    overdue = list(csv.reader(io.StringIO(
        client.get("/dashboard/export/overdue.csv").data.decode("utf-8-sig"))))
    assert len(overdue) == 1                                     # header only: nothing late
    assert client.get("/dashboard/export/everything.csv").status_code == 404


def test_board_report_is_printable_without_script(client, progressed):
    response = client.get("/dashboard/board-report")
    page = response.text
    assert "report to the Board" in page and "How each measure is counted" in page
    assert "reports.css" in page and "viewer.js" not in page
    assert "15 working days" in page
    # each measure says between which two days it counts, in words (it showed "from step l a to
    # step n o": the first two letters of the field names)
    assert ("Statutory notifications made within 5 working days</strong>: from the day the local "
            "authority became aware to the day the notification was sent, limit 5 working days."
            in page)
    assert "from the day the review started to the day the report was published" in page
    assert "from step" not in page


def test_heatmap_state_counts_steps_and_marks_open_ones(client, progressed, sessions, process_engine):
    with sessions.begin() as session:
        process_engine.start(session, "two_lane", load_actor(session, "ann"), {})
    state = client.get("/dashboard/heatmap/two_lane.json").get_json()
    assert state["counts"] == {"triage": 2, "decide": 1}
    assert state["active"] == ["decide", "triage"] and "triage" in state["durations"]
    assert state["names"] == {"triage": "Triage the notification",
                              "decide": "Decide on a serious case review"}
    assert set(state["heat"]) <= {"triage", "decide"} and state["heat"].get("triage") in (1, 2, 3, 4, 5)
    by_count = client.get("/dashboard/heatmap/two_lane.json?by=count").get_json()["heat"]
    assert by_count == {"triage": 5, "decide": 3}             # 2 cases, 1 case: fifths of 2
    page = client.get("/dashboard/heatmap/two_lane").text
    assert 'data-state-url="/dashboard/heatmap/two_lane.json?by=time"' in page
    assert "Triage the notification" in page and 'id="heat-legend"' in page
    assert client.get("/dashboard/heatmap/nope").status_code == 404


def test_the_dashboard_shows_the_loop_closure_indicator(client, progressed):
    page = client.get("/dashboard").text
    assert 'id="loop-closure"' in page and "12-month evaluation window" in page


# -- freshness: the memo never serves a figure older than the last change (or minute) ----------
@pytest.fixture
def statutory(app, sessions, process_engine, people_factory, deploy):
    """Police (an agency) work the ``statutory`` process: log_case (5 working days), decide_scr;
    the process records the notification received and the decision's date."""
    people_factory("bob", groups=["police"])
    people_factory("mia", roles=["manager"])
    with sessions.begin() as session:
        people.add_group(session, "police", "Police", kind="agency")
    deploy("dashboard/statutory.bpmn")

    def act(command, target, *args, actor="bob", at):
        with sessions.begin() as session:
            return command(session, target, load_actor(session, actor), *args, now=at)
    return act


def figures(app, now):
    """The dashboard's (memoized) overview at ``now``, checked against a fresh computation."""
    with app.test_request_context("/dashboard"):
        shown = dashboard.overview(now)
        assert shown == dashboard._overview(now.replace(second=0, microsecond=0),
                                            shown["pathway"])
    scr = next(f for f in shown["figures"] if f.measure.key == "decision_1m")
    steps = {s.bpmn_id: s.count for s in shown["steps"]}
    police = [(g.open, g.overdue) for g in shown["loads"] if g.slug == "police"]
    return (scr.on_time, scr.late, scr.open_overdue, scr.open_in_time), steps, police


def test_each_change_shows_at_once_and_equals_a_fresh_computation(app, process_engine, statutory):
    t0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)                  # a Monday
    seen = t0 + timedelta(hours=6, seconds=5)      # every look in the same minute: only the
    a = statutory(process_engine.start, "statutory", {}, at=t0)           # changes tell them apart
    b = statutory(process_engine.start, "statutory", {}, at=t0)
    assert figures(app, seen) == ((0, 0, 0, 2), {}, [(2, 0)])
    after = statutory(process_engine.complete, a.tasks[0].id, {}, at=t0 + timedelta(hours=2))
    assert figures(app, seen) == ((0, 0, 0, 2), {"log_case": 1}, [(2, 0)])
    statutory(process_engine.complete, after.tasks[0].id, {}, at=t0 + timedelta(hours=3))
    assert figures(app, seen) == ((1, 0, 0, 1), {"log_case": 1, "decide_scr": 1}, [(1, 0)])
    statutory(process_engine.cancel, b.id, "duplicate", actor="mia", at=t0 + timedelta(hours=4))
    assert figures(app, seen) == ((1, 0, 0, 0), {}, [])
    statutory(process_engine.start, "statutory", {}, at=t0 + timedelta(hours=5))
    assert figures(app, seen) == ((1, 0, 0, 1), {"log_case": 1, "decide_scr": 1}, [(1, 0)])


def test_time_dependent_figures_move_with_the_minute(app, process_engine, statutory):
    statutory(process_engine.start, "statutory", {}, at=datetime(2025, 3, 3, 15, 0, tzinfo=UTC))
    # log_case is due 5 working days later, Monday 10 March 15:00 (GMT = UTC)
    assert figures(app, datetime(2025, 3, 10, 14, 59, 30, tzinfo=UTC))[2] == [(1, 0)]
    assert figures(app, datetime(2025, 3, 10, 15, 1, 10, tzinfo=UTC))[2] == [(1, 1)]
    # the SCR decision is due by the end of 3 April in London (BST: 23:00 UTC)
    assert figures(app, datetime(2025, 4, 3, 22, 59, 30, tzinfo=UTC))[0] == (0, 0, 0, 1)
    assert figures(app, datetime(2025, 4, 3, 23, 0, 30, tzinfo=UTC))[0] == (0, 0, 1, 0)


def test_dashboard_charts_keep_their_promises(client, progressed, sessions):
    """Labels never cut without the full text (a tooltip and a table beside the chart); fonts
    and colours come from the stylesheet; one colour per meaning on every chart."""
    import re
    long_title = "Decide whether the serious case review criteria are met for this child"
    with sessions.begin() as s:
        people.add_group(s, "lscb-chair", "Local Safeguarding Children Board independent chair",
                         "board")
        from models import HumanTask
        for task in s.query(HumanTask).filter_by(bpmn_id="decide"):
            task.title = long_title
    page = client.get("/dashboard?pathway=two_lane").text
    figures = dict(re.findall(r'<figure class="app-chart" id="([^"]+)">(.*?)</figure>', page, re.S))
    assert set(figures) == {"open-by-pathway", "overdue-by-group", "compliance", "open-by-stage",
                            "step-times", "throughput"}
    cut = 0
    for chart, body in figures.items():
        assert "fill=\"#" not in body and "font-size=" not in body, chart       # the stylesheet's
        for label in re.findall(r"<text[^>]*>(.*?)</text>", body, re.S):
            # what is drawn fits the label column (45% of the chart): 30 characters at most, 26
            # in the two half-width charts, so "Reviews published within six months" (35) and
            # "Learning & Improvement Sub-Group" (32) do not run into their bars and values
            shown = re.sub(r"<title>.*?</title>", "", label, flags=re.S)
            half = chart in ("open-by-pathway", "overdue-by-group")
            assert len(shown.replace("&amp;", "&")) <= (26 if half else 30), (chart, shown)
            if label.endswith("…"):
                cut += 1
                full = re.fullmatch(r"<title>(.*?)</title>.*", label, re.S)
                assert full, (chart, label)
                assert f'<th scope="row" class="govuk-table__header">{full.group(1)}</th>' in body, \
                    (chart, full.group(1))
        meanings = set(re.findall(r"app-chart__bar--([a-z-]+)", body))
        expected = {"overdue-by-group": {"overdue"}, "compliance": {"on-time"},
                    "step-times": {"count", "mark"}, "throughput": {"count", "done"}}
        assert meanings == expected.get(chart, {"count"}), chart
    assert cut >= 2                            # the long step title and the long group title


def test_heat_levels_are_one_to_five_whatever_the_rounding():
    """5 * v / v is 5.000000000000001 for some floats (a step's median seconds): the largest
    value must still be level 5, and every value falls under its level's legend bound."""
    from web.charts import heat
    top = 3.6074220379163418                   # 5 * top / top rounds above 5
    levels, bounds = heat({"triage": top})
    assert levels == {"triage": 5} and bounds[-1] == top
    values = {"a": top, "b": top * 2 / 5, "c": top / 5, "d": 1e-9, "e": 0}
    levels, bounds = heat(values)
    assert levels == {"a": 5, "b": 2, "c": 1, "d": 1}
    assert all(values[k] <= bounds[n - 1] and (n == 1 or values[k] > bounds[n - 2])
               for k, n in levels.items())
