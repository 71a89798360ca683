"""The fork server: every case runs in its own forked child, so a crash is an outcome.

The parent (pytest, or ``python -m tests.fuzz``) starts one server process
(:class:`Server`). The server imports ngramvec and the targets once and then, for each
case it is sent, forks a child that writes the case's files to a fresh directory,
runs the target and sends back the outcome through a pipe. The server waits for the
child with a timeout:

- the child exits normally: its outcome (``ok``, ``rejected``, ``bare``...);
- the child dies from a signal (SIGABRT from glibc's heap checks, SIGSEGV...) or
  exits without an outcome: ``crash``, with the signal, the phase the target had
  reached and the end of the child's stderr;
- the child outlives the timeout: it is killed, ``hang``.

Each case starts from the same clean state (the server never runs ngramvec code
itself, so no OpenMP thread pool or heap damage is inherited), which makes a crash
attributable to the one input that caused it. A child runs under an address-space
limit (``RLIMIT_AS``) so that a runaway allocation fails instead of swapping the
machine.

Protocol: length-prefixed pickles over the server's stdin and stdout (the server
moves its own stdout to stderr so that stray output cannot corrupt the channel).
"""
from __future__ import annotations

import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["Server", "DEFAULT_MEMORY_LIMIT"]

DEFAULT_MEMORY_LIMIT = 4 << 30   # bytes of address space per child
# Under AddressSanitizer (.ci/run's sanitizer stage preloads its runtime) the address
# space holds the sanitizer's shadow memory (terabytes reserved): no RLIMIT_AS then, and
# ASan turns a segfault into its report and an abort.
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
_HEADER = struct.Struct("<Q")


def send(f: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    f.write(_HEADER.pack(len(data)) + data)
    f.flush()


def _read_exact(f: BinaryIO, n: int) -> bytes | None:
    chunks = []
    while n:
        b = f.read(n)
        if not b:
            return None
        chunks.append(b)
        n -= len(b)
    return b"".join(chunks)


def recv(f: BinaryIO) -> Any:
    head = _read_exact(f, _HEADER.size)
    if head is None:
        return None
    data = _read_exact(f, _HEADER.unpack(head)[0])
    return None if data is None else pickle.loads(data)


# --------------------------------------------------------------------------- server side


def _child(target: str, payload: dict, case_dir: Path, w: int, closing: list[int],
           memory_limit: int) -> None:
    """In the forked child: never returns."""
    try:
        for fd in closing:
            os.close(fd)
        err = os.open(case_dir / ".stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(err, 1)
        os.dup2(err, 2)
        if memory_limit and not UNDER_ASAN:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        from . import targets
        outcome = targets.run_case(target, payload, case_dir)
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(w, view):]
    except BaseException:  # noqa: BLE001 - reported as a crash (no outcome)
        import traceback
        traceback.print_exc()
    finally:
        os._exit(0)


def _tail(path: Path, n: int = 3000) -> str:
    try:
        data = path.read_bytes()
    except OSError:
        return ""
    return data[-n:].decode("utf-8", "replace")


def run_forked(target: str, payload: dict, timeout: float, workdir: Path, closing: list[int],
               memory_limit: int) -> dict:
    case_dir = Path(tempfile.mkdtemp(prefix="case-", dir=workdir))
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _child(target, payload, case_dir, w, closing, memory_limit)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    hung = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                hung = True
                break
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            b = os.read(r, 1 << 16)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(r)
    if hung:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - t0
    phase = ""
    try:
        phase = (case_dir / ".phase").read_text()
    except OSError:
        pass
    stderr = _tail(case_dir / ".stderr")
    shutil.rmtree(case_dir, ignore_errors=True)
    if hung:
        return {"status": "hang", "phase": phase, "exc_type": "timeout",
                "message": f"no answer after {timeout:.0f} s (killed)", "where": phase,
                "stderr": stderr, "seconds": seconds}
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        return {"status": "crash", "phase": phase, "exc_type": sig,
                "message": f"killed by {sig} during {phase or '?'}", "where": phase,
                "stderr": stderr, "seconds": seconds}
    try:
        outcome = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - truncated: the child died before it finished
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
        return {"status": "crash", "phase": phase, "exc_type": f"exit {code}",
                "message": f"the child exited ({code}) without an outcome during {phase or '?'}",
                "where": phase, "stderr": stderr, "seconds": seconds}
    outcome["seconds"] = seconds
    if outcome.get("status") not in ("ok", "rejected"):
        outcome["stderr"] = stderr
    return outcome


def serve(memory_limit: int) -> None:
    """Main loop of the server process."""
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    workdir = Path(tempfile.mkdtemp(prefix="ngramvec-fuzz-"))
    try:
        import ngramvec

        from . import targets  # imported once, before any fork
        targets.preload()
        send(proto_out, {"ready": True, "ngramvec": ngramvec.__file__, "pid": os.getpid()})
        closing = [proto_in.fileno(), proto_out.fileno()]
        while True:
            msg = recv(proto_in)
            if msg is None:
                break
            outcome = run_forked(msg["target"], msg["payload"], msg["timeout"], workdir, closing,
                                 memory_limit)
            send(proto_out, outcome)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- parent side

_BOOT = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from {package}.server import serve
serve(int(sys.argv[3]))
"""


class Server:
    """Handle on a fork server process (started on first use, restarted if it dies).

    Parameters
    ----------
    memory_limit : int
        Address-space limit of each child, bytes (0: none).
    log : path, optional
        Where the server's own stderr goes (default: discarded).
    """

    def __init__(self, memory_limit: int = DEFAULT_MEMORY_LIMIT, log: str | None = None) -> None:
        self.memory_limit = memory_limit
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self.starts = 0

    def start(self) -> None:
        import ngramvec
        package_dir = Path(__file__).resolve().parent          # tests/fuzz
        project_root = Path(ngramvec.__file__).resolve().parent.parent
        boot = _BOOT.format(package=package_dir.name)
        err = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-c", boot, str(project_root), str(package_dir.parent),
             str(self.memory_limit)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
            env={**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"})
        if self.log:
            err.close()
        self.info = self._recv(120.0) or {}
        if not self.info.get("ready"):
            self.close()
            raise RuntimeError("the fuzz server did not start (see its log)")
        self.starts += 1

    def _recv(self, timeout: float) -> Any:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return None
        return recv(self.proc.stdout)

    def run(self, target: str, payload: dict, timeout: float = 60.0) -> dict:
        """Run one case in a fresh child; returns its outcome dict."""
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            send(self.proc.stdin, {"target": target, "payload": payload, "timeout": timeout})
            outcome = self._recv(timeout + 60.0)
        except (BrokenPipeError, OSError, EOFError):
            outcome = None
        if outcome is None:
            self.close()
            return {"status": "harness-error", "exc_type": "ServerDied",
                    "message": "the fuzz server itself stopped answering", "where": "server"}
        return outcome

    def close(self) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
