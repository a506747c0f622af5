"""Worker processes that run diagram code under hard CPU-time and address-space limits.

``sandbox.Budget`` checks time and memory between Python operations, so one C-level call
(``str`` of a huge nested list, a quadratic codec) could run for minutes and take gigabytes.
Non-trivial code (``engine/trivial.py``) therefore runs in a worker process:
- before each evaluation the worker sets its own ``RLIMIT_CPU`` to its CPU time so far plus the
  evaluation's ``ScriptLimits.seconds`` (the kernel kills it with SIGXCPU past that) and its
  ``RLIMIT_AS`` to its current address space plus ``memory_mb`` (an allocation past that is a
  ``MemoryError``, after which the worker answers and exits);
- the parent waits at most ``seconds + GRACE`` for the answer, then kills the worker;
- a worker that breached a limit is replaced at once by a new one, so the next evaluation does
  not pay a process start; each breach is a ``ScriptError`` naming the limit.
Workers are plain ``python -c`` children started with ``subprocess`` (a fresh interpreter, as
multiprocessing's ``spawn`` would; never ``fork`` of the multi-threaded server) talking pickled
plain data over their stdin/stdout: the request is code, task data, the board calendar, the
engine clock's ``now`` and the limits; the answer is a value, the updated task data or a
described error (``scripting.run_request``). They start when a served app is built
(``warm``), else at the first evaluation, at most ``POOL_SIZE`` per server process; they are
shared by its threads, survive across requests, end with the process (at exit, or on
end-of-file when it dies) and are never shared with a forked child (the pool remembers its
``os.getpid()``). Services (``call_service``) stay in the parent.
"""
from __future__ import annotations

import atexit
import math
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from .errors import ScriptError

POOL_SIZE = max(2, min(4, os.cpu_count() or 2))
GRACE = 1.0                     # seconds on top of ScriptLimits.seconds for the round trip
START_TIMEOUT = 60.0            # a fresh interpreter importing the engine on a loaded machine
MAX_REPLY = 64 * 2**20          # bytes of pickled answer the parent accepts
_HEADER = struct.Struct("!Q")
_READY = b"R"
_ROOT = str(Path(__file__).resolve().parent.parent)
_KEPT_VARIABLES = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONHASHSEED")


class _Breach(Exception):
    """The worker broke a hard limit or died; the message says which (it is replaced)."""


def run(request: dict, limits) -> tuple:
    """Send ``request`` to a worker and return its answer (``scripting.run_request``'s tuple).

    Raises:
        ScriptError: the worker ran out of CPU time or memory, took too long or died.
    """
    pool = _pool()
    try:
        payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise ScriptError(f"the task data cannot be passed to the script sandbox: {exc}") from None
    for attempt in (1, 2):
        worker = pool.acquire()
        try:
            answer = worker.call(payload, limits)
        except BrokenPipeError:             # died while idle (killed from outside): once more
            pool.discard(worker)
            if attempt == 2:
                raise ScriptError("Script stopped: the script worker process could not be "
                                  "reached") from None
            continue
        except _Breach as breach:
            pool.discard(worker)
            raise ScriptError(f"Script stopped: {breach}") from None
        except BaseException:
            pool.discard(worker)
            raise
        pool.release(worker)
        return answer
    raise AssertionError("unreachable")


class _Worker:
    """One worker process and its two pipes."""

    def __init__(self):
        env = {k: os.environ[k] for k in _KEPT_VARIABLES if k in os.environ}
        env["PYTHONPATH"] = os.pathsep.join([_ROOT, *sys.path[1:]])
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from engine.script_workers import serve; serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, cwd=_ROOT)
        self.ready = False

    def started(self) -> bool:
        """True once the process has said it is ready (does not wait)."""
        if not self.ready and _readable(self.process.stdout.fileno(), 0):
            self.ready = os.read(self.process.stdout.fileno(), len(_READY)) == _READY
        return self.ready

    def call(self, payload: bytes, limits) -> tuple:
        """Send one request and wait for its answer within the limits."""
        if not self.ready:
            try:
                self.ready = self._read(len(_READY), time.monotonic() + START_TIMEOUT) == _READY
            except _Breach:
                pass
            if not self.ready:
                raise BrokenPipeError("the script worker process did not start")
        _write_all(self.process.stdin.fileno(), _HEADER.pack(len(payload)) + payload)
        deadline = time.monotonic() + limits.seconds + GRACE
        (size,) = _HEADER.unpack(self._read(_HEADER.size, deadline, limits))
        if size > MAX_REPLY:
            raise _Breach(f"its result is larger than {MAX_REPLY // 2**20} MB")
        answer = pickle.loads(self._read(size, deadline, limits))
        if answer[0] == "breach":
            raise _Breach(answer[1])
        return answer

    def _read(self, size: int, deadline: float, limits=None) -> bytes:
        fd, chunks, left = self.process.stdout.fileno(), [], size
        while left:
            if not _readable(fd, deadline - time.monotonic()):
                raise _Breach(f"it ran longer than {limits.seconds:g} s" if limits
                              else "the script worker process did not start")
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                raise _Breach(self._death(limits))
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _death(self, limits) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if limits is not None and code == -signal.SIGXCPU:
            return f"it ran out of CPU time ({limits.seconds:g} s)"
        return f"the script worker process stopped unexpectedly (exit status {code})"

    def kill(self) -> None:
        """End the process now and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()

    def close(self) -> None:
        """Ask the process to end (end-of-file on its input); kill it if it does not (at once
        if it has not finished starting)."""
        self.process.stdin.close()
        try:
            self.process.wait(timeout=1 if self.started() else 0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def _readable(fd: int, timeout: float) -> bool:
    """Wait up to ``timeout`` seconds for ``fd`` to have data (or end-of-file)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(timeout, 0) * 1000))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class _Pool:
    """Up to ``size`` workers for one server process, shared by its threads."""

    def __init__(self, size: int):
        self.pid, self.size = os.getpid(), size
        self.idle: list[_Worker] = []
        self.count = 0
        self.changed = threading.Condition()

    def acquire(self) -> _Worker:
        """An idle worker (one that has started, if any), else a new one while under ``size``
        (the first call starts them all), else the next one released."""
        with self.changed:
            while not self.idle and self.count >= self.size:
                self.changed.wait()
            if self.idle:
                ready = [w for w in self.idle if w.started()]
                worker = (ready or self.idle)[-1]
                self.idle.remove(worker)
                return worker
            extra = self.size - self.count - 1 if self.count == 0 else 0
            self.count += 1 + extra
        self._start_idle(extra)
        return self._start()

    def fill(self) -> None:
        """Start the workers not started yet, as idle ones (they get ready meanwhile)."""
        with self.changed:
            missing, self.count = self.size - self.count, self.size
        self._start_idle(missing)

    def _start_idle(self, count: int) -> None:
        for _ in range(count):
            self.release(self._start())

    def release(self, worker: _Worker) -> None:
        with self.changed:
            self.idle.append(worker)
            self.changed.notify()

    def discard(self, worker: _Worker) -> None:
        """Kill a worker that breached a limit and start its replacement (in its slot) at once."""
        worker.kill()
        try:
            self.release(self._start())
        except OSError:             # _start gave the slot back; the next acquire tries again
            pass

    def _start(self) -> _Worker:
        try:
            return _Worker()
        except BaseException:
            with self.changed:
                self.count -= 1
                self.changed.notify()
            raise

    def close(self) -> None:
        """End every idle worker (at exit, in the process that started them)."""
        if os.getpid() != self.pid:
            return
        with self.changed:
            workers, self.idle = self.idle, []
        for worker in workers:
            worker.close()

    def forget(self) -> None:
        """In a forked child: drop the parent's workers without touching the processes."""
        for worker in self.idle:
            for pipe in (worker.process.stdin, worker.process.stdout):
                pipe.close()
        _FORGOTTEN.append(self)


_POOL: _Pool | None = None
_POOL_LOCK = threading.Lock()
_FORGOTTEN: list[_Pool] = []      # kept so their Popen objects never try to reap in a child


def _pool() -> _Pool:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None and _POOL.pid != os.getpid():
            _POOL.forget()
            _POOL = None
        if _POOL is None:
            _POOL = _Pool(POOL_SIZE)
            atexit.register(_POOL.close)
        return _POOL


def warm() -> None:
    """Start this process's workers now, not at its first script: a fresh interpreter importing
    the engine takes seconds (7-9 s on a loaded machine), which the first request running
    diagram code would otherwise wait for. Does not wait for them to be ready."""
    _pool().fill()


def worker_pids() -> list[int]:
    """Process ids of this process's idle workers (for tests and diagnostics)."""
    pool = _POOL
    if pool is None or pool.pid != os.getpid():
        return []
    with pool.changed:
        return [worker.process.pid for worker in pool.idle]


# -- the worker side -------------------------------------------------------------------------------
def serve() -> None:
    """The worker's main loop: read a request, run it within hard limits, answer; exit at EOF."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is for the server, which ends us
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdin = sys.stdout = sys.stderr            # nothing else may use the two pipes
    from .scripting import run_request              # imported after the limits are known
    answers.write(_READY)
    answers.flush()
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        request = pickle.loads(requests.read(_HEADER.unpack(header)[0]))
        limits = request["limits"]
        _limit_self(limits)
        try:
            answer = pickle.dumps(run_request(request), protocol=pickle.HIGHEST_PROTOCOL)
            breached = False
        except MemoryError:
            answer = pickle.dumps(("breach", f"it used more than {limits.memory_mb} MB of memory"))
            breached = True
        _unlimit_self()                            # reading the next request is not timed
        answers.write(_HEADER.pack(len(answer)) + answer)
        answers.flush()
        if breached:                               # the heap may be in any state: start afresh
            return


def _limit_self(limits) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = math.ceil(usage.ru_utime + usage.ru_stime + limits.seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
    resource.setrlimit(resource.RLIMIT_AS, (_address_space() + limits.memory_mb * 2**20,
                                            resource.RLIM_INFINITY))


def _unlimit_self() -> None:
    for limit in (resource.RLIMIT_CPU, resource.RLIMIT_AS):
        resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _address_space() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
