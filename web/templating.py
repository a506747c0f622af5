"""The helpers templates call: Python where a Jinja macro would run many times a page."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask

from models.status import InstanceStatus, TaskStatus

from .forms import choices


def init_app(app: Flask) -> None:
    """Give templates their helpers: ``query_string``, the ``choices`` filter (the options
    of the form macros, web/forms.py), and the status enums to compare with."""
    app.add_template_global(query_string)
    app.add_template_global(InstanceStatus, "InstanceStatus")
    app.add_template_global(TaskStatus, "TaskStatus")
    app.add_template_filter(choices, "choices")


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
