"""Helper processes: results in order, and Ctrl-C in the middle of the work ends the whole build at once."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from ftcook.parallel import ordered_map

ROOT = Path(__file__).resolve().parent.parent


def _square(n: int) -> int:
    return n * n


def test_results_come_in_input_order():
    assert list(ordered_map(_square, range(50), 2)) == [n * n for n in range(50)]
    assert list(ordered_map(_square, range(5), 0)) == [0, 1, 4, 9, 16]


_STATE: dict[str, int] = {}


def _remember(offset: int) -> None:
    _STATE["offset"] = offset


def _where(n: int) -> tuple[int, int]:
    time.sleep(0.02)  # long enough that the oldest item is not back when this process looks
    return n + _STATE["offset"], os.getpid()


def test_with_share_this_process_computes_items_too_and_keeps_the_order():
    results = list(ordered_map(_where, range(12), 1, setup=(_remember, 100), share=True))
    assert [value for value, _ in results] == list(range(100, 112))  # the setup ran here and in the helper
    pids = [pid for _, pid in results]
    assert os.getpid() in pids and set(pids) - {os.getpid()}  # some here, some in the helper
    assert list(ordered_map(_square, [], 1, share=True)) == []
    assert list(ordered_map(_square, range(30), 2, share=True)) == [n * n for n in range(30)]


def test_ctrl_c_mid_way_stops_the_helpers_and_the_parent(tmp_path):
    """The hang the issue saw: helpers blocked writing large results into a pipe while the parent, interrupted,
    waited for them. Here the helpers make 4 MB results slowly; SIGINT goes to the whole process group (as a
    terminal's Ctrl-C does) once results flow. The run must end by itself (the timeout only guards the test)."""
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from ftcook.parallel import ordered_map

        def work(n):
            time.sleep(0.05)
            return b"x" * 4_000_000

        for number, result in enumerate(ordered_map(work, range(10_000), 2)):
            if number == 3:
                print("flowing", flush=True)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout.readline().strip() == "flowing"
    os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the interrupted run hung") from None
    assert code != 0
    leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == []  # no helper outlived the parent


def test_ctrl_c_during_a_parallel_check_is_one_line(tmp_path):
    """``ftcook check`` of a large file checks blocks in a helper process too: Ctrl-C (SIGINT to the whole process
    group, as a terminal sends it) ends the run with the one-line message and exit 130 - no helper's traceback,
    no helper left."""
    data = tmp_path / "train.jsonl"
    line = '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}]}\n'
    data.write_text(line * 40_000)
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        import ftcook.check.scan as scan
        from ftcook.cli import cli

        original = scan.scan_block

        def slow(block, ctx):
            print("scanning", flush=True)
            time.sleep(0.5)
            return original(block, ctx)

        scan.scan_block, scan.PARALLEL_MIN_BYTES = slow, 0
        cli(["check", {str(data)!r}, "--jobs", "2"])
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    assert proc.stdout.readline().strip() == "scanning"
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the interrupted check hung") from None
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().startswith("Interrupted (Ctrl-C)"), err
    leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == []
