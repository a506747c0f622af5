"""Which diagram code is cheap enough to run in the server's own process.

Every evaluation is bounded by ``sandbox.Budget``, but the budget is checked between Python
operations; a single C-level call (``str`` of a huge nested list, a quadratic codec) runs to its
end unchecked. So code runs in a worker process with hard CPU and memory limits
(``engine/script_workers.py``) unless it is *trivial*: code in which no single operation can
take long or build a value much larger than the task data it reads. That is the common case (a
gateway condition, a literal group, ``route = lisg_route``), and it pays no process round trip.

Trivial code is made only of: names, constants, attribute and subscript reads, comparisons,
``and``/``or``/``not``, ``+ - / // | &`` (never ``*``, ``**``, ``%`` or ``<<``: they build
large values from small ones), ``x if c else y``, list/tuple/set/dict displays, calls of the
cheap builtins and methods below, and, in scripts, assignments to names, ``if``, ``pass``,
``del`` and ``try``/``except``. No loops, comprehensions, f-strings, ``def`` or ``lambda``, and
at most ``MAX_NODES`` syntax nodes. ``str``/``repr``/``format`` are absent on purpose: the
text of a small-looking list can be gigabytes. At most ``MAX_CALENDAR_CALLS`` calls of the
working-day helpers (each bounded by the calendar's own limits: at worst about 0.3 s for a
10,000-working-day or 100-year span, typically microseconds).
"""
from __future__ import annotations

import ast
import functools

MAX_NODES = 300
CHEAP_FUNCTIONS = frozenset({"len", "bool", "int", "float", "abs", "min", "max", "isinstance",
                             "round", "now", "today", "date", "datetime", "timedelta", "list",
                             "tuple", "dict", "set"})
CALENDAR_FUNCTIONS = frozenset({"deadline", "working_days", "working_days_between",
                                "is_working_day", "next_round"})
MAX_CALENDAR_CALLS = 4
CHEAP_METHODS = frozenset({"isoformat", "get", "strip", "lstrip", "rstrip", "lower", "upper",
                           "startswith", "endswith", "split", "replace", "keys", "values",
                           "items", "date", "astimezone", "weekday", "index", "count"})
_OPERATORS = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv, ast.BitOr, ast.BitAnd)
_LEAVES = (ast.Name, ast.Constant, ast.expr_context, ast.boolop, ast.cmpop, ast.unaryop,
           ast.operator, ast.keyword, ast.ExceptHandler, ast.Pass, ast.Expression, ast.Module)
_COMPOSITES = (ast.Attribute, ast.Subscript, ast.Slice, ast.Compare, ast.BoolOp, ast.UnaryOp,
               ast.IfExp, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Expr, ast.If, ast.Try,
               ast.Delete, ast.Assign)


@functools.lru_cache(maxsize=4096)
def is_trivial(source: str, mode: str) -> bool:
    """True when ``source`` (mode ``eval`` or ``exec``) may run in-process; see the module."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    nodes = list(ast.walk(tree))
    calendar_calls = sum(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                         and n.func.id in CALENDAR_FUNCTIONS for n in nodes)
    return len(nodes) <= MAX_NODES and calendar_calls <= MAX_CALENDAR_CALLS \
        and all(_cheap(node) for node in nodes)


def _cheap(node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return _cheap_call(node)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _OPERATORS)
    if isinstance(node, ast.AugAssign):
        return isinstance(node.target, ast.Name) and isinstance(node.op, _OPERATORS)
    if isinstance(node, ast.Assign):
        return all(isinstance(t, (ast.Name, ast.Tuple)) for t in node.targets)
    if isinstance(node, ast.Try):
        return not node.finalbody
    return isinstance(node, _LEAVES + _COMPOSITES)


def _cheap_call(node: ast.Call) -> bool:
    function = node.func
    if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
        return False
    if isinstance(function, ast.Name):
        return function.id in CHEAP_FUNCTIONS or function.id in CALENDAR_FUNCTIONS
    return isinstance(function, ast.Attribute) and function.attr in CHEAP_METHODS
