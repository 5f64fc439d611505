"""A sensitivity study's folder: study.json, design.csv, the points kept, and the outputs.

The folder is the interface between the study's runs (sim.sensitivity: one process, or
many batches on a cluster writing into the same folder), its analysis and its figures and
report (sim.sensitivity_report). Its files, in the order they appear:

- ``study.json`` (:class:`~sim.sensitivity_design.Spec`) and ``design.csv`` (``point`` and
  the factors' values as run), before any point runs;
- ``points/NNNNN.csv``: a design point's replications (``point, replication`` and the
  KPIs), written through a temporary file and a rename as soon as the point is done, so a
  point's file is whole or absent; a rerun runs only the points without one;
- ``outputs.csv``, ``indices.csv`` and ``noise.csv``, written together (staged, then moved
  into place) only when every point is done: none of them is there unless all are;
- ``run_time.json`` (:data:`RUN_TIME`): the wall-clock seconds spent running points in
  one process (summed over a resumed study's runs; a cluster's batches do not add to it),
  the points those runs ran and their processes, for the report's run time.

Numbers are written in full (``repr``) so that they read back exactly; an empty cell is a
KPI with nothing to measure, or an index the method does not give.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.config import ConfigError
from sim.sensitivity_analysis import INDEX_COLUMNS, NOISE_COLUMNS, analyse
from sim.sensitivity_design import Spec, problem
from sim.userfiles import OutputError, read_text, staged

POINTS = "points"
STUDY_FILES = ("study.json", "design.csv", POINTS, "outputs.csv", "indices.csv", "noise.csv")
RUN_TIME = "run_time.json"
AFRESH = "to start afresh remove the folder or give another sensitivity.out"


def add_run_time(folder: Path, seconds: float, points: int, n_jobs: int) -> None:
    """Add a run's wall-clock seconds and points to the folder's :data:`RUN_TIME`."""
    path = folder / RUN_TIME
    record = {"wall_seconds": 0.0, "points_run": 0, "n_jobs": n_jobs}
    if path.is_file():
        try:
            record |= json.loads(read_text(path))
        except ValueError:
            pass  # a damaged record restarts the count; the points themselves are kept
    record["wall_seconds"] = float(record["wall_seconds"]) + seconds
    record["points_run"] = int(record["points_run"]) + points
    atomic_write(path, json.dumps(record, indent=1) + "\n")


def read_spec(folder: Path, what: str = "study") -> Spec:
    """The study a folder's study.json describes.

    Raises:
        ConfigError: no study.json there, or not one (``what`` names the setting).

    """
    path = folder / "study.json"
    if not path.is_file():
        raise ConfigError(f"{what}: {folder} has no study.json")
    try:
        return Spec.from_json(json.loads(read_text(path)))
    except ValueError as exc:  # json's errors and ConfigError
        raise ConfigError(f"{what}: {path}: {exc}") from None


def _cell(value: Any) -> str:
    """A CSV cell: full precision, NaN empty, booleans ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV text of ``rows`` under ``columns``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it and a rename.

    The temporary file's name is unique, so batches running at once never share one; a
    reader sees no file or the whole file, never part of one.

    Raises:
        OutputError: the disk refused (one line naming the file).

    """
    partial = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("x", encoding="utf-8") as handle:
            handle.write(text)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def design_text(spec: Spec, x: np.ndarray) -> str:
    """design.csv: ``point`` and the factors' values as run (whole numbers as such)."""
    rows = [
        [i, *(int(v) if f.whole else float(v) for f, v in zip(spec.factors, row, strict=True))]
        for i, row in enumerate(x.tolist())
    ]
    return csv_text(["point", *spec.keys], rows)


def open_folder(folder: Path, spec: Spec, x: np.ndarray, write: bool = True) -> None:
    """Check the folder holds this study (or none); if none, write study.json and design.csv.

    Raises:
        ConfigError: the folder holds another study (naming the first setting that
            differs), or files of a study without its study.json; says how to start afresh.

    """
    if (folder / "study.json").exists():
        theirs = read_spec(folder).to_json()
        ours = spec.to_json()
        if theirs != ours:
            key = next(k for k in ours if theirs.get(k) != ours[k])
            raise ConfigError(
                f"{folder} holds another study ({key}: {_short(theirs.get(key))} there, "
                f"{_short(ours[key])} here); {AFRESH}"
            )
        design = folder / "design.csv"
        if not design.is_file() or read_text(design) != design_text(spec, x):
            raise ConfigError(
                f"{folder}: design.csv is not the design these settings give (edited, or "
                f"made by another SALib); {AFRESH}"
            )
        return
    found = [name for name in STUDY_FILES if (folder / name).exists()]
    if found:
        raise ConfigError(
            f"{folder} holds {', '.join(found)} of a study but no study.json; {AFRESH}"
        )
    if write:
        atomic_write(folder / "design.csv", design_text(spec, x))
        atomic_write(folder / "study.json", json.dumps(spec.to_json(), indent=2) + "\n")


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def point_path(folder: Path, point: int) -> Path:
    """Where a design point's replications are kept."""
    return folder / POINTS / f"{point:05d}.csv"


def write_point(
    folder: Path, point: int, kpis: Sequence[str], reps: Sequence[Mapping[str, float]]
) -> None:
    """Keep a finished point's replications (one row each, in order), atomically."""
    rows = [[point, r, *(float(rep[k]) for k in kpis)] for r, rep in enumerate(reps)]
    atomic_write(point_path(folder, point), csv_text(["point", "replication", *kpis], rows))


def read_point(folder: Path, point: int, spec: Spec) -> np.ndarray | None:
    """A finished point's values (replications x KPIs), or None if it is not done."""
    try:
        text = point_path(folder, point).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    rows = list(csv.reader(text.splitlines()))
    reps = [str(r) for r in range(spec.replications)]
    if not rows or rows[0] != ["point", "replication", *spec.kpis] or len(rows) != len(reps) + 1:
        return None
    if [row[1] for row in rows[1:]] != reps or {row[0] for row in rows[1:]} != {str(point)}:
        return None
    try:
        return np.array([[float(c) if c else math.nan for c in row[2:]] for row in rows[1:]])
    except ValueError:
        return None


def finished(folder: Path, spec: Spec, n_points: int) -> set[int]:
    """The design points whose replications are kept in the folder."""
    return {i for i in range(n_points) if read_point(folder, i, spec) is not None}


def kept_count(folder: Path) -> int:
    """How many point files the folder holds (for messages; not checked)."""
    return len(list((folder / POINTS).glob("*.csv")))


@dataclass
class Analysis:
    """A finished study's indices, noise shares and notes (KPIs left without indices)."""

    folder: Path
    method: str
    indices: list[dict[str, Any]]
    noise: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def read_design(folder: Path, spec: Spec) -> np.ndarray:
    """design.csv's values (points x factors).

    Raises:
        ConfigError: it does not have study.json's factors.

    """
    rows = list(csv.reader(read_text(folder / "design.csv").splitlines()))
    if not rows or rows[0] != ["point", *spec.keys]:
        raise ConfigError(f"{folder}: design.csv does not match study.json; {AFRESH}")
    return np.array([[float(c) for c in row[1:]] for row in rows[1:]])


def analyse_folder(folder: Path) -> Analysis:
    """Analyse a study whose points are all done, from its folder alone; write its outputs.

    Raises:
        ConfigError: the folder holds no study, or some points are not done.

    """
    spec = read_spec(folder)
    x = read_design(folder, spec)
    values = [read_point(folder, i, spec) for i in range(len(x))]
    missing = [i for i, v in enumerate(values) if v is None]
    if missing:
        raise ConfigError(
            f"{folder}: {len(missing)} of {len(x)} design points not done (first: point "
            f"{missing[0]}); run the study without sensitivity.stage=analyse to evaluate them"
        )
    cube = np.stack([v for v in values if v is not None])  # points x replications x KPIs
    outputs = {kpi: cube[:, :, k] for k, kpi in enumerate(spec.kpis)}
    index_rows, noise_rows, notes = analyse(
        spec.method, problem(spec.factors), x, outputs, spec.settings, spec.seed
    )
    out_rows = [[i, r, *cube[i, r].tolist()] for i in range(len(x)) for r in range(cube.shape[1])]
    texts = {
        "outputs.csv": csv_text(["point", "replication", *spec.kpis], out_rows),
        "indices.csv": csv_text(INDEX_COLUMNS, [[r[c] for c in INDEX_COLUMNS] for r in index_rows]),
        "noise.csv": csv_text(NOISE_COLUMNS, [[r[c] for c in NOISE_COLUMNS] for r in noise_rows]),
    }
    with staged(folder) as staging:
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
    return Analysis(folder, spec.method, index_rows, noise_rows, notes)
