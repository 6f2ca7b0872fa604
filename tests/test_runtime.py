"""The console script's process settings for batch commands (ftcook/runtime.py): the garbage collector's, and an
end that skips the interpreter's teardown without losing output, exit handlers or the exit status."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

from conftest import write_jsonl
from ftcook import runtime


def _run(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "ftcook", *args]
    return subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})


def test_outside_the_console_script_the_process_is_left_alone():
    before = (gc.get_threshold(), gc.get_freeze_count())
    runtime.for_batch_work()  # as under click's test runner or a library call
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    assert not runtime.may_end_fast()


def test_the_console_script_tunes_the_collector_for_a_batch_command():
    out = _run(code="from ftcook import runtime; import gc; runtime.console_script(); runtime.for_batch_work(); "
                    "print(gc.get_threshold()[0], gc.get_freeze_count() > 0, runtime.may_end_fast())")
    assert out.stdout.split() == [str(runtime.YOUNG_THRESHOLD), "True", "True"], out.stderr


def test_end_runs_exit_handlers_flushes_and_keeps_the_status():
    code = ("import atexit, sys; from ftcook.runtime import end; atexit.register(lambda: print('handler')); "
            "print('x' * 100_000, end='|'); sys.stderr.write('partial'); end({})")
    for value, status, err in (("None", 0, "partial"), ("3", 3, "partial"), ("'bye'", 1, "partialbye\n")):
        out = _run(code=code.format(value))
        assert (out.returncode, out.stdout, out.stderr) == (status, "x" * 100_000 + "|handler\n", err)


def test_without_cpythons_exit_handler_runner_the_end_is_the_usual_exit():
    code = ("import atexit, sys; from ftcook.runtime import end; atexit.register(lambda: print('handler')); "
            "del atexit._run_exitfuncs; print('out'); end(3)")
    out = _run(code=code)
    assert (out.returncode, out.stdout) == (3, "out\nhandler\n"), out.stderr


def test_a_checked_file_ends_fast_with_its_report_and_status(tmp_path):
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    write_jsonl(good, [{"prompt": f"question {i}", "completion": f" answer number {i}"} for i in range(40)])
    write_jsonl(bad, [{"messages": [{"role": "wizard", "content": "hi"}, {"role": "assistant", "content": "yo"}]}])
    ready = _run("check", str(good), "--json")
    assert ready.returncode == 0, ready.stderr
    assert json.loads(ready.stdout)["examples"] == 40  # the whole report came through the pipe
    errors = _run("check", str(bad))
    assert errors.returncode == 1 and "wizard" in errors.stdout, errors.stdout
    missing = _run("check", str(tmp_path / "nothing.jsonl"))
    assert missing.returncode == 2 and "nothing.jsonl" in missing.stderr
