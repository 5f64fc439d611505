"""Ending a run cleanly on SIGINT (Ctrl-C) and SIGTERM (``kill``, a cluster's time limit).

Python turns SIGINT into a KeyboardInterrupt and dies silently on SIGTERM, so a run killed
at a cluster's time limit never got to say so in its run.json. Inside
:func:`raise_on_signals` both raise :class:`Interrupted`, a KeyboardInterrupt that names its
signal, so one ``except`` marks the run's record "interrupted" and the command line ends
with one line and status 128 + the signal's number (130, 143). :func:`held` keeps both
signals waiting through a step that must not be cut in half (moving a run's outputs into
place, or clearing them away). Worker processes (:func:`quiet_worker`) end silently on
either signal: the parent reports.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""The signals that end a run: Ctrl-C, and what ``kill`` and SLURM send."""


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT or SIGTERM.

    A KeyboardInterrupt, so that whatever already stops cleanly on Ctrl-C (pytest,
    joblib, concurrent.futures) stops cleanly on SIGTERM too.

    Attributes:
        signum: The signal's number.
        folder: The run folder it interrupted, once the run has recorded it (else None).

    """

    def __init__(self, signum: int, folder: Path | None = None) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.folder = folder

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by signal number (a worker process may send it to its parent)."""
        return (Interrupted, (self.signum, self.folder))

    @property
    def name(self) -> str:
        """The signal's name (``SIGINT``, ``SIGTERM``)."""
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        """The conventional status of a process ended by the signal: 128 + its number."""
        return 128 + self.signum


def as_interrupted(exc: KeyboardInterrupt, folder: Path | None = None) -> Interrupted:
    """``exc`` as an :class:`Interrupted` (a plain KeyboardInterrupt is a SIGINT)."""
    stop = exc if isinstance(exc, Interrupted) else Interrupted(signal.SIGINT)
    if folder is not None:
        stop.folder = folder
    return stop


def _raise(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signum)


Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


@contextmanager
def _handling(handler: Callable[[int, FrameType | None], Any]) -> Iterator[None]:
    """Handle SIGINT and SIGTERM with ``handler`` inside the block, then restore.

    A signal the process ignores (a job started in the background) stays ignored. Only
    the main thread can set handlers: elsewhere (a launcher's worker thread) the block
    runs with the handlers it has.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Handler] = {s: signal.getsignal(s) for s in SIGNALS}
    for signum, old in previous.items():
        if old is not signal.SIG_IGN:
            signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            if old is not None:  # None: set outside Python; leave it as it is now
                signal.signal(signum, old)


@contextmanager
def raise_on_signals() -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM raise :class:`Interrupted`."""
    with _handling(_raise):
        yield


@contextmanager
def held(deliver: bool = True) -> Iterator[None]:
    """Keep SIGINT and SIGTERM waiting until the block ends.

    Args:
        deliver: Deliver the first signal that arrived, once the block is over and the
            handlers it found are back (so :func:`raise_on_signals` raises then); if
            False, drop it (for the clearing-up after a run has already ended).

    """
    caught: list[int] = []
    with _handling(lambda signum, _frame: caught.append(signum)):
        yield
    if caught and deliver:
        signal.raise_signal(caught[0])


def quiet_worker() -> None:
    """Initialise a worker process: SIGINT and SIGTERM end it at once, with no traceback.

    Ctrl-C reaches every process of the terminal's group and SLURM signals every process
    of a job; the parent records the interruption and says so, once. A signal the parent
    ignored stays ignored.
    """
    for signum in SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, signal.SIG_DFL)
