"""Bad files and unwritable folders: every tool refuses in one line and writes nothing.

Issue 12, classes 2 and 3. Each case is a row of a table: what to put on the disk (or
the command line), and words the one error line must contain. Every case runs the
tool's ``main(argv)`` in-process and checks exit status 2, exactly one line on stderr,
no traceback, and that nothing under the test's folder changed. To add a case, add a
row.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.compare import main as compare_main
from sim.teaching import explorer, story
from sim.teaching.audit import main as audit_main

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
"""The start of a binary file (a picture saved under the wrong name)."""
ROOT = os.name == "posix" and os.geteuid() == 0
AS_ROOT = "run as root, which reads and writes past file permissions"
LINUX = sys.platform.startswith("linux")


def tree(folder: Path) -> dict[str, tuple[bool, int, int]]:
    """Everything under ``folder``: path -> (is a folder, size, modification time)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        out[str(path.relative_to(folder))] = (path.is_dir(), st.st_size, st.st_mtime_ns)
    return out


def refuses(main: Callable[[list[str]], int], argv: list[str], capsys) -> str:
    """Run ``main(argv)``; check exit status 2, one stderr line, no traceback; return it."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@dataclass(frozen=True)
class Case:
    """One bad input: what to make in a folder (returning the argv), and the words expected."""

    name: str
    make: Callable[[Path], list[str]]
    expected: str
    skip: str = ""
    """Why the case cannot run here ("" if it can)."""

    def param(self) -> object:
        """The case as a pytest parameter, skipped where it cannot run."""
        marks = [pytest.mark.skip(reason=self.skip)] if self.skip else []
        return pytest.param(self, id=self.name, marks=marks)


def made(folder: Path) -> Path:
    """``folder``, made (empty)."""
    folder.mkdir()
    return folder


def read_only(folder: Path) -> Path:
    """A read-only folder inside ``folder``."""
    path = folder / "read-only"
    path.mkdir()
    path.chmod(0o555)
    return path


# -- sim.audit ------------------------------------------------------------------------------
def chronology(name: str, content: bytes | str) -> Callable[[Path], list[str]]:
    """Write ``content`` to ``name`` and audit it."""

    def make(folder: Path) -> list[str]:
        path = folder / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return [str(path)]

    return make


GOOD_CSV = "date,event\n2024-05-02,strategy_discussion\n2024-05-28,icpc\n"


def audit_out(out: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    """Audit a good file with ``--out`` where ``out(folder)`` says."""

    def make(folder: Path) -> list[str]:
        path = folder / "child.csv"
        path.write_text(GOOD_CSV)
        return [str(path), "--out", str(out(folder))]

    return make


def chronology_named_like_the_report(folder: Path) -> list[str]:
    """A chronology called audit.csv, audited as CSV into its own folder."""
    path = folder / "audit.csv"
    path.write_text(GOOD_CSV)
    return [str(path), "--format", "csv", "--out", str(folder)]


def unreadable(folder: Path) -> list[str]:
    path = folder / "child.csv"
    path.write_text(GOOD_CSV)
    path.chmod(0o000)
    return [str(path)]


def fifo(folder: Path) -> list[str]:
    path = folder / "child.csv"
    os.mkfifo(path)
    return [str(path)]


def file_in_the_way(folder: Path) -> Path:
    (folder / "taken").write_text("a file")
    return folder / "taken"


AUDIT_CASES = [
    # the file itself
    Case("not found", lambda d: [str(d / "nowhere.csv")], "nowhere.csv: no such file"),
    Case("a folder", lambda d: [str(made(d / "x.csv"))], "x.csv: a folder, not a file"),
    Case("a pipe", fifo, "child.csv: not a regular file", "" if os.name == "posix" else "no FIFOs"),
    Case("unreadable", unreadable, "cannot read it (permission denied)", AS_ROOT if ROOT else ""),
    Case("not CSV or YAML", chronology("child.txt", GOOD_CSV), "unknown file type '.txt'"),
    Case(
        "JSON",
        chronology("child.json", "{}"),
        "unknown file type '.json' (use .csv, .yaml or .yml)",
    ),
    # empty, binary, undecodable
    Case("empty CSV", chronology("c.csv", ""), "c.csv: the file is empty"),
    Case("blank CSV", chronology("c.csv", "\n\n  \n"), "c.csv: the file is empty"),
    Case("empty YAML", chronology("c.yaml", ""), "c.yaml: the file is empty"),
    Case("YAML of comments", chronology("c.yaml", "# to do\n"), "c.yaml: the file is empty"),
    Case("binary CSV", chronology("c.csv", PNG), "c.csv: not UTF-8 text (line 1 has byte 0x89)"),
    Case("binary YAML", chronology("c.yaml", PNG), "c.yaml: not UTF-8 text"),
    Case("NUL bytes", chronology("c.csv", b"date,event\n\x00\x00\n"), "c.csv: a binary file"),
    Case("UTF-16", chronology("c.csv", GOOD_CSV.encode("utf-16")), "not UTF-8 text"),
    Case(
        "Latin-1",
        chronology("c.csv", "date,event,detail\n2024-01-02,referral,caf\xe9\n".encode("latin-1")),
        "c.csv: not UTF-8 text (line 2 has byte 0xe9)",
    ),
    # no events
    Case(
        "header-only CSV",
        chronology("c.csv", "date,event\n"),
        "no events to audit (the file has a header",
    ),
    Case("header and blank lines", chronology("c.csv", "date,event\n\n\n"), "no events to audit"),
    Case(
        "YAML, events empty",
        chronology("c.yaml", "child: x\nevents: []\n"),
        "no events to audit (the file has an empty 'events' list)",
    ),
    Case("YAML, events null", chronology("c.yaml", "child: x\nevents:\n"), "no events to audit"),
    Case("YAML, no events key", chronology("c.yaml", "child: x\n"), "c.yaml: no 'events' list"),
    # broken CSV
    Case("no date column", chronology("c.csv", "event\nreferral\n"), "c.csv: no 'date' column"),
    Case("no event column", chronology("c.csv", "date\n2024-01-02\n"), "c.csv: no 'event' column"),
    Case(
        "unknown column",
        chronology("c.csv", "date,event,who\n2024-01-02,referral,x\n"),
        "unknown column 'who'",
    ),
    Case(
        "quote never closed",
        chronology("c.csv", 'date,event\n2024-01-02,"referral\n'),
        "c.csv line 2: badly quoted value",
    ),
    Case(
        "too many values",
        chronology("c.csv", "date,event\n2024-01-02,referral,x\n"),
        "row 1 (line 2): more values than columns",
    ),
    Case(
        "no event in a row",
        chronology("c.csv", "date,event\n2024-01-02,\n"),
        "row 1 (line 2): missing event",
    ),
    # broken YAML
    Case(
        "YAML a list",
        chronology("c.yaml", "- a\n- b\n"),
        "top level must be a mapping with an 'events' list, found a list",
    ),
    Case("YAML plain text", chronology("c.yaml", "just some words\n"), "found text"),
    Case(
        "YAML events a mapping",
        chronology("c.yaml", "events: {date: 2024-01-02}\n"),
        "'events' must be a list of events, found a mapping",
    ),
    Case(
        "YAML event not a mapping",
        chronology("c.yaml", "events: [referral]\n"),
        "c.yaml event 1: each event must be a mapping",
    ),
    Case(
        "YAML syntax",
        chronology("c.yaml", "events:\n  - {date: 2024-01-01, event: visit\n"),
        "c.yaml line 3:",
    ),
    Case(
        "YAML key twice",
        chronology("c.yaml", "events: [{date: 2024-01-02, event: referral}]\nevents: []\n"),
        "c.yaml line 2: key 'events' given twice",
    ),
    # dates and events
    Case(
        "date not ISO",
        chronology("c.csv", "date,event\n02/01/2023,visit\n"),
        "bad date '02/01/2023' (use YYYY-MM-DD)",
    ),
    Case(
        "no such day",
        chronology("c.yaml", "events: [{date: 2023-02-30, event: visit}]\n"),
        "c.yaml event 1: bad date '2023-02-30'",
    ),
    Case(
        "year 1",
        chronology("c.csv", "date,event\n0001-01-03,referral\n"),
        "date 0001-01-03 is out of range (allowed: 1900-01-01 to 2099-12-31)",
    ),
    Case(
        "year 9999",
        chronology("c.csv", "date,event\n9999-12-20,referral\n"),
        "date 9999-12-20 is out of range",
    ),
    Case(
        "unknown event",
        chronology("c.csv", "date,event\n2024-01-02,referal\n"),
        "unknown event 'referal'",
    ),
    Case(
        "plan ends before it starts",
        chronology("c.csv", "date,event\n2024-01-02,cpp_start\n2023-01-01,cpp_end\n"),
        "c.csv row 2: cpp_end on 2023-01-01 is before its cpp_start on 2024-01-02 (row 1)",
    ),
    Case(
        "assessment ends before it starts",
        chronology(
            "c.yaml",
            "events:\n  - {date: 2024-03-01, event: assessment_start}\n  - {date: 2024-02-01, event: assessment_end}\n",
        ),
        "c.yaml row 2: assessment_end on 2024-02-01 is before its assessment_start",
    ),
    Case(
        "date range ends before it starts",
        chronology(
            "c.csv", "date,event,detail\n2024-01-10,visit,[from 2024-01-10 to 2024-01-01]\n"
        ),
        "date marker [from 2024-01-10 to 2024-01-01] ends before it starts",
    ),
    Case(
        "complete record ends before it starts",
        chronology(
            "c.yaml",
            "complete_records: {visit: {from: 2024-02-01, to: 2024-01-01}}\nevents: [{date: 2024-01-15, event: visit}]\n",
        ),
        "complete_records visit: 'to' (2024-01-01) is before 'from' (2024-02-01)",
    ),
    # --out
    Case("--out is a file", audit_out(lambda d: file_in_the_way(d)), "is a file, not a folder"),
    Case(
        "--out under a file",
        audit_out(lambda d: file_in_the_way(d) / "reports"),
        "taken is a file, not a folder",
    ),
    Case(
        "--out would overwrite the chronology",
        chronology_named_like_the_report,
        "is the chronology itself",
    ),
    Case(
        "--out read-only",
        audit_out(lambda d: read_only(d)),
        "permission denied",
        AS_ROOT if ROOT else "",
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in AUDIT_CASES])
def test_the_audit_refuses_a_bad_file_in_one_line(case: Case, tmp_path, capsys) -> None:
    argv = case.make(tmp_path)
    before = tree(tmp_path)
    line = refuses(audit_main, argv, capsys)
    assert line.startswith("python -m sim.audit: error: ")
    assert case.expected in line
    assert tree(tmp_path) == before, "nothing written"


def test_an_end_with_no_start_in_the_record_is_accepted(tmp_path) -> None:
    """A record that begins part way through an assessment, and has a later one, is fine."""
    path = tmp_path / "c.csv"
    path.write_text(
        "date,event\n2024-01-02,assessment_end\n"
        "2024-02-01,assessment_start\n2024-03-01,assessment_end\n"
    )
    assert audit_main([str(path), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "audit.md").read_text().startswith("# Case audit")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["audit.md"]


def test_a_csv_saved_by_excel_with_a_byte_order_mark_is_read(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD_CSV.encode())
    assert audit_main([str(path), "--format", "csv", "--out", str(tmp_path / "f")]) == 0
    assert "late_icpc" in (tmp_path / "f" / "audit.csv").read_text()


# -- sim.compare ----------------------------------------------------------------------------
SUMMARY = "kpi,mean,ci_low,ci_high,n\nvisits_on_time,0.8,0.7,0.9,3\ndrift_share,0.1,nan,nan,1\n"
KPIS = "replication,visits_on_time,drift_share\n0,0.8,0.1\n1,0.7,0.1\n2,0.9,0.1\n"


def run_folder(
    path: Path, status: str = "complete", files: dict[str, str | bytes] | None = None
) -> Path:
    """A run folder as sim.results writes it, with ``status`` and ``files`` replaced."""
    path.mkdir(parents=True)
    contents: dict[str, str | bytes] = {
        "run.json": json.dumps({"status": status}),
        "summary.csv": SUMMARY,
        "kpis.csv": KPIS,
        "timeseries.csv": "replication\n",
        "episodes.csv": "replication\n",
        "workers.csv": "replication\n",
        "teams.csv": "replication\n",
    }
    contents.update(files or {})
    for name, content in contents.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return path


def one_run(
    status: str = "complete", files: dict[str, str | bytes] | None = None
) -> Callable[[Path], list[str]]:
    """Compare one run folder made by :func:`run_folder`."""
    return lambda d: [str(run_folder(d / "run", status, files))]


def sweep(*jobs: dict) -> Callable[[Path], list[str]]:
    """Compare a sweep of job folders ``a=1``, ``a=2``...; each job gives run_folder's keywords."""

    def make(folder: Path) -> list[str]:
        for i, job in enumerate(jobs, start=1):
            run_folder(folder / "sweep" / f"a={i}", **job)
        return [str(folder / "sweep")]

    return make


def compare_out(out: Callable[[Path], Path]) -> Callable[[Path], list[str]]:
    """Compare a good run into ``--out`` where ``out(folder)`` says."""
    return lambda d: [str(run_folder(d / "run")), "--out", str(out(d))]


def folder_of_other_things(folder: Path) -> list[str]:
    (folder / "other" / "sub").mkdir(parents=True)
    (folder / "other" / "notes.txt").write_text("x")
    return [str(folder / "other")]


def missing_table(folder: Path) -> list[str]:
    path = run_folder(folder / "run")
    (path / "episodes.csv").unlink()
    return [str(path)]


COMPARE_CASES = [
    # not a run or sweep folder
    Case("no such folder", lambda d: [str(d / "missing")], "missing: no such folder"),
    Case("a file", lambda d: [str(file_in_the_way(d))], "taken: a file, not a run or sweep folder"),
    Case(
        "an empty folder",
        lambda d: [str(made(d / "e"))],
        "e: not a run or sweep folder (an empty folder)",
    ),
    Case(
        "other things",
        folder_of_other_things,
        "other: not a run or sweep folder (no run.json in it or in its subfolders)",
    ),
    # not finished
    Case(
        "a run still running",
        one_run("running"),
        "run: not a finished run (run.json says 'running')",
    ),
    Case("a run that failed", one_run("failed"), "not a finished run (run.json says 'failed')"),
    Case("a table missing", missing_table, "run: not a finished run (episodes.csv is missing)"),
    Case(
        "a sweep with no finished job",
        sweep({"status": "running"}, {"status": "failed"}),
        "sweep: no finished run in its 2 job folders (a=1: run.json says 'running')",
    ),
    # broken files
    Case(
        "run.json not JSON",
        one_run(files={"run.json": "{status"}),
        "run.json line 1: not valid JSON",
    ),
    Case(
        "run.json not an object",
        one_run(files={"run.json": "[1, 2]"}),
        "run.json: not a JSON object",
    ),
    Case("run.json binary", one_run(files={"run.json": PNG}), "run.json: not UTF-8 text"),
    Case("run.json empty", one_run(files={"run.json": ""}), "run.json: the file is empty"),
    Case(
        "summary.csv one word",
        one_run(files={"summary.csv": "xxx\n"}),
        "summary.csv: no 'kpi' column (needs: kpi, mean, ci_low, ci_high, n)",
    ),
    Case("summary.csv empty", one_run(files={"summary.csv": ""}), "summary.csv: the file is empty"),
    Case("summary.csv binary", one_run(files={"summary.csv": PNG}), "summary.csv: not UTF-8 text"),
    Case(
        "summary.csv missing a column",
        one_run(files={"summary.csv": "kpi,mean\nv,1\n"}),
        "summary.csv: no 'ci_low' column",
    ),
    Case(
        "summary.csv header only",
        one_run(files={"summary.csv": "kpi,mean,ci_low,ci_high,n\n"}),
        "summary.csv: a header but no rows",
    ),
    Case(
        "summary.csv not a number",
        one_run(files={"summary.csv": "kpi,mean,ci_low,ci_high,n\nv,abc,1,1,1\n"}),
        "summary.csv line 2: mean 'abc' is not a number",
    ),
    Case(
        "summary.csv short row",
        one_run(files={"summary.csv": "kpi,mean,ci_low,ci_high,n\nv,1,1\n"}),
        "summary.csv line 2: fewer values than columns",
    ),
    Case(
        "summary.csv long row",
        one_run(files={"summary.csv": "kpi,mean,ci_low,ci_high,n\nv,1,1,1,1,9\n"}),
        "summary.csv line 2: more values than columns",
    ),
    Case(
        "summary.csv KPI twice",
        one_run(files={"summary.csv": SUMMARY + "drift_share,0.2,0.1,0.3,3\n"}),
        "summary.csv line 4: KPI 'drift_share' given twice",
    ),
    Case(
        "summary.csv no KPI name",
        one_run(files={"summary.csv": "kpi,mean,ci_low,ci_high,n\n,1,1,1,1\n"}),
        "summary.csv line 2: no KPI name",
    ),
    Case(
        "summary.csv quote never closed",
        one_run(files={"summary.csv": 'kpi,mean,ci_low,ci_high,n\n"v,1,1,1,1\n'}),
        "summary.csv line 2: badly quoted value",
    ),
    Case("kpis.csv empty", one_run(files={"kpis.csv": ""}), "kpis.csv: the file is empty"),
    Case(
        "kpis.csv no replication column",
        one_run(files={"kpis.csv": "visits_on_time\n0.8\n"}),
        "kpis.csv: no 'replication' column",
    ),
    Case(
        "kpis.csv header only",
        one_run(files={"kpis.csv": "replication,visits_on_time\n"}),
        "kpis.csv: a header but no rows",
    ),
    Case(
        "kpis.csv replication not whole",
        one_run(files={"kpis.csv": "replication,v\n0.5,1\n"}),
        "kpis.csv line 2: replication '0.5' is not a whole number",
    ),
    Case(
        "overrides.yaml broken",
        one_run(files={".hydra/overrides.yaml": "- a: ["}),
        "overrides.yaml line 1: not valid YAML",
    ),
    Case(
        "overrides.yaml not a list",
        one_run(files={".hydra/overrides.yaml": "a: 1\n"}),
        "overrides.yaml: not a list of overrides",
    ),
    Case(
        "one broken job in a sweep",
        sweep({}, {"files": {"summary.csv": "kpi\n"}}),
        "a=2/summary.csv: no 'mean' column",
    ),
    # --out
    Case("--out is a file", compare_out(file_in_the_way), "cannot write", ""),
    Case("--out under a file", compare_out(lambda d: file_in_the_way(d) / "out"), "cannot make"),
    Case(
        "--out read-only",
        compare_out(lambda d: read_only(d) / "out"),
        "permission denied",
        AS_ROOT if ROOT else "",
    ),
    Case(
        "--out under /proc",
        compare_out(lambda d: Path("/proc/cpsim-test/out")),
        "cannot write /proc/cpsim-test/out",
        "" if LINUX else "Linux",
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in COMPARE_CASES])
def test_compare_refuses_a_bad_folder_in_one_line(
    case: Case, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default --out, results/compare, would land here
    argv = case.make(tmp_path)
    before = tree(tmp_path)
    line = refuses(compare_main, argv, capsys)
    assert line.startswith("sim.compare: error: ")
    assert case.expected in line
    assert tree(tmp_path) == before, "nothing written"


def test_compare_leaves_out_unfinished_jobs_of_a_sweep_and_says_so(tmp_path, capsys) -> None:
    make = sweep({}, {"status": "running"})
    assert compare_main([*make(tmp_path), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "1 unfinished job folders left out: a=2 (run.json says 'running')" in captured.err
    assert captured.out.startswith("1 runs compared")
    assert (tmp_path / "out" / "sweep_summary.csv").exists()
    assert not (tmp_path / "out" / ".partial").exists()


def test_compare_that_fails_while_drawing_leaves_nothing(tmp_path, capsys, monkeypatch) -> None:
    """A disk that fills up part-way: no summary, no figures, no report, no staging."""
    import sim.sweeps

    def full(fig, path):
        if "drift_share" in path.name:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        fig.savefig(path)
        return path

    monkeypatch.setattr(sim.sweeps, "save", full)
    argv = [*sweep({}, {})(tmp_path), "--out", str(tmp_path / "out")]
    line = refuses(compare_main, argv, capsys)
    assert line == f"sim.compare: error: cannot write {tmp_path / 'out'}: no space left on device"
    assert not (tmp_path / "out").exists()


# -- sim.story and sim.explorer -------------------------------------------------------------
SHORT_RUN = ["run.years=0.5", "run.warmup_years=0"]
EXPLORER_GRID = ["--staffing", "1", "--turnovers", "0.1", "--replications", "1", "--n-jobs", "1"]

OUTPUT_CASES = [
    Case("story: --out is a file", lambda d: ["--out", str(file_in_the_way(d))], "cannot write"),
    Case(
        "story: --out under a file",
        lambda d: ["--out", str(file_in_the_way(d) / "story")],
        "taken is a file, not a folder",
    ),
    Case(
        "story: --out read-only",
        lambda d: ["--out", str(read_only(d) / "story")],
        "permission denied",
        AS_ROOT if ROOT else "",
    ),
    Case(
        "explorer: --out is a file",
        lambda d: ["--out", str(file_in_the_way(d))],
        "it is a file, not a folder",
    ),
    Case(
        "explorer: --out under a file",
        lambda d: ["--out", str(file_in_the_way(d) / "explorer")],
        "taken is a file, not a folder",
    ),
    Case(
        "explorer: --out read-only",
        lambda d: ["--out", str(read_only(d) / "explorer")],
        "permission denied",
        AS_ROOT if ROOT else "",
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in OUTPUT_CASES])
def test_story_and_explorer_refuse_an_output_they_cannot_write_before_running(
    case: Case, tmp_path, capsys
) -> None:
    tool = case.name.split(":")[0]
    main, prefix = {
        "story": (story.main, "sim.story: error: "),
        "explorer": (explorer.main, "sim.explorer: error: "),
    }[tool]
    argv = [*case.make(tmp_path), *SHORT_RUN, *(EXPLORER_GRID if tool == "explorer" else [])]
    before = tree(tmp_path)
    line = refuses(main, argv, capsys)  # one line: refused before "Running ..."
    assert line.startswith(prefix)
    assert case.expected in line
    assert tree(tmp_path) == before, "nothing written"


def test_a_story_that_fails_while_writing_leaves_nothing(tmp_path, capsys, monkeypatch) -> None:
    """The timeline cannot be saved (a full disk): no chronology is left without it."""

    def full(fig, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(story, "save", full)
    out = tmp_path / "stories" / "child"
    assert story.main([*SHORT_RUN, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"sim.story: error: cannot write {out}: no space left on device"
    assert "Traceback" not in "\n".join(err)
    assert list(tmp_path.iterdir()) == [], "no folder made, nothing half-written"


def test_a_story_replaces_its_files_and_keeps_others(tmp_path, capsys) -> None:
    out = tmp_path / "story"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "chronology.md").write_text("old")
    assert story.main([*SHORT_RUN, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert str(out / "chronology.md") in printed
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "chronology.md").read_text().startswith("# Child ")
    assert sorted(p.name for p in out.iterdir()) == [
        "chronology.csv",
        "chronology.md",
        "notes.txt",
        "team_board.html",
        "team_board.png",
        "timeline.png",
    ]
