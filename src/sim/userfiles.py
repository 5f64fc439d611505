"""Files a user names: their text read, and outputs written, with one-line errors.

The command-line tools (``sim.compare``, ``sim.audit``, ``sim.story``, ``sim.explorer``)
read and write through these helpers. :func:`read_text` gives a file's text or says in
one line why it has none (missing, a folder, unreadable, binary, not UTF-8, empty).
:func:`check_writable` says before any work whether a folder could be made and written;
:func:`staged` gives a staging folder inside the destination and moves every file into
place only when all of them are written; :func:`write_text` does the same for one file.
Anything that goes wrong on the disk (a file in the way, a read-only folder, a full disk)
is an :class:`OutputError`: one plain line naming the folder or file, and nothing left
behind but what was there before.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sim.config import ConfigError

STAGING = ".partial"
"""The staging folder inside a destination, removed when the files are in place."""


class InputError(ConfigError):
    """A file the user gave cannot be read as text; one plain line naming it."""


class OutputError(ConfigError):
    """A folder or file the user asked for cannot be made or written; one plain line."""


def read_text(path: Path, name: str | None = None, error: type[ConfigError] = InputError) -> str:
    """The text of ``path`` (UTF-8, a byte-order mark allowed), or a one-line ``error``.

    Args:
        path: The file.
        name: How messages about its content name it (default: ``path``).
        error: The error to raise, a ConfigError (each tool has its own).

    """
    name = str(path) if name is None else name
    if path.is_dir():
        raise error(f"{path}: a folder, not a file")
    if not path.exists():
        raise error(f"{path}: no such file")
    if not path.is_file():
        raise error(f"{path}: not a regular file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read it ({_reason(exc)})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{name}: not UTF-8 text (line {line} has byte 0x{data[exc.start]:02x}); "
            "a binary file, or text saved in another encoding"
        ) from None
    if "\x00" in text:
        raise error(f"{name}: a binary file, not text")
    if not text.strip():
        raise error(f"{name}: the file is empty")
    return text


def _reason(exc: OSError) -> str:
    text = " ".join((exc.strerror or str(exc)).rstrip(".").splitlines())
    return text[:1].lower() + text[1:]


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (``.`` for a relative path)."""
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def check_writable(folder: Path) -> None:
    """Raise an OutputError unless ``folder`` is, or could be made as, a writable folder.

    Nothing is created. The disk can still refuse later (a full disk, a special file
    system); :func:`staged` reports that too.
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write {folder}: it is a file, not a folder")
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise OutputError(f"cannot make {folder}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "" if existing == folder else f" ({existing} is not writable)"
        raise OutputError(f"cannot write {folder}: permission denied{what}")


def _missing_folders(folder: Path) -> list[Path]:
    """The folders on the way to ``folder`` that do not exist yet, deepest first."""
    missing = []
    while not os.path.lexists(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_folders(made: list[Path]) -> None:
    for folder in made:  # deepest first; only the folders made here, and only if empty
        try:
            folder.rmdir()
        except OSError:
            break


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A staging folder whose files move into ``folder`` when the block ends without error.

    Files keep their place relative to the staging folder (subfolders included) and
    replace files of the same name. On any error the staging folder, and any folder made
    on the way to ``folder``, are removed; a disk error becomes an OutputError.
    """
    check_writable(folder)
    made = _missing_folders(folder)
    staging = folder / STAGING
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
        yield staging
        files = sorted(p for p in staging.rglob("*") if not p.is_dir())
        for path in files:  # every destination is checked before anything moves
            target = folder / path.relative_to(staging)
            if target.is_dir():
                raise OutputError(f"cannot write {target}: a folder of that name is in the way")
        for path in files:
            target = folder / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
        shutil.rmtree(staging)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_folders(made)
        raise OutputError(f"cannot write {folder}: {_reason(exc)}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_folders(made)
        raise


def check_file_writable(path: Path) -> None:
    """Raise an OutputError unless the file ``path`` could be written (nothing is made)."""
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder, not a file")
    if path.exists() and not path.is_file():  # a device or a pipe, written in place
        if not os.access(path, os.W_OK):
            raise OutputError(f"cannot write {path}: permission denied")
        return
    existing = _nearest_existing(path.parent)
    if not existing.is_dir():
        raise OutputError(f"cannot write {path}: {existing} is a file, not a folder")
    check_writable(path.parent)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a staging file beside it; return ``path``.

    A device or pipe (``/dev/stdout``) is written directly. On an error nothing is left
    in place but what was there before, and the error is an OutputError naming ``path``.
    """
    check_file_writable(path)
    if path.exists() and not path.is_file():
        try:
            with path.open("w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        return path
    made = _missing_folders(path.parent)
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        with suppress(OSError):
            partial.unlink(missing_ok=True)
        _remove_folders(made)
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
    return path
