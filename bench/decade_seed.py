"""Ten years of a region on PostgreSQL, seeded set-based: six boards, 100,000 cases, 1,000,000
tasks, 10,000,000 audit events, and learning items, action plans and actions to match.

The shipped library is deployed and a few cases are started through the engine (``lscb demo``'s
groups, people and cases, plus ``real`` more intake cases): those are real instances the bench
completes tasks of. Everything else is written by ``INSERT ... SELECT generate_series`` in the
server, never row by row from Python:
- cases over ten years, each at one of six boards (its reference says which), on a pathway of
  the library; the recent ones still open (a few hundred per board), a few suspended, in incident
  or cancelled, the rest finished;
- ten tasks per case, through the user tasks of its pathway's diagram (ids, names, groups as
  deployed), completed in turn; an open case's last task is open, offered to its group (some
  claimed), due a few days to weeks after it opened, so some are overdue;
- a hundred audit events per case: each task created and completed, the rest claims,
  reassignments, data changes, reminders and comments between the case's start and end;
- learning items from the reviews, tagged, disseminated, evaluated, with action plans and
  actions due over the ten years (the recent ones open, some overdue).
"""
from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import select, text

from engine.xmlsafe import parse_xml
from models import Definition, HumanTask
from models.status import TaskStatus
from models.task import STEP_COUNT_FROM_TASKS

BOARDS = [("RDG", "Reading"), ("WBK", "West Berkshire"), ("WOK", "Wokingham"),
          ("BFC", "Bracknell Forest"), ("RBWM", "Windsor and Maidenhead"), ("SLO", "Slough")]
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
# How many cases of each pathway a board sees in ten years, relative to each other.
WEIGHTS = {"p01_incident_notification": 30, "p01_case_referral": 20, "p01_case_triage": 10,
           "p03_multi_agency_case_review": 6, "p06_multi_agency_case_audit": 8,
           "p09_single_agency_audit": 10, "p05_child_death_review": 8,
           "p02_serious_case_review": 2, "p10_section11_audit": 3, "p11_school_s175_audit": 3,
           "p07_survey_consultation": 2, "p08_roundtable_discussion": 2, "p12_research_digest": 2}
AGENCIES = ["police", "childrens-social-care", "health", "education", "probation"]
OTHER_ACTIONS = ["task_claimed", "task_offered", "task_reassigned", "instance_data_changed",
                 "task_unclaimed", "comment_added", "task_reminded", "task_due_changed"]


def steps(session) -> list[tuple[str, int, str, str, str]]:
    """(pathway, n, bpmn id, name, group) of every user task of the deployed pathways."""
    rows = []
    for definition in session.scalars(select(Definition).where(
            Definition.process_id.in_(WEIGHTS)).order_by(Definition.process_id,
                                                          Definition.version.desc())):
        if any(r[0] == definition.process_id for r in rows):
            continue                                   # the newest version only
        n = 0
        for xml in definition.files.values():
            root = parse_xml(xml.encode() if isinstance(xml, str) else xml, definition.process_id)
            process = root.getroot().find(f"{{{BPMN}}}process[@id='{definition.process_id}']")
            if process is None:
                continue
            for task in process.iter(f"{{{BPMN}}}userTask"):
                groups = (task.get(f"{{{CAMUNDA}}}candidateGroups") or "").split(",")
                group = groups[0].strip() if groups[0].strip().replace("-", "").isalnum() \
                    else AGENCIES[n % len(AGENCIES)]
                rows.append((definition.process_id, n, task.get("id"),
                             task.get("name") or task.get("id"), group))
                n += 1
    return rows


def bulk(conn, now: datetime, cases: int, echo=print) -> dict[str, float]:
    """Write the region's rows in ``conn`` (one transaction); seconds per table."""
    seconds = {}

    def timed(name, sql, **params):
        started = time.perf_counter()
        for statement in sql.split(";"):
            used = {k: v for k, v in {"now": now, **params}.items() if f":{k}" in statement}
            conn.execute(text(statement), used)
        seconds[name] = round(time.perf_counter() - started, 1)
        echo(f"  {name}: {seconds[name]}s")

    conn.execute(text("SET LOCAL synchronous_commit = off"))
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    # A bulk load writes the rows first and builds the secondary indexes once, after.
    indexes = conn.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('process_instance', "
        "'human_task', 'task_candidate', 'audit_event') "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)")).all()
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    # ... and counts each step's completed tasks once, after (models/task.py)
    conn.execute(text("ALTER TABLE human_task DISABLE TRIGGER step_count_insert"))
    conn.execute(text("SELECT setseed(0.21)"))
    first = conn.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM process_instance"))
    timed("process_instance", f"""
        INSERT INTO process_instance (id, definition_id, process_id, reference, title, status,
            serializer_version, started_by, started_at, updated_at, finished_at, row_version,
            data, state_json)
        SELECT c.id, d.id, c.pathway, b.code || '-' || to_char(c.started, 'YYYY') || '-'
                   || lpad(c.id::text, 6, '0'),
               b.name || ': ' || c.pathway_title || ' ' || c.id,
               c.status, '{_serializer_version(conn)}', 'manager', c.started,
               c.started + c.span, CASE WHEN c.status IN ('completed', 'cancelled')
                                        THEN c.started + c.span END, 1,
               CASE WHEN c.pathway LIKE 'p01_%' OR c.pathway LIKE 'p02_%' THEN json_build_object(
                   'regime', CASE WHEN c.started < '2019-06-29' THEN 'LSCB_WT2015'
                                  ELSE 'MASA_WT2018' END,
                   'la_must_notify', true, 'board', b.code,
                   'la_aware_on', c.started::date, 'received_on', c.started::date,
                   'notification_sent_on', CASE WHEN c.r1 < 0.85
                       THEN (c.started::date + (2 + (c.r1 * 10)::int)) END,
                   'route_decided_on', CASE WHEN c.r2 < 0.8
                       THEN (c.started::date + (5 + (c.r2 * 40)::int)) END,
                   'review_started_on', CASE WHEN c.pathway LIKE 'p02_%'
                       THEN c.started::date END,
                   'published_on', CASE WHEN c.pathway LIKE 'p02_%' AND c.r1 < 0.6
                       THEN (c.started::date + (120 + (c.r2 * 200)::int)) END)
               ELSE json_build_object('board', b.code) END,
               t.state_json
        FROM (SELECT i + :first - 1 AS id, p.pathway, p.pathway_title, s.started, s.r1, s.r2,
                     CASE WHEN s.started > :now - interval '270 days' AND s.r1 < 0.4
                               THEN (ARRAY['active', 'active', 'active', 'active', 'active',
                                           'active', 'active', 'active', 'suspended',
                                           'incident'])[1 + floor(s.r2 * 10)::int]
                          WHEN s.r2 < 0.03 THEN 'cancelled' ELSE 'completed' END AS status,
                     least(:now - s.started, interval '1 day' * (20 + s.r2 * 340)) AS span
              FROM generate_series(1, :cases) AS i
              CROSS JOIN LATERAL (SELECT :now - interval '1 day' * (random() * 3650) AS started,
                                         random() AS r1, random() AS r2, random() AS r3,
                                         i AS k) AS s
              JOIN region_pathway p ON s.r3 >= p.low AND s.r3 < p.high) AS c
        JOIN region_board b ON b.n = c.id % 6
        JOIN LATERAL (SELECT id FROM definition WHERE process_id = c.pathway
                      ORDER BY version DESC LIMIT 1) AS d ON true
        CROSS JOIN region_state t""", first=first, cases=cases)
    # Ten tasks per case, the pathway's steps in turn, spread over the case's span.
    timed("human_task", """
        INSERT INTO human_task (id, instance_id, process_id, bpmn_id, title, lane, assignee,
            status, priority, due_at, created_at, completed_at, completed_by, deadline_step,
            escalation_level, candidate_groups, candidate_users, form, documentation)
        SELECT 'r' || i.id || '-' || k, i.id, i.process_id, s.bpmn_id, s.title, NULL,
               CASE WHEN open AND (i.id + k) % 3 = 0 THEN s.grp || '.reviewer'
                    WHEN NOT open THEN s.grp || '.reviewer' END,
               CASE WHEN open THEN 'open'
                    WHEN i.status = 'cancelled' AND k = 9 THEN 'cancelled' ELSE 'completed' END,
               NULL, created + interval '1 day' * (5 + (i.id * 7 + k) % 50), created,
               CASE WHEN NOT open THEN least(created + span / 10, :now) END,
               CASE WHEN NOT open THEN s.grp || '.reviewer' END, 0, 0,
               json_build_array(s.grp), '[]'::json, '{}'::json, ''
        FROM process_instance i
        CROSS JOIN generate_series(0, 9) AS k
        CROSS JOIN LATERAL (SELECT i.started_at + (coalesce(i.finished_at, :now) - i.started_at)
                                   * k / 10 AS created,
                                   coalesce(i.finished_at, :now) - i.started_at AS span,
                                   k = 9 AND i.status IN ('active', 'suspended', 'incident')
                                   AS open) AS x
        JOIN region_pathway p ON p.pathway = i.process_id
        JOIN region_step s ON s.pathway = i.process_id AND s.n = k % p.steps
        WHERE i.id >= :first""", first=first)
    timed("task_candidate", """
        INSERT INTO task_candidate (task_id, group_slug, assignee, due_at, process_id)
        SELECT t.id, t.candidate_groups ->> 0, t.assignee, t.due_at, t.process_id
        FROM human_task t WHERE t.status = 'open' AND t.id LIKE 'r%'""")
    # Each task's creation and completion, then eighty other events across the case's span.
    timed("audit_event (tasks)", """
        INSERT INTO audit_event (at, actor, action, instance_id, task_id, bpmn_id, detail)
        SELECT e.at, e.actor, e.action, t.instance_id, t.id, t.bpmn_id, e.detail
        FROM human_task t
        CROSS JOIN LATERAL (VALUES
            (t.created_at, NULL, 'task_created',
             json_build_object('title', t.title, 'due_at', t.due_at)),
            (t.completed_at, t.completed_by, 'task_completed',
             json_build_object('form', json_build_object('notes', 'Recorded.'))))
            AS e (at, actor, action, detail)
        WHERE t.id LIKE 'r%' AND e.at IS NOT NULL""")
    timed("audit_event (others)", """
        INSERT INTO audit_event (at, actor, action, instance_id, task_id, bpmn_id, detail)
        SELECT i.started_at + (coalesce(i.finished_at, :now) - i.started_at) * (n / 81.0),
               'manager', (CAST(:actions AS text[]))[1 + (i.id + n) % :kinds], i.id, NULL, NULL, '{}'::json
        FROM process_instance i CROSS JOIN generate_series(1, 80) AS n
        WHERE i.id >= :first""", first=first, actions=OTHER_ACTIONS, kinds=len(OTHER_ACTIONS))
    conn.execute(text("ALTER TABLE human_task ENABLE TRIGGER step_count_insert"))
    timed("step_count", f"DELETE FROM step_count; {STEP_COUNT_FROM_TASKS}")
    started = time.perf_counter()
    for _, definition in indexes:
        conn.execute(text(definition))
    seconds["indexes"] = round(time.perf_counter() - started, 1)
    echo(f"  {len(indexes)} indexes: {seconds['indexes']}s")
    timed("learning", LEARNING, first=first, cases=cases)
    timed("learning_tag", """
        INSERT INTO learning_tag (item_id, kind, value)
        SELECT id, 'theme', (ARRAY['information_sharing', 'neglect', 'voice_of_the_child',
                                    'escalation', 'domestic_abuse', 'assessment'])[1 + id % 6]
        FROM learning_item WHERE created_by = 'region'
        UNION ALL
        SELECT id, 'agency', (CAST(:agencies AS text[]))[1 + id % 5] FROM learning_item
        WHERE created_by = 'region'""", agencies=AGENCIES)
    timed("actions", ACTIONS, agencies=AGENCIES)
    for table in ("process_instance", "audit_event", "learning_item", "review", "action_plan",
                  "learning_action", "dissemination", "evaluation"):
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    return seconds


LEARNING = """
    INSERT INTO review (kind, category, title, agency, instance_id, case_ref, started_at,
                        completed_at, outcome)
    SELECT (ARRAY['scr', 'macr', 'imr', 'case_audit', 'single_agency_audit'])[1 + id % 5],
           CASE WHEN id % 5 >= 3 THEN 'audit' ELSE 'review' END, title, NULL, id, reference,
           started_at, finished_at,
           CASE WHEN status = 'completed' THEN 'Learning identified' END
    FROM process_instance
    WHERE id >= :first AND process_id IN ('p02_serious_case_review',
        'p03_multi_agency_case_review', 'p06_multi_agency_case_audit',
        'p09_single_agency_audit', 'p05_child_death_review');
    INSERT INTO learning_item (statement, evidence, source_pathway, source_ref,
        source_instance_id, status, outcome, identified_at, validated_at, embedded_at,
        evaluated_at, status_note, created_by)
    SELECT 'Lesson ' || n || ' from ' || r.case_ref, 'Found in the review.',
           split_part(p.process_id, '_', 1), r.case_ref, r.instance_id,
           CASE WHEN r.completed_at IS NULL THEN 'proposed'
                WHEN r.completed_at > :now - interval '180 days' THEN 'disseminating'
                WHEN r.id % 7 = 0 THEN 'rejected' ELSE 'evaluated' END,
           CASE WHEN r.completed_at < :now - interval '180 days' AND r.id % 7 <> 0
                THEN (ARRAY['learnt', 'learnt', 'not_learnt'])[1 + (r.id + n) % 3] END,
           coalesce(r.completed_at, r.started_at + interval '30 days'),
           r.completed_at + interval '14 days',
           CASE WHEN r.completed_at < :now - interval '180 days' AND r.id % 7 <> 0
                THEN r.completed_at + interval '120 days' END,
           CASE WHEN r.completed_at < :now - interval '180 days' AND r.id % 7 <> 0
                THEN r.completed_at + interval '170 days' END, '', 'region'
    FROM review r JOIN process_instance p ON p.id = r.instance_id
    CROSS JOIN generate_series(1, 3) AS n
    WHERE (r.id + n) % 9 = 0;
    UPDATE learning_item SET validated_at = NULL WHERE status = 'proposed'
        AND created_by = 'region';
    INSERT INTO dissemination (learning_item_id, kind, title, agency, held_on, reach,
                               recorded_by)
    SELECT l.id, (ARRAY['training_course', 'workshop', 'briefing', 'publication'])[1 + m],
           'Sharing ' || l.source_ref, NULL, (l.validated_at + interval '1 day' * (20 * m))::date,
           10 + (l.id * 7 + m) % 90, 'manager'
    FROM learning_item l CROSS JOIN generate_series(0, 1) AS m
    WHERE l.created_by = 'region' AND l.validated_at IS NOT NULL
      AND l.validated_at + interval '1 day' * (20 * m) < :now;
    INSERT INTO evaluation (learning_item_id, method, findings, embedded, final, evaluated_on,
                            recorded_by)
    SELECT id, 'case_file_reaudit', 'Re-audited.', coalesce(outcome = 'learnt', false), true,
           evaluated_at::date, 'manager'
    FROM learning_item WHERE created_by = 'region' AND evaluated_at IS NOT NULL
"""

ACTIONS = """
    INSERT INTO action_plan (title, scope, source, source_instance_id, source_ref, created_at)
    SELECT 'Action plan: ' || case_ref, 'multi_agency', kind, instance_id, case_ref,
           coalesce(completed_at, started_at + interval '60 days')
    FROM review WHERE category = 'review' AND instance_id IS NOT NULL;
    INSERT INTO learning_action (plan_id, learning_item_id, instance_id, owner, description,
        due_date, rag, status, evidence_of_completion, evidence_of_impact, signed_off_by,
        signed_off_at, completed_at, created_at)
    SELECT a.id, l.id, a.source_instance_id, (CAST(:agencies AS text[]))[1 + (l.id + n) % 5],
           'Act on ' || l.statement, (a.created_at + interval '1 day' * (60 + 30 * n))::date,
           (ARRAY['green', 'amber', 'red'])[1 + (l.id + n) % 3],
           CASE WHEN a.created_at + interval '1 day' * (60 + 30 * n) > :now - interval '90 days'
                     AND (l.id + n) % 4 <> 0
                THEN (ARRAY['open', 'in_progress'])[1 + n % 2]
                ELSE (ARRAY['completed', 'signed_off', 'impact_evaluated'])[1 + (l.id + n) % 3]
                END,
           '', '', NULL, NULL, NULL, a.created_at
    FROM action_plan a JOIN learning_item l ON l.source_instance_id = a.source_instance_id
    CROSS JOIN generate_series(0, 1) AS n;
    UPDATE learning_action SET completed_at = created_at + interval '50 days',
           evidence_of_completion = 'Done.'
    WHERE status IN ('completed', 'signed_off', 'impact_evaluated') AND completed_at IS NULL;
    UPDATE learning_action SET signed_off_by = 'manager',
           signed_off_at = completed_at + interval '10 days'
    WHERE status IN ('signed_off', 'impact_evaluated') AND signed_off_by IS NULL
"""


def _serializer_version(conn) -> str:
    return conn.scalar(text("SELECT serializer_version FROM process_instance LIMIT 1")) or "1"


def templates(conn, rows, state_json: str) -> None:
    """The temporary tables the set-based inserts read: pathways with their share of the cases
    (cumulative ``low``..``high``), their steps, the boards, one case's engine state."""
    conn.execute(text("CREATE TEMP TABLE region_step (pathway text, n int, bpmn_id text, "
                      "title text, grp text) ON COMMIT DROP"))
    conn.execute(text("INSERT INTO region_step VALUES (:p, :n, :b, :t, :g)"),
                 [dict(p=p, n=n, b=b, t=t[:300], g=g) for p, n, b, t, g in rows])
    counts = {}
    for p, *_ in rows:
        counts[p] = counts.get(p, 0) + 1
    total, low, shares = sum(WEIGHTS[p] for p in counts), 0.0, []
    for p in sorted(counts):
        high = low + WEIGHTS[p] / total
        shares.append(dict(p=p, t=p.split("_", 1)[1].replace("_", " "), s=counts[p], lo=low,
                           hi=high if p != sorted(counts)[-1] else 1.01))
        low = high
    conn.execute(text("CREATE TEMP TABLE region_pathway (pathway text, pathway_title text, "
                      "steps int, low float, high float) ON COMMIT DROP"))
    conn.execute(text("INSERT INTO region_pathway VALUES (:p, :t, :s, :lo, :hi)"), shares)
    conn.execute(text("CREATE TEMP TABLE region_board (n int, code text, name text) "
                      "ON COMMIT DROP"))
    conn.execute(text("INSERT INTO region_board VALUES (:n, :c, :name)"),
                 [dict(n=n, c=c, name=name) for n, (c, name) in enumerate(BOARDS)])
    conn.execute(text("CREATE TEMP TABLE region_state (state_json text) ON COMMIT DROP"))
    conn.execute(text("INSERT INTO region_state VALUES (:s)"), {"s": state_json})


def open_task_count(session) -> int:
    """Open tasks of cases started through the engine (what the cold samples complete)."""
    return session.query(HumanTask).filter(HumanTask.status == TaskStatus.OPEN,
                                           ~HumanTask.id.like("r%")).count()
