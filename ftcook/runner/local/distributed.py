"""Training on several processes (``-o processes=N``, ``ftcook train --processes N``): N workers started by
torch's launcher (``torch.distributed.run``: DDP, with gloo on CPU and NCCL on CUDA), or by ``accelerate launch``
with ``-o accelerate_config=FILE`` (FSDP or DeepSpeed ZeRO, as that file says). The workers run ``main`` below:
the same ``run_training``, with the batch's gradient accumulation divided among them.

Rank 0 alone reports (events as JSON lines on its stdout, which this process records), and writes the adapter,
``ftcook.json`` and the metrics; the Trainer saves checkpoints from rank 0 only, so ``--resume`` works as with one
process. A stop (Ctrl-C, ``ftcook jobs cancel``) reaches the workers as a file this process writes: every rank
reads it at the same step end through an all-reduce, so all stop together, after a checkpoint. The workers run in
their own session, so a terminal's Ctrl-C reaches only this process.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from ...errors import Cancelled, Interrupted, JobFailed, Stopped
from ...state import Event

STOPS = {"Interrupted": Interrupted, "Cancelled": Cancelled}


def world_size() -> int:
    """Processes training together (1 outside a launcher)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def launcher(processes: int, accelerate_config: Path | None) -> list[str]:
    if accelerate_config is not None:
        return [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(accelerate_config),
                "--num_processes", str(processes), "-m"]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}", "-m"]


def launch(job_id: str, dataset_path: Path, base_dir: Path, params, output: Path, on_event, should_stop,
           resume: bool) -> dict:
    """Run the training on ``params.options.processes`` workers; the metrics of rank 0."""
    folder = output.parent.parent / "jobs" / job_id
    folder.mkdir(parents=True, exist_ok=True)
    stop, log = folder / "stop", folder / "workers.log"
    stop.unlink(missing_ok=True)
    spec = folder / "distributed.json"
    spec.write_text(json.dumps({"job": job_id, "dataset": str(dataset_path), "base": str(base_dir),
                                "params": params.to_dict(), "output": str(output), "resume": resume,
                                "stop": str(stop)}), encoding="utf-8")
    options = params.options
    cmd = [*launcher(options.processes, options.accelerate_config), __name__, str(spec)]
    with open(log, "w", encoding="utf-8") as errors:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, text=True, start_new_session=True)
        try:
            outcome = _follow(proc, on_event, should_stop, stop)
        finally:  # a second Ctrl-C (or any error here) ends the workers too: none outlives this process
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait()
    if "metrics" in outcome:
        return outcome["metrics"]
    if "stopped" in outcome:
        raise STOPS[outcome["stopped"]](job_id)
    tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-8:]
    raise JobFailed(f"the training workers failed (exit {proc.returncode}): " + " | ".join(tail)
                    + f" - the whole log: {log}")


def _follow(proc, on_event, should_stop, stop: Path) -> dict:
    """Relay rank 0's events until the workers end; pass a stop on as the stop file."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout] + [lines.put(None)],
                     daemon=True).start()
    outcome: dict = {}
    while True:
        reason = should_stop()
        if reason is not None and not stop.exists():
            stop.write_text(reason.__name__, encoding="utf-8")
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        message = _message(line)
        if "event" in message:
            on_event(Event(**message["event"]))
        outcome.update({k: v for k, v in message.items() if k != "event"})
    proc.wait()
    return outcome


def _message(line: str) -> dict:
    try:
        message = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return message if isinstance(message, dict) else {}


def _say(message: dict) -> None:
    if is_main():
        print(json.dumps(message), flush=True)


def main(spec_path: str) -> None:
    """One worker: train as rank RANK of WORLD_SIZE."""
    import torch
    import torch.distributed as dist

    from .. import load_dataset
    from ..base import TrainParams
    from . import LocalBackend
    from .train import run_training

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    stop = Path(spec["stop"])

    def should_stop():
        asked = torch.tensor([1 if stop.exists() else 0])
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(asked, op=dist.ReduceOp.MAX)  # every rank stops at the same step
        if not asked.item():
            return None
        return STOPS.get(stop.read_text(encoding="utf-8").strip() if stop.exists() else "", Interrupted)

    params = TrainParams.from_dict(spec["params"], LocalBackend)
    try:
        metrics = run_training(spec["job"], load_dataset(Path(spec["dataset"])), Path(spec["base"]), params,
                               Path(spec["output"]), lambda event: _say({"event": asdict(event)}), should_stop,
                               spec["resume"])
    except Stopped as stopped:
        _say({"stopped": type(stopped).__name__})
        return
    _say({"metrics": metrics})


if __name__ == "__main__":
    main(sys.argv[1])
