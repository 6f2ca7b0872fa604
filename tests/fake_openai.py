"""A scripted OpenAI API for scenario tests (pytest-httpserver): files, fine-tuning jobs that move through
validating_files → queued → running (metrics events) → succeeded, events listed newest first in pages, chat
completions; and faults injected per call (429, 500, a slow answer that outlives the client's timeout, a connection that drops
after the work was done and before the answer)."""

from __future__ import annotations

import json
import socket
import re
import time
from collections import defaultdict

from werkzeug import Request, Response

STEPS = ("validating_files", "queued", "running", "running", "running", "succeeded")


class FakeOpenAI:
    def __init__(self, final: str = "succeeded", steps: int = 6, slow: float = 3.0):
        self.files: dict[str, dict] = {}
        self.jobs: dict[str, dict] = {}
        self.events: dict[str, list[dict]] = defaultdict(list)
        self.calls: list[tuple[str, str]] = []
        self.faults: dict[tuple[str, str], list] = defaultdict(list)  # (method, route) -> [429|500|"slow"|"reset"]
        self.final, self.total_steps, self.slow = final, steps, slow
        self.counter = 0

    def fail(self, method: str, route: str, *faults) -> None:
        """The next calls of ``route`` ("files", "files/id", "jobs", "jobs/id", "events", "chat") fail in turn."""
        self.faults[(method, route)].extend(faults)

    def __call__(self, request: Request) -> Response:
        path = request.path.removeprefix("/v1")
        route = _route(path)
        self.calls.append((request.method, route))
        faults = self.faults.get((request.method, route))
        fault = faults.pop(0) if faults else None
        if fault in (429, 500, 503):
            return _json({"error": {"message": f"injected {fault}", "type": "server_error"}}, fault)
        response = self._handle(request, path)
        if fault == "reset":  # the work is done, then the connection drops before the answer
            connection = request.environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
        if fault == "slow":  # the work is done, but the answer comes after the client gave up
            time.sleep(self.slow)
        return response

    def _id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:04d}"

    def _handle(self, request: Request, path: str) -> Response:
        method = request.method
        if path == "/files" and method == "POST":
            upload = request.files["file"]
            data = upload.read()
            entry = {"id": self._id("file"), "object": "file", "bytes": len(data), "created_at": int(time.time()),
                     "filename": upload.filename, "purpose": request.form["purpose"], "status": "processed",
                     "status_details": None, "content": data}
            self.files[entry["id"]] = entry
            return _json(_public(entry))
        if path == "/files" and method == "GET":
            return _json({"object": "list", "data": [_public(f) for f in self.files.values()], "has_more": False})
        match = re.fullmatch(r"/files/([\w-]+)", path)
        if match:
            entry = self.files.get(match.group(1))
            if entry is None:
                return _json({"error": {"message": "No such File object", "type": "invalid_request_error"}}, 404)
            if method == "DELETE":
                del self.files[entry["id"]]
                return _json({"id": entry["id"], "object": "file", "deleted": True})
            return _json(_public(entry))
        if path == "/fine_tuning/jobs" and method == "POST":
            body = json.loads(request.data)
            if body.get("training_file") not in self.files:
                return _json({"error": {"message": "invalid training_file", "type": "invalid_request_error",
                                        "param": "training_file"}}, 400)
            job = {"id": self._id("ftjob"), "object": "fine_tuning.job", "model": body["model"],
                   "created_at": int(time.time()), "status": "validating_files", "training_file": body["training_file"],
                   "validation_file": body.get("validation_file"), "fine_tuned_model": None, "finished_at": None,
                   "error": None, "hyperparameters": {"n_epochs": "auto", "batch_size": "auto",
                                                      "learning_rate_multiplier": "auto"},
                   "method": body.get("method"), "metadata": body.get("metadata"), "organization_id": "org-test",
                   "result_files": [], "seed": body.get("seed", 0), "trained_tokens": None, "_polls": 0,
                   "suffix": body.get("suffix")}
            self.jobs[job["id"]] = job
            self._event(job["id"], "message", "Validating training file")
            return _json(_public(job))
        if path == "/fine_tuning/jobs" and method == "GET":
            wanted = {k[len("metadata["):-1]: v for k, v in request.args.items() if k.startswith("metadata[")}
            found = [_public(j) for j in self.jobs.values()
                     if all((j["metadata"] or {}).get(k) == v for k, v in wanted.items())]
            return _json({"object": "list", "data": found[::-1], "has_more": False})
        match = re.fullmatch(r"/fine_tuning/jobs/([\w-]+)(/\w+)?", path)
        if match:
            job = self.jobs.get(match.group(1))
            if job is None:
                return _json({"error": {"message": "job not found", "type": "invalid_request_error"}}, 404)
            action = match.group(2)
            if action == "/events":
                return self._events(job["id"], int(request.args.get("limit", 20)), request.args.get("after"))
            if action in ("/cancel", "/pause", "/resume"):
                job["status"] = {"/cancel": "cancelled", "/pause": "paused", "/resume": "running"}[action]
                return _json(_public(job))
            self._advance(job)
            return _json(_public(job))
        if path == "/chat/completions" and method == "POST":
            body = json.loads(request.data)
            content = f"Hey! ({body['model']} answering {body['messages'][-1]['content'][:30]})"
            return _json({"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()),
                          "model": body["model"], "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                          "message": {"role": "assistant", "content": content, "refusal": None}}]})
        return _json({"error": {"message": f"no route {method} {path}"}}, 404)

    def _advance(self, job: dict) -> None:
        if job["status"] in ("succeeded", "failed", "cancelled", "paused"):
            return
        job["_polls"] += 1
        status = STEPS[min(job["_polls"], len(STEPS) - 1)]
        if status == "running":
            step = job["_polls"] - 1
            self._event(job["id"], "metrics", f"Step {step}/{self.total_steps}: training loss={2.0 / step:.3f}",
                        {"step": step, "total_steps": self.total_steps, "train_loss": 2.0 / step})
        if status == "succeeded" and self.final == "failed":
            job["status"], job["error"] = "failed", {"code": "invalid_file", "message": "Example 6 has no assistant "
                                                                                       "message", "param": None}
            self._event(job["id"], "message", "Job failed")
            return
        job["status"] = status
        if status == "succeeded":
            job["fine_tuned_model"] = f"ft:{job['model']}:org::{job['id'][-4:]}"
            job["trained_tokens"] = 4242
            self._event(job["id"], "message", "The job has successfully completed")

    def _event(self, job_id: str, kind: str, message: str, data: dict | None = None) -> None:
        self.events[job_id].append({"id": self._id("ftevent"), "object": "fine_tuning.job.event",
                                    "created_at": int(time.time()), "level": "info", "message": message,
                                    "type": kind, "data": data or {}})

    def _events(self, job_id: str, limit: int, after: str | None) -> Response:
        newest_first = self.events[job_id][::-1]
        if after:
            ids = [e["id"] for e in newest_first]
            newest_first = newest_first[ids.index(after) + 1:] if after in ids else []
        page = newest_first[:min(limit, 2)]  # small pages: the client must page and merge
        return _json({"object": "list", "data": page, "has_more": len(newest_first) > len(page)})


def _route(path: str) -> str:
    if path.startswith("/files/"):
        return "files/id"
    if path == "/files":
        return "files"
    if path.endswith("/events"):
        return "events"
    if path == "/fine_tuning/jobs":
        return "jobs"
    if path.startswith("/fine_tuning/jobs/"):
        return "jobs/id"
    if path.startswith("/chat"):
        return "chat"
    return path


def _public(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if not k.startswith("_") and k != "content"}


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
