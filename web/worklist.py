"""The worklist: my tasks and the unclaimed tasks of my groups; claim and unclaim."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import clock, group_slug
from models import Definition, HumanTask
from models.queries import inbox_counts, inbox_page, inbox_page_by, inbox_query

from .db import get_process_engine, get_session
from .auth import same_site

bp = Blueprint("worklist", __name__)
SORTS = {"due": HumanTask.due_at, "title": HumanTask.title, "created": HumanTask.created_at}


@dataclass(frozen=True)
class Filters:
    """The worklist's query-string filters, parsed and bounded."""

    pathway: str | None
    group: str | None
    due: str | None          # "soon" | "overdue" | None
    sort: str
    direction: str
    page: int

    @classmethod
    def parse(cls, args) -> Filters:
        """Read filters from ``request.args``; unknown values fall back to defaults."""
        page = args.get("page", "1")
        return cls(pathway=args.get("pathway") or None, group=group_slug(args.get("group", "")) or None,
                   due=args.get("due") if args.get("due") in ("soon", "overdue") else None,
                   sort=args.get("sort") if args.get("sort") in SORTS else "due",
                   direction="desc" if args.get("dir") == "desc" else "asc",
                   page=max(1, min(int(page), 100_000)) if page.isdigit() else 1)


def deadline_state(due: datetime | None, now: datetime, soon: timedelta) -> str:
    """"overdue", "due_soon", "on_time" or "none" for a task's due date."""
    if due is None:
        return "none"
    if due < now:
        return "overdue"
    return "due_soon" if due <= now + soon else "on_time"


def query_filters(filters: Filters, now: datetime, soon: timedelta) -> dict:
    """``filters`` as the keyword arguments of the inbox queries."""
    return {"process_id": filters.pathway, "group": filters.group,
            "due_before": now + soon if filters.due == "soon" else None,
            "overdue_at": now if filters.due == "overdue" else None}


def filtered_query(actor, filters: Filters, now: datetime, soon: timedelta):
    """The worklist Select for ``actor`` with ``filters`` applied (unsorted, unpaged)."""
    return inbox_query(actor.name, set(actor.groups), **query_filters(filters, now, soon))


_PATHWAYS = select(Definition.process_id).distinct().order_by(Definition.process_id)


@bp.route("/tasks")
@login_required
def index():
    """My tasks and my groups' unclaimed tasks, filtered, sorted and paged."""
    session, actor = get_session(), current_user.actor
    filters = Filters.parse(request.args)
    now, soon = clock.now(), timedelta(days=current_app.config["DUE_SOON_DAYS"])
    counts = inbox_counts(session, actor.name, set(actor.groups), now,
                          **query_filters(filters, now, soon))
    size = current_app.config["WORKLIST_PAGE_SIZE"]
    offset = (filters.page - 1) * size
    if offset >= counts["total"]:
        rows = []
    elif filters.sort == "due":       # the usual order: read from the queue indexes
        rows = inbox_page(session, actor.name, set(actor.groups), offset=offset, limit=size,
                          descending=filters.direction == "desc",
                          **query_filters(filters, now, soon))
    else:
        rows = inbox_page_by(session, actor.name, set(actor.groups), SORTS[filters.sort],
                             offset=offset, limit=size, descending=filters.direction == "desc",
                             **query_filters(filters, now, soon))
    pathways = session.scalars(_PATHWAYS).all()
    links = Links.build()
    return render_template(
        "worklist/index.html", rows=[Row.of(t, links, actor.name, now, soon) for t in rows],
        counts=counts, filters=filters, pages=max(1, -(-counts["total"] // size)),
        pathways=pathways, groups=sorted(actor.groups), next_path=request.full_path,
        page_title="My tasks")


@dataclass(frozen=True)
class Links:
    """URL patterns of a worklist row, built once per page (url_for is costly per row)."""

    task: str
    case: str
    claim: str
    unclaim: str

    @classmethod
    def build(cls) -> Links:
        return cls(url_for("tasks.show", task_id=_ID), url_for("instances.show", instance_id=_N),
                   url_for("worklist.claim", task_id=_ID), url_for("worklist.unclaim", task_id=_ID))


_ID, _N = "__id__", 987654321        # placeholders for a task id and a case id


@dataclass(frozen=True)
class Row:
    """One worklist row, ready to print."""

    title: str
    href: str
    case_href: str
    case_label: str
    process_id: str
    groups: str
    due_iso: str | None
    due_text: str | None
    state: str
    assignee: str
    action: str
    action_href: str

    @classmethod
    def of(cls, task, links: Links, me: str, now: datetime, soon: timedelta) -> Row:
        """The row of ``task`` (a ``models.queries.INBOX_ROW`` row)."""
        task_id, due = quote(task.id, safe=""), task.due_at
        return cls(
            title=task.title, href=links.task.replace(_ID, task_id),
            case_href=links.case.replace(str(_N), str(task.instance_id)),
            case_label=str(task.reference or task.instance_id),
            process_id=task.process_id, groups=", ".join(task.candidate_groups or []),
            due_iso=due.isoformat() if due else None,
            due_text=f"{due.day} {due:%b %Y}" if due else None,
            state=deadline_state(due, now, soon),
            assignee="You" if task.assignee == me else (task.assignee or "Unclaimed"),
            action="Unclaim" if task.assignee else "Claim",
            action_href=(links.unclaim if task.assignee else links.claim).replace(_ID, task_id))


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@login_required
def claim(task_id: str):
    """Take a task from a group queue."""
    session = get_session()
    task = get_process_engine().claim(session, task_id, current_user.actor)
    session.commit()
    flash(f"You have claimed “{task.title}”.", "success")
    return redirect(same_site(request.form.get("next")))


@bp.route("/tasks/<task_id>/unclaim", methods=["POST"])
@login_required
def unclaim(task_id: str):
    """Give a task back to its groups."""
    session = get_session()
    task = get_process_engine().unclaim(session, task_id, current_user.actor)
    session.commit()
    flash(f"“{task.title}” is back in its group queue.", "success")
    return redirect(same_site(request.form.get("next")))
