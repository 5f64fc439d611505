"""A result folder is complete or clearly not: interrupted runs, unwritable folders, names.

Interruptions are real signals, sent at a chosen moment by the run itself (the
``signalled`` fixture in conftest.py): no timing is involved, so the tests cannot be flaky.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

import sim
from sim import experiment
from sim.interrupts import Interrupted, held, raise_on_signals
from sim.results import OUTPUTS, STAGING, TABLES, OutputError, check_folder

SOURCE_DIR = str(Path(sim.__file__).resolve().parents[1])
SHORT = ["run.replications=2", "run.years=0.5", "run.warmup_years=0.1"]
"""A run of a few seconds through the command line."""


def _record(folder: Path) -> dict:
    return json.loads((folder / "run.json").read_text())


def _no_outputs(folder: Path) -> None:
    present = [name for name in (*OUTPUTS, STAGING) if (folder / name).exists()]
    assert not present, f"left in place: {present}"


@pytest.mark.parametrize(
    ("sig", "at", "n_jobs"),
    [
        ("SIGINT", "replication", 2),
        ("SIGTERM", "replication", 2),
        ("SIGINT", "figures", 1),
        ("SIGTERM", "figures", 1),
        ("SIGTERM", "report", 1),
        ("SIGINT", "publish", 1),
        ("SIGTERM", "complete", 1),
    ],
)
def test_a_signal_leaves_an_interrupted_record_no_outputs_and_one_line(
    tmp_path, signalled, sig, at, n_jobs
):
    out = tmp_path / "out"
    proc = signalled(tmp_path, sig, at, f"hydra.run.dir={out}", *SHORT, f"run.n_jobs={n_jobs}")
    assert proc.returncode == 128 + getattr(signal, sig), proc.stderr
    assert proc.stderr.splitlines() == [
        f"cpsim: interrupted ({sig}); run.json says interrupted: {out}"
    ], "one line, no traceback from the run or its worker processes"
    record = _record(out)
    assert record["status"] == "interrupted"
    assert record["error"] == f"interrupted by {sig}"
    assert record["finished_at"] is not None
    assert (out / "config.yaml").exists(), "the record still says what was run"
    _no_outputs(out)


def test_a_signal_after_the_run_is_complete_leaves_it_complete(tmp_path, signalled):
    out = tmp_path / "out"
    proc = signalled(tmp_path, "SIGTERM", "summary", f"hydra.run.dir={out}", *SHORT, "run.n_jobs=1")
    assert proc.returncode == 143
    assert proc.stderr.strip() == "cpsim: interrupted (SIGTERM)"
    assert _record(out)["status"] == "complete"
    assert all((out / name).exists() for name in OUTPUTS)


def test_an_error_while_figures_are_drawn_leaves_no_tables(tmp_path, small_config, monkeypatch):
    out = tmp_path / "run"

    def broken(*_args, **_kwargs):
        raise RuntimeError("no figure today")

    monkeypatch.setattr(experiment, "kpi_target_figure", broken)
    cfg = small_config(years=1.2, warmup=0.2, replications=1, n_jobs=1)
    with pytest.raises(RuntimeError, match="no figure today"):
        experiment.run_experiment(OmegaConf.structured(cfg), out, progress=False)
    record = _record(out)
    assert record["status"] == "failed"
    assert record["error"] == "RuntimeError: no figure today"
    _no_outputs(out)


def test_a_keyboard_interrupt_names_the_folder_and_withdraws_an_earlier_result(
    tmp_path, small_config, monkeypatch
):
    out = tmp_path / "run"
    cfg = small_config(years=1.2, warmup=0.2, replications=1, n_jobs=1)
    experiment.run_experiment(OmegaConf.structured(cfg), out, progress=False)
    assert _record(out)["status"] == "complete"

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "run_replications", interrupted)
    with pytest.raises(Interrupted) as caught:
        experiment.run_experiment(OmegaConf.structured(cfg), out, progress=False)
    assert caught.value.folder == out
    assert caught.value.exit_status == 130
    assert _record(out)["status"] == "interrupted"
    _no_outputs(out)  # the earlier run's tables do not sit beside the new record
    assert experiment.interruption_message(caught.value) == (
        f"cpsim: interrupted (SIGINT); run.json says interrupted: {out}"
    )


def test_sigterm_raises_interrupted_and_held_signals_wait_for_the_block():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as caught, raise_on_signals():
        signal.raise_signal(signal.SIGTERM)
    assert caught.value.name == "SIGTERM"
    assert caught.value.exit_status == 143
    assert signal.getsignal(signal.SIGTERM) is before, "the handler is restored"
    steps: list[str] = []

    def hold_a_sigint() -> None:
        with raise_on_signals():
            with held():
                signal.raise_signal(signal.SIGINT)
                steps.append("after the signal")
            steps.append("never")

    with pytest.raises(Interrupted):
        hold_a_sigint()
    assert steps == ["after the signal"]
    with raise_on_signals(), held(deliver=False):
        signal.raise_signal(signal.SIGTERM)  # dropped


# -- output folders that cannot be written ------------------------------------------------
def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SOURCE_DIR, os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
        env=env,
    )


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("file/run", "Not a directory"),
        ("/proc/cpsim/run", "No such file or directory"),
        ("readonly/run", "Permission denied"),
    ],
)
@pytest.mark.parametrize("sweep", [False, True], ids=["run", "sweep"])
def test_an_unwritable_output_folder_ends_with_one_line(tmp_path, where, reason, sweep):
    if where.startswith("readonly") and os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder (monkeypatched below instead)")
    (tmp_path / "file").write_text("in the way\n")
    (tmp_path / "readonly").mkdir(mode=0o555)
    folder = where if where.startswith("/") else str(tmp_path / where)
    key = "hydra.sweep.dir" if sweep else "hydra.run.dir"
    args = ["-m", "workforce.caseload_cap=16,20"] if sweep else []
    proc = _cli(tmp_path, *args, f"{key}={folder}", *SHORT, "run.n_jobs=1")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"cpsim: error: cannot write the output folder {folder}: {reason}"
        + (" (/proc/cpsim)" if folder.startswith("/proc") else "")
    ]
    assert "Traceback" not in proc.stdout


def test_a_read_only_folder_ends_with_one_line(tmp_path, monkeypatch, capsys):
    """As root can write into a chmod-ed folder, a read-only file system is simulated."""
    monkeypatch.setattr(sys, "argv", ["cpsim"])
    out = tmp_path / "out"
    original = Path.write_bytes

    def read_only(self, data):
        if self.parent == out:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", read_only)
    with pytest.raises(SystemExit) as caught:
        experiment.cli([f"hydra.run.dir={out}", *SHORT])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"cpsim: error: cannot write the output folder {out}: Read-only file system"
    ]
    assert not (out / "run.json").exists()


def test_a_full_disk_ends_with_one_line_a_failed_record_and_no_tables(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(sys, "argv", ["cpsim"])
    out = tmp_path / "out"

    def full(_fig, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(experiment, "save", full)
    with pytest.raises(SystemExit) as caught:
        experiment.cli([f"hydra.run.dir={out}", *SHORT, "run.n_jobs=1"])
    assert caught.value.code == 2
    message = f"cannot write the output folder {out}: No space left on device"
    assert capsys.readouterr().err.splitlines() == [f"cpsim: error: {message}"]
    record = _record(out)
    assert record["status"] == "failed"
    assert record["error"] == message
    _no_outputs(out)


def test_check_folder_names_the_folder(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match=r"cannot write the output folder .*file/x: Not a"):
        check_folder(tmp_path / "file" / "x")
    check_folder(tmp_path / "new" / "folder")
    assert list((tmp_path / "new" / "folder").iterdir()) == [], "the check leaves nothing"


# -- folder names -------------------------------------------------------------------------
_SAME_SECOND = '''
import datetime, sys

import hydra.core.utils


class SameSecond(datetime.datetime):
    """Every run starts at 12:00:00 on 1 January 2026 (its microseconds are real)."""

    @classmethod
    def now(cls, tz=None):
        return datetime.datetime.now(tz).replace(2026, 1, 1, 12, 0, 0)


hydra.core.utils.datetime = SameSecond

from sim.experiment import cli

cli(sys.argv[1:])
'''


def test_two_runs_started_in_the_same_second_get_two_folders(tmp_path):
    script = tmp_path / "same_second.py"
    script.write_text(_SAME_SECOND)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([SOURCE_DIR, os.environ.get("PYTHONPATH", "")]),
    }
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, str(script), *SHORT[1:], "run.replications=1", "run.n_jobs=1"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=tmp_path,
            env=env,
        )
        assert proc.returncode == 0, proc.stderr
    folders = sorted((tmp_path / "results" / "runs").iterdir())
    assert len(folders) == 2
    for folder in folders:
        assert folder.name.startswith("2026-01-01_12-00-00.")
        assert folder.name.endswith("_baseline")
        assert _record(folder)["status"] == "complete"
        assert all((folder / name).exists() for name in TABLES)
