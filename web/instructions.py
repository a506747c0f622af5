"""Task instructions: a task's documentation with ``{{ case values }}`` filled in, safely.

Diagram text is hostile input, and it is rendered on every view of the task page. The Jinja
environment is sandboxed (no Python objects reachable) and autoescaping (no HTML injected), and
every render is bounded: loops may run ``MAX_ITERATIONS`` items in all, no value may grow past
``MAX_OUTPUT`` characters (``*``, ``**`` and ``+`` are checked before they build one), the
output stops at ``MAX_OUTPUT`` and the render at ``MAX_SECONDS``. Anything that goes wrong
shows the text as written, with a notice, never an error page.
"""
from __future__ import annotations

import functools
import math
import re
import time
from contextvars import ContextVar

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

MAX_ITERATIONS = 10_000        # items produced by range() in one render, all loops together
MAX_OUTPUT = 100_000           # characters of output, and of any value built by an operator
MAX_SECONDS = 0.25
NOTICE = ('<p class="govuk-body govuk-!-font-size-16"><em>These instructions could not be '
          'filled in with the case values, so they are shown as written.</em></p>')
_BUDGET: ContextVar[list] = ContextVar("lscb_instructions_budget")


class BoundedEnvironment(SandboxedEnvironment):
    """A sandbox whose operators and ``range`` cannot build huge values or run long loops."""

    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self):
        super().__init__(autoescape=True)
        self.globals["range"] = _counted_range

    def call_binop(self, context, operator, left, right):
        """``left operator right``, refused when its result would be too large."""
        if _too_large(operator, left, right):
            raise SecurityError(f"the result of {operator!r} would be too large")
        return super().call_binop(context, operator, left, right)


def render_instructions(text: str | None, data: dict | None) -> Markup:
    """Task documentation with case values filled in; blank lines separate paragraphs."""
    if not text:
        return Markup("")
    try:
        rendered = _bounded_render(_template(text), _plain(data or {}))
    except Exception:        # a broken or runaway template: shown as written, never a 500
        return Markup(NOTICE) + _paragraphs(escape(text))
    return _paragraphs(rendered)


def _bounded_render(template, data: dict) -> str:
    token = _BUDGET.set([MAX_ITERATIONS])
    try:
        started, parts, size = time.perf_counter(), [], 0
        for part in template.generate(**data):
            size += len(part)
            if size > MAX_OUTPUT or time.perf_counter() - started > MAX_SECONDS:
                raise SecurityError("the instructions are too long or too slow to fill in")
            parts.append(part)
        return "".join(parts)
    finally:
        _BUDGET.reset(token)


def _counted_range(*args):
    """``range`` drawing on the render's iteration budget."""
    numbers = range(*args)
    budget = _BUDGET.get()
    budget[0] -= len(numbers)
    if budget[0] < 0:
        raise SecurityError("the instructions loop too many times")
    return numbers


def _too_large(operator: str, left, right) -> bool:
    sized = (str, list, tuple)
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, sized) and isinstance(times, int):
                return len(seq) * times > MAX_OUTPUT
    if operator == "+" and isinstance(left, sized) and isinstance(right, sized):
        return len(left) + len(right) > MAX_OUTPUT
    if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return abs(left) > 1 and right * math.log2(abs(left)) > 4096    # bits of the result
    return False


@functools.lru_cache(maxsize=256)
def _template(text: str):
    """The compiled template of a task's documentation, once per distinct text: compiling
    costs about 30 times as much as rendering, and every task page shows one."""
    return _ENVIRONMENT.from_string(text)


_ENVIRONMENT = BoundedEnvironment()


def _paragraphs(rendered) -> Markup:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", str(rendered)) if p.strip()]
    return Markup("".join(f'<p class="govuk-body">{Markup(p)}</p>' for p in paragraphs))


def _plain(data: dict) -> dict:
    """Only identifier keys (a template cannot name others anyway)."""
    return {k: v for k, v in data.items() if isinstance(k, str) and k.isidentifier()}
