"""SIGTERM handled like Ctrl-C: the process unwinds and removes what it created.

Every temporary thing ngramvec makes (the spill directory of counting, a temporary
encoded corpus, the ``.tmp`` file of an atomic write) is removed in a ``finally`` or
``except BaseException`` path, so Ctrl-C (:class:`KeyboardInterrupt`) leaves nothing
behind. SIGTERM, which ``timeout``, ``kill`` and batch schedulers send, ends a Python
process at once by default, without unwinding. :func:`terminate_as_interrupt` turns
it into an exception, :class:`Terminated`, for the code run inside it.

The ``ngramvec`` command runs every subcommand inside it (exit status 143, that is
128 + 15, after the clean-up). Importing ngramvec installs no signal handler; a
program that uses the library and wants the same behaviour wraps its own work::

    from ngramvec.base.signals import Terminated, terminate_as_interrupt

    try:
        with terminate_as_interrupt():
            counts = nv.count_cooccurrences(corpus, vocab, memory_limit="2GB")
            counts.save("counts.npz")
    except Terminated:
        sys.exit(143)

A temporary left by a process killed with SIGKILL (which no handler can catch) is
removed by the next ngramvec run that creates a temporary in the same directory (see
:func:`ngramvec.base.fileio.remove_stale_temporaries`).
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator

__all__ = ["Terminated", "terminate_as_interrupt", "EXIT_TERMINATED"]

#: Exit status of a process ended by SIGTERM (128 + 15), as shells report it.
EXIT_TERMINATED = 128 + int(signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived inside :func:`terminate_as_interrupt`.

    A subclass of :class:`KeyboardInterrupt`: code written for Ctrl-C (clean-up in
    ``finally``, ``except KeyboardInterrupt`` to stop training) treats it the same.
    Catch it before ``KeyboardInterrupt`` to tell the two apart.

    Attributes
    ----------
    signum : int
        The signal received (``signal.SIGTERM``).
    """

    def __init__(self, signum: int = int(signal.SIGTERM)) -> None:
        super().__init__(f"terminated by signal {signum} ({signal.Signals(signum).name})")
        self.signum = signum


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[bool]:
    """Raise :class:`Terminated` in the main thread when SIGTERM arrives in the block.

    The handler is installed only in the main thread (the only one Python delivers
    signals to) and only when SIGTERM has its default action: a handler of the
    program, or SIGTERM ignored, is left alone, and so is an enclosing
    ``terminate_as_interrupt``. The previous handler is restored when the block ends.

    The exception is raised once: a second SIGTERM while the first one unwinds is
    ignored, so it cannot cut the clean-up short (SIGKILL still ends the process;
    what it leaves behind, the next run removes).

    Yields
    ------
    bool
        Whether the handler was installed by this call.

    Notes
    -----
    A compiled kernel runs without the GIL; the exception is raised when it returns
    to Python, after the current chunk of work (counting and training work in chunks
    of about two million tokens).

    Examples
    --------
    >>> import signal
    >>> try:
    ...     with terminate_as_interrupt() as installed:
    ...         if installed:
    ...             signal.raise_signal(signal.SIGTERM)
    ... except Terminated as exc:
    ...     print(exc)
    terminated by signal 15 (SIGTERM)
    >>> signal.getsignal(signal.SIGTERM) is signal.SIG_DFL   # restored
    True
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield False
        return
    raised = False

    def handler(signum: int, frame: Any) -> None:
        nonlocal raised
        if raised:          # already unwinding: let the clean-up finish
            return
        raised = True
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield True
    finally:
        signal.signal(signal.SIGTERM, previous)
