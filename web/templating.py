"""The helpers templates call: Python where a Jinja macro would run many times a page."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask

from models.status import InstanceStatus, TaskStatus

from .forms import choices
from .wording import as_words, local_time, long_date, names


def init_app(app: Flask) -> None:
    """Give templates their helpers: ``query_string``, the ``choices`` filter (the options
    of the form macros, web/forms.py), the status enums to compare with, and plain words
    (web/wording.py): ``pathway_name``, ``group_names`` (a slug or a list), ``long_date``
    ("7 December 2026") and ``local_time`` (UK time), ``as_words`` ("In progress"), and
    for a select's options ids as (id, name) pairs: ``named_pathways``, ``named_groups``,
    ``named_statuses``."""
    app.add_template_global(query_string)
    app.add_template_global(InstanceStatus, "InstanceStatus")
    app.add_template_global(TaskStatus, "TaskStatus")
    app.add_template_filter(choices, "choices")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(lambda pid: names().pathway(pid), "pathway_name")
    app.add_template_filter(lambda slugs: names().groups(slugs), "group_names")
    app.add_template_filter(named_pathways, "named_pathways")
    app.add_template_filter(named_groups, "named_groups")
    app.add_template_filter(as_words, "as_words")
    app.add_template_filter(lambda statuses: [(s, as_words(s)) for s in statuses],
                            "named_statuses")


def named_pathways(process_ids) -> list[tuple[str, str]]:
    """Pathway ids as ``(id, name)`` options of a select, by name."""
    return sorted(((pid, names().pathway(pid)) for pid in process_ids), key=lambda o: o[1])


def named_groups(slugs) -> list[tuple[str, str]]:
    """Group slugs as ``(slug, name)`` options of a select, by name."""
    return sorted(((slug, names().group(slug)) for slug in slugs), key=lambda o: o[1])


def query_string(args, **changes) -> str:
    """``"?a=1&sort=x"``: the query ``args`` (a MultiDict or a mapping) with ``changes``
    applied; a None value removes a key.

    Pagination and sortable headers build a dozen links a page: in Python this costs a few
    microseconds each, as a Jinja macro tens.
    """
    items = args.items(multi=True) if hasattr(args, "getlist") else (args or {}).items()
    pairs = [(k, v) for k, v in items if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    return "?" + urlencode(pairs)
