"""The worklist: my tasks and the unclaimed tasks of my groups; claim and unclaim."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from engine import clock, group_slug
from models import Definition, HumanTask, SavedFilter
from models.queries import (inbox_counts, inbox_page, inbox_page_by, inbox_query,
                            inbox_search_counts)

from .db import get_process_engine, get_session
from .auth import own_or_404, same_site
from .wording import long_date, names

bp = Blueprint("worklist", __name__)
SORTS = {"due": HumanTask.due_at, "title": HumanTask.title, "created": HumanTask.created_at,
         "priority": HumanTask.priority, "follow_up": HumanTask.follow_up_at}
MAX_SEARCH = 100
FILTER_KEYS = ("q", "pathway", "group", "due", "sort", "dir")   # what a saved filter keeps


@dataclass(frozen=True)
class Filters:
    """The worklist's query-string filters, parsed and bounded."""

    pathway: str | None
    group: str | None
    due: str | None          # "soon" | "overdue" | None
    sort: str
    direction: str
    page: int
    q: str | None = None     # words in the task's name or its case's reference or title

    @classmethod
    def parse(cls, args) -> Filters:
        """Read filters from ``request.args``; unknown values fall back to defaults."""
        page = args.get("page", "1")
        return cls(q=(args.get("q") or "").strip()[:MAX_SEARCH] or None,
                   pathway=args.get("pathway") or None, group=group_slug(args.get("group", "")) or None,
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


def search_filters(filters: Filters, now: datetime, soon: timedelta) -> dict:
    """``query_filters`` with the text search (only the general queries take it)."""
    return {**query_filters(filters, now, soon), "text": filters.q}


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
    if filters.q:                     # a search reads the matching tasks
        counts = inbox_search_counts(session, actor.name, set(actor.groups), now,
                                     **search_filters(filters, now, soon))
    else:
        counts = inbox_counts(session, actor.name, set(actor.groups), now,
                              **query_filters(filters, now, soon))
    size = current_app.config["WORKLIST_PAGE_SIZE"]
    offset = (filters.page - 1) * size
    if offset >= counts["total"]:
        rows = []
    elif filters.sort == "due" and not filters.q:   # the usual order: from the queue indexes
        rows = inbox_page(session, actor.name, set(actor.groups), offset=offset, limit=size,
                          descending=filters.direction == "desc",
                          **query_filters(filters, now, soon))
    else:
        rows = inbox_page_by(session, actor.name, set(actor.groups), SORTS[filters.sort],
                             offset=offset, limit=size, descending=filters.direction == "desc",
                             **search_filters(filters, now, soon))
    links, words = Links.build(), names()
    return render_template(
        "worklist/index.html", rows=[Row.of(t, links, actor.name, now, soon, words) for t in rows],
        counts=counts, filters=filters, pages=max(1, -(-counts["total"] // size)),
        pathways=[(p, words.pathway(p)) for p in session.scalars(_PATHWAYS)],
        groups=sorted(((g, words.group(g)) for g in actor.groups), key=lambda o: o[1]),
        saved=saved_filters(session, actor.name), next_path=request.full_path,
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
    case_title: str
    pathway: str
    groups: str
    priority: int | None
    due_iso: str | None
    due_text: str | None
    follow_up_iso: str | None
    follow_up_text: str | None
    state: str
    assignee: str
    action: str
    action_href: str

    @classmethod
    def of(cls, task, links: Links, me: str, now: datetime, soon: timedelta, words) -> Row:
        """The row of ``task`` (a ``models.queries.INBOX_ROW`` row), named by ``words``."""
        task_id, due, follow_up = quote(task.id, safe=""), task.due_at, task.follow_up_at
        return cls(
            title=task.title, href=links.task.replace(_ID, task_id),
            case_href=links.case.replace(str(_N), str(task.instance_id)),
            case_label=str(task.reference or task.instance_id), case_title=task.case_title or "",
            pathway=words.pathway(task.process_id), groups=words.groups(task.candidate_groups),
            priority=task.priority,
            due_iso=due.isoformat() if due else None, due_text=long_date(due) if due else None,
            follow_up_iso=follow_up.isoformat() if follow_up else None,
            follow_up_text=long_date(follow_up) if follow_up else None,
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


def saved_filters(session, user_name: str) -> list[tuple[str, str, int]]:
    """``(name, worklist address, id)`` of each filter ``user_name`` saved, by name."""
    base = url_for("worklist.index")
    return [(f.name, base + ("?" + f.query if f.query else ""), f.id)
            for f in session.scalars(select(SavedFilter).where(SavedFilter.user_name == user_name)
                                     .order_by(SavedFilter.name))]


@bp.route("/tasks/filters", methods=["POST"])
@login_required
def save_filter():
    """Save the worklist's current filters, search and order under a name (the same name
    again replaces that filter)."""
    session, me = get_session(), current_user.name
    name = " ".join(request.form.get("filter_name", "").split())[:100]
    query = urlencode([(k, request.form[k]) for k in FILTER_KEYS if request.form.get(k)])
    if not name:
        flash("Enter a name for the filter", "error")
        return redirect(url_for("worklist.index") + ("?" + query if query else ""))
    row = session.scalar(select(SavedFilter).where(SavedFilter.user_name == me,
                                                   SavedFilter.name == name))
    if row is None:
        row = SavedFilter(user_name=me, name=name)
        session.add(row)
    row.query = query
    session.commit()
    flash(f"Filter “{name}” saved.", "success")
    return redirect(url_for("worklist.index") + ("?" + query if query else ""))


@bp.route("/tasks/filters/<int:filter_id>/delete", methods=["POST"])
@login_required
def delete_filter(filter_id: int):
    """Forget one of my saved filters."""
    session, row = get_session(), own_or_404(SavedFilter, filter_id)
    session.delete(row)
    session.commit()
    flash(f"Filter “{row.name}” deleted.", "success")
    return redirect(url_for("worklist.index"))
