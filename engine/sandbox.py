"""Compile and bound diagram code: the RestrictedPython policy and the run-time budget.

RestrictedPython refuses imports, names and attributes starting with ``_`` and ``exec``/``eval``,
and routes attribute, item and iteration access through guard functions. It has no CPU or
memory limits, so ``SandboxPolicy`` also rewrites the code it compiles:
- every loop body, comprehension and function/lambda entry calls ``_tick_()``, which counts
  iterations and checks a wall-clock deadline (and, every few ms, the process's memory);
- ``+ * ** << %``, f-string fields, ``str``/``repr``/``ascii``/``format`` calls and the few
  str/bytes/int methods whose output can dwarf their input (``ljust``, ``replace``, ``join``,
  ``to_bytes`` ...) are checked before they build anything, against per-operation and
  per-evaluation size limits (the text of a container is sized by walking it, shared parts
  counted each time they would be written); ``encode``/``decode`` take plain text codecs only
  (``punycode``, ``idna`` ... are quadratic);
- ``d[k] += v`` is allowed (RestrictedPython refuses it) as a guarded read-modify-write;
- ``import`` and ``class`` are refused at compile time with a clear message.
A stopped script raises ``LimitExceeded``, a ``BaseException`` so that ``except Exception`` in a
script cannot swallow it; a bare ``except:`` can, so the budget stays stopped (every later tick
raises again) and the caller checks ``Budget.stopped`` after the run.

These checks run between Python operations. They are defence in depth: the hard limits are the
CPU-time and address-space limits of the worker process (``engine/script_workers.py``) that
runs all but trivial code (``engine/trivial.py``).
"""
from __future__ import annotations

import ast
import codecs
import functools
import itertools
import math
import operator
import os
import re
import warnings
from dataclasses import dataclass
from datetime import timedelta
from time import monotonic

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import safer_getattr_raise
from RestrictedPython.transformer import IOPERATOR_TO_STR, RestrictingNodeTransformer

from .errors import ScriptError

FILENAME = "<string>"      # SpiffWorkflow finds script line numbers by this frame name
CHECK_EVERY = 0.005        # seconds between deadline/memory checks inside ticks
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_TEXT = (str, bytes, bytearray)
_NUMBER_IN_SPEC = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
# type.mro() reaches BaseException and object; ZoneInfo's class methods touch files and caches
_REFUSED_ATTRIBUTES = frozenset({"mro", "no_cache", "clear_cache", "from_file"})
_UNSAFE_BUILTINS = {"__build_class__", "_getattr_", "setattr", "delattr", "id", "BaseException",
                    "GeneratorExit", "KeyboardInterrupt", "SystemExit"}
_CONTAINERS = (list, tuple, dict, set, frozenset)
_TEXT_FUNCTIONS = frozenset({str, repr, ascii, format})
SAFE_CODECS = frozenset(codecs.lookup(name).name for name in (
    "utf-8", "utf-8-sig", "ascii", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "utf-32",
    "utf-32-le", "utf-32-be", "cp1252"))
_EXTRA_BUILTINS = {f.__name__: f for f in (
    dict, list, set, frozenset, tuple, sorted, min, max, any, all, enumerate, zip, map, filter,
    reversed)}


@dataclass(frozen=True)
class ScriptLimits:
    """What one evaluation of a script or expression may use; every field is a hard stop."""

    seconds: float = 1.0                 # wall clock per evaluation
    iterations: int = 1_000_000          # loop iterations + function calls per evaluation
    max_length: int = 1_000_000          # items/characters one operation may build; range()
    max_int_bits: int = 100_000          # size of an integer an operation may build
    allocation: int = 20_000_000         # items/characters all amplifying operations may build
    memory_mb: int = 256                 # growth of the process's resident memory (Linux)
    max_source: int = 100_000            # characters of source text


class LimitExceeded(BaseException):
    """A script hit a limit; not an ``Exception`` so scripts cannot catch it by accident."""


class ScriptRefused(ScriptError):
    """Code the sandbox will not compile; ``problems`` lists ``(line, message)`` for each reason."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        line, message = problems[0]
        super().__init__(f"Refused by the script sandbox: {message}", line=line or None)


def _located(new: ast.AST, old: ast.AST) -> ast.AST:
    """``new`` (and everything in it) placed at ``old``'s source position."""
    for node in ast.walk(new):
        if "lineno" in node._attributes:
            for field in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
                setattr(node, field, getattr(old, field, None))
    return new


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus ticks in loops/calls and guarded size-amplifying operators."""

    GUARDED_OPERATORS = {ast.Add: "_add_", ast.Mult: "_mul_", ast.Pow: "_pow_",
                         ast.LShift: "_lshift_", ast.Mod: "_mod_"}

    def _tick_stmt(self, at: ast.AST) -> ast.stmt:
        return _located(ast.Expr(_call("_tick_")), at)

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, self._tick_stmt(node.body[0]))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, self._tick_stmt(node.body[0]))
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        node.ifs.insert(0, _located(_call("_tick_"), node.iter))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, self._tick_stmt(node.body[0]))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = _located(ast.BoolOp(ast.And(), [_call("_tick_"), node.body]), node.body)
        return node

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = self.GUARDED_OPERATORS.get(type(node.op))
        return _located(_call(guard, node.left, node.right), node) if guard else node

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        value = _located(_call("_format_", node.value, spec,
                               ast.Constant(node.conversion)), node.value)
        return _located(ast.FormattedValue(value=value, conversion=-1, format_spec=None), node)

    def visit_Call(self, node):
        node = super().visit_Call(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("str", "repr", "ascii", "format"):
            return _located(ast.Call(func=ast.Name("_text_", ast.Load()),
                                     args=[node.func, *node.args], keywords=node.keywords), node)
        return node

    def visit_AugAssign(self, node):
        target = node.target
        if not isinstance(target, ast.Subscript) or isinstance(target.slice, (ast.Slice, ast.Tuple)):
            return super().visit_AugAssign(node)
        container, key = self.gen_tmp_name(), self.gen_tmp_name()
        load = lambda name: ast.Name(name, ast.Load())   # noqa: E731
        store = ast.Subscript(_call("_write_", load(container)), load(key), ast.Store())
        value = _call("_inplacevar_", ast.Constant(IOPERATOR_TO_STR[type(node.op)]),
                      _call("_getitem_", load(container), load(key)), self.visit(node.value))
        return [_located(statement, node) for statement in (
            ast.Assign([ast.Name(container, ast.Store())], self.visit(target.value)),
            ast.Assign([ast.Name(key, ast.Store())], self.visit(target.slice)),
            ast.Assign([store], value))]

    def visit_Import(self, node):
        self.error(node, "import statements are not allowed; the helpers are already available.")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node):
        self.error(node, "class definitions are not allowed in scripts.")


def _problem(text: str) -> tuple[int, str]:
    match = re.match(r"Line (\w+): (.*)", text, re.S)
    if not match:
        return 0, text
    return (int(match.group(1)) if match.group(1).isdigit() else 0), match.group(2)


@functools.lru_cache(maxsize=4096)
def compile_code(source: str, mode: str):
    """Compile ``source`` (mode ``exec`` or ``eval``) under ``SandboxPolicy``; cached by text.

    Raises:
        SyntaxError: the source is not Python (line and offset set, as Python reports them).
        ScriptRefused: the source is Python the sandbox does not allow.
    """
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    try:
        with warnings.catch_warnings():      # e.g. SyntaxWarning for `x is 1`: not the log's business
            warnings.simplefilter("ignore")
            tree = ast.parse(source, FILENAME, mode)
            result = compiler(tree, FILENAME, policy=SandboxPolicy)
    except RecursionError:
        raise ScriptRefused([(0, "the code is nested too deeply")]) from None
    if result.errors:
        raise ScriptRefused([_problem(error) for error in result.errors])
    return result.code


def _resident_bytes() -> int | None:
    """Current resident memory of this process (Linux), or None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Budget:
    """The limits of one evaluation and the guard functions that enforce them."""

    def __init__(self, limits: ScriptLimits, attribute_overrides: dict | None = None):
        self.limits = limits
        self.overrides = attribute_overrides or {}
        self.ticks = 0
        self.max_ticks = limits.iterations
        self.allocated = 0
        self.started = monotonic()
        self.next_check = self.started + min(CHECK_EVERY, limits.seconds)
        self.resident_at_start: int | None = None
        self.stopped: LimitExceeded | None = None

    def guards(self) -> dict:
        """The per-evaluation guard functions RestrictedPython's rewritten code calls."""
        return {"_tick_": self.tick, "_getattr_": self.getattr, "_add_": self.add,
                "_mul_": self.mul, "_pow_": self.pow, "_lshift_": self.lshift, "_mod_": self.mod,
                "_format_": self.format, "_inplacevar_": self.inplace, "_text_": self.text}

    # -- time, iterations, memory ---------------------------------------------------------------
    def tick(self) -> bool:
        """Count one iteration or call; stop when over budget. Always True (used in ``ifs``)."""
        self.ticks += 1
        if self.ticks > self.max_ticks or monotonic() >= self.next_check:
            self.check()
        return True

    def check(self) -> None:
        """Stop if the script is out of iterations, time or memory (sticky once stopped)."""
        if self.stopped is not None:
            raise LimitExceeded(*self.stopped.args)
        if self.ticks > self.limits.iterations:
            self.stop(f"more than {self.limits.iterations:,} loop iterations or calls")
        now = monotonic()
        if now - self.started > self.limits.seconds:
            self.stop(f"it ran longer than {self.limits.seconds:g} s")
        resident = _resident_bytes()
        if resident is not None:
            if self.resident_at_start is None:
                self.resident_at_start = resident
            elif resident - self.resident_at_start > self.limits.memory_mb * 2**20:
                self.stop(f"it used more than {self.limits.memory_mb} MB of memory")
        self.next_check = now + CHECK_EVERY

    def stop(self, reason: str):
        """Raise (and remember) ``LimitExceeded``: every later tick raises again."""
        self.stopped = LimitExceeded(f"Script stopped: {reason}")
        self.max_ticks, self.next_check = -1, 0.0
        raise self.stopped

    def charge(self, size: int, what: str = "items") -> None:
        """Account for an operation about to build ``size`` items; stop if it is too big."""
        if size > self.limits.max_length:
            self.stop(f"the result would have {size:,} {what} (limit {self.limits.max_length:,})")
        self.allocated += max(size, 0)
        if self.allocated > self.limits.allocation:
            self.stop(f"it built more than {self.limits.allocation:,} items in total")

    def _bits(self, bits: float) -> None:
        if bits > self.limits.max_int_bits:
            self.stop(f"the number would have about {bits:,.0f} bits "
                      f"(limit {self.limits.max_int_bits:,})")

    # -- guarded operators -----------------------------------------------------------------------
    def add(self, a, b):
        """``a + b``, refusing a sequence longer than the limit."""
        self._check_add(a, b)
        return a + b

    def mul(self, a, b):
        """``a * b``, refusing huge repeated sequences and integers."""
        self._check_mul(a, b)
        return a * b

    def pow(self, a, b, mod=None):
        """``a ** b`` and ``pow()``, refusing results (or modular work) over the integer limit."""
        if mod is None:
            self._check_pow(a, b)
            return a ** b
        if isinstance(b, int) and isinstance(mod, int) and max(b.bit_length(), mod.bit_length()) > 4096:
            self.stop("pow() with a modulus is limited to 4096-bit numbers")
        return pow(a, b, mod)

    def lshift(self, a, b):
        """``a << b``, refusing integers over the limit."""
        self._check_lshift(a, b)
        return a << b

    def mod(self, a, b):
        """``a % b``; for %-formatting, refuses ``*`` and widths/precisions over the limit."""
        self._check_mod(a, b)
        return a % b

    def format(self, value, spec: str, conversion: int):
        """An f-string field with a format spec, refusing widths/precisions over the limit."""
        self._check_text(value)
        value = {115: str, 114: repr, 97: ascii}.get(conversion, lambda v: v)(value)
        for number in _NUMBER_IN_SPEC.findall(spec):
            self.charge(int(number), "characters")
        return format(value, spec)

    def text(self, function, *args, **kwargs):
        """``str(x)``/``repr(x)``/``ascii(x)``/``format(x, spec)``, refusing the text of a
        container that would be longer than the limit (``str([[big] * 1000] * 1000)``)."""
        if function in _TEXT_FUNCTIONS and args:
            self._check_text(args[0])
            if function is str and len(args) > 1:
                check_codec(self, args[1])
        return function(*args, **kwargs)

    def _check_text(self, value) -> None:
        if isinstance(value, _CONTAINERS):
            self.charge(expanded_size(value, self.limits.max_length), "items or characters")

    def inplace(self, op: str, target, value):
        """``target op= value`` through the same checks as the binary operators."""
        check = _CHECKS.get(op)
        if check is not None:
            check(self, target, value)
        return _INPLACE[op](target, value)

    def _check_add(self, a, b) -> None:
        if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            size = len(a) + len(b)
            if size > self.limits.max_length:
                self.charge(size)
            if size > 65_536:
                self.check()

    def _check_mul(self, a, b) -> None:
        if isinstance(a, int):
            if isinstance(b, int):
                self._bits(a.bit_length() + b.bit_length())
            elif isinstance(b, _SEQUENCES):
                self.charge(len(b) * a)
        elif isinstance(b, int) and isinstance(a, _SEQUENCES):
            self.charge(len(a) * b)

    def _check_pow(self, a, b) -> None:
        if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            self._bits(b * math.log2(abs(a)))

    def _check_lshift(self, a, b) -> None:
        if isinstance(a, int) and isinstance(b, int) and a and b > 0:
            self._bits(a.bit_length() + b)

    def _check_mod(self, a, b) -> None:
        if isinstance(a, (str, bytes)):
            self._check_text(b)
            for match in (_PERCENT_SPEC if isinstance(a, str) else _PERCENT_SPEC_BYTES).finditer(a):
                for number in match.groups():
                    if number in ("*", b"*"):
                        self.stop("'*' widths in %-formatting are not allowed")
                    if number is not None:
                        self.charge(int(number), "characters")

    # -- attributes ------------------------------------------------------------------------------
    def getattr(self, obj, name: str):
        """RestrictedPython's ``safer_getattr`` (no ``_`` names, no ``str.format``) plus size
        checks on amplifying methods and clock-aware ``datetime.now``/``date.today``."""
        if name in _REFUSED_ATTRIBUTES:
            raise AttributeError(f'"{name}" is not available in scripts')
        if name in _CLOCK_NAMES:
            override = self.overrides.get((obj if isinstance(obj, type) else type(obj), name))
            if override is not None:
                return override
        value = safer_getattr_raise(obj, name)
        if name in ("encode", "decode") and _amplifier_applies(obj, name):
            return self._codec_checked(value, isinstance(obj, type))
        estimate = _AMPLIFIERS.get(name)
        if estimate is None or not _amplifier_applies(obj, name):
            return value
        unbound = isinstance(obj, type)

        @functools.wraps(value)
        def guarded(*args, **kwargs):
            subject, rest = (args[0], list(args[1:])) if unbound else (obj, list(args))
            if name == "join" and rest:
                rest[0] = list(rest[0])
            self.charge(estimate(subject, *rest, **kwargs), "characters")
            return value(subject, *rest, **kwargs) if unbound else value(*rest, **kwargs)
        return guarded


    def _codec_checked(self, method, unbound: bool):
        @functools.wraps(method)
        def checked(*args, **kwargs):
            rest = args[1:] if unbound else args
            check_codec(self, kwargs.get("encoding", rest[0] if rest else "utf-8"))
            return method(*args, **kwargs)
        return checked


def check_codec(budget: Budget, encoding) -> None:
    """Stop unless ``encoding`` names a plain text codec (the others can be quadratic)."""
    try:
        name = codecs.lookup(encoding).name if isinstance(encoding, str) else None
    except LookupError:
        name = None
    if name not in SAFE_CODECS:
        budget.stop(f"the codec {encoding!r} is not allowed in scripts "
                    f"(allowed: {', '.join(sorted(SAFE_CODECS))})")


def expanded_size(value, cap: int, sizes: dict | None = None) -> int:
    """Items plus characters of ``value`` written out in full, as ``str`` or JSON would (a part
    shared n times counts n times); any number over ``cap`` once it is known to be more.

    Each distinct container is visited once (sizes are summed over the object graph), so the
    cost follows the memory the value really uses, not the size it expands to; a cycle is
    over the cap. Pass the same ``sizes`` dict (and cap) to size several values that share parts.
    """
    if not isinstance(value, _CONTAINERS):
        return _leaf_size(value)
    over, pending = cap + 1, [(value, False)]
    sizes = {} if sizes is None else sizes
    while pending:
        item, children_done = pending.pop()
        if children_done:
            total = 1
            for child in _children(item):
                total += sizes[id(child)] if isinstance(child, _CONTAINERS) else _leaf_size(child)
                if total > cap:
                    break
            sizes[id(item)] = min(total, over)
        elif id(item) not in sizes:
            sizes[id(item)] = over                 # on the current path: a cycle is too big
            if len(item) >= cap:
                continue
            pending.append((item, True))
            pending.extend((c, False) for c in _children(item)
                           if isinstance(c, _CONTAINERS) and id(c) not in sizes)
    return sizes[id(value)]


def _children(item):
    return itertools.chain(item.keys(), item.values()) if isinstance(item, dict) else item


def _leaf_size(value) -> int:
    return len(value) if isinstance(value, (str, bytes, bytearray)) else 1


_CLOCK_NAMES = frozenset({"now", "utcnow", "today"})
_CHECKS = {"+=": Budget._check_add, "*=": Budget._check_mul, "**=": Budget._check_pow,
           "<<=": Budget._check_lshift, "%=": Budget._check_mod}
_PERCENT_SPEC_BYTES = re.compile(_PERCENT_SPEC.pattern.encode())
_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
            "/=": operator.itruediv, "%=": operator.imod, "**=": operator.ipow,
            "<<=": operator.ilshift, ">>=": operator.irshift, "|=": operator.ior,
            "^=": operator.ixor, "&=": operator.iand, "//=": operator.ifloordiv,
            "@=": operator.imatmul}


def _amplifier_applies(obj, name: str) -> bool:
    kinds = (int,) if name == "to_bytes" else _TEXT
    return isinstance(obj, kinds) or (isinstance(obj, type) and issubclass(obj, kinds))


def _replace_size(s, old, new, count=-1):
    hits = s.count(old) if old else len(s) + 1
    return len(s) + min(hits, count if count >= 0 else hits) * max(len(new) - len(old), 0)


def _translate_size(s, table, *rest):
    values = table.values() if isinstance(table, dict) else ()
    return len(s) * max([len(v) for v in values if isinstance(v, _TEXT)] + [1])


def _join_size(sep, items=()):
    return sum(len(i) for i in items if isinstance(i, _TEXT)) + len(sep) * max(len(items) - 1, 0)


_AMPLIFIERS = {
    "ljust": lambda s, width, *a: width, "rjust": lambda s, width, *a: width,
    "center": lambda s, width, *a: width, "zfill": lambda s, width: width,
    "expandtabs": lambda s, tabsize=8: len(s) + s.count("\t" if isinstance(s, str) else b"\t")
    * tabsize,
    "replace": _replace_size, "translate": _translate_size, "join": _join_size,
    "to_bytes": lambda i, length=1, *a, **k: length,
}


def restricted_builtins(limits: ScriptLimits) -> dict:
    """RestrictedPython's safe builtins, minus escape hatches, plus a whitelist; size-checked
    ``range``/``pow``/``round`` and a ``sum`` that adds numbers only (no quadratic list sums)."""

    def limited_range(*args):
        span = range(*args)
        try:
            size = len(span)
        except OverflowError:
            size = limits.max_length + 1
        if size > limits.max_length:
            raise ValueError(f"range() of {size:,} numbers is over the limit of {limits.max_length:,}")
        return span

    def limited_round(number, ndigits=None):
        if ndigits is not None and abs(ndigits) > 1000:
            raise ValueError("round() to more than 1000 digits is not allowed")
        return round(number) if ndigits is None else round(number, ndigits)

    def number_sum(values, start=0):
        if not isinstance(start, (int, float, complex, timedelta)):
            raise TypeError("sum() adds numbers only; use ''.join() or a comprehension")
        return sum(values, start)

    names = {k: v for k, v in safe_builtins.items() if k not in _UNSAFE_BUILTINS}
    names.update(_EXTRA_BUILTINS, range=limited_range, round=limited_round, sum=number_sum,
                 pow=lambda base, exp, mod=None: Budget(limits).pow(base, exp, mod))
    return names
