"""The HTTP side of ``ftcook serve``: a Starlette app on uvicorn speaking OpenAI's API.

Requests wait for a generation slot in a bounded queue (a full queue answers 429 with ``Retry-After``); a
generation runs in a worker thread, so the server keeps answering (and noticing clients that go away) while a
model writes. Every error is OpenAI's error shape with OpenAI's status code; nothing else reaches a client.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from ..runner.local.generate import Sampling, prompt_ids, run
from . import protocol
from .models import Registry, Served
from .settings import ServeSettings


class ApiError(Exception):
    """An answer in OpenAI's error shape."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
                 code: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.body, self.headers = status, protocol.error(message, kind, param, code), headers

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


class Slots:
    """``concurrency`` generations at once, at most ``queue`` waiting; the rest are told to come back."""

    def __init__(self, concurrency: int, queue: int):
        self.semaphore = asyncio.Semaphore(concurrency)
        self.queue, self.waiting = queue, 0

    async def acquire(self) -> None:
        if self.semaphore.locked() and self.waiting >= self.queue:
            raise ApiError(429, f"The server is busy: {self.waiting} requests are waiting. Retry shortly.",
                           kind="rate_limit_error", code="rate_limit_exceeded", headers={"Retry-After": "2"})
        self.waiting += 1
        try:
            await self.semaphore.acquire()
        finally:
            self.waiting -= 1

    def release(self, _future=None) -> None:
        self.semaphore.release()


class Server:
    """The routes, with what they share: the models, the slots and the worker threads."""

    def __init__(self, registry: Registry, settings: ServeSettings):
        self.registry, self.settings = registry, settings
        self.executor = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="ftcook-generate")
        self.slots: Slots | None = None  # made in the server's event loop

    def app(self) -> Starlette:
        routes = [Route("/v1/models", self.models, methods=["GET"]),
                  Route("/v1/chat/completions", self.chat, methods=["POST"]),
                  Route("/v1/completions", self.completions, methods=["POST"])]
        handlers = {HTTPException: _http_error, ApiError: _api_error, Exception: _internal_error}
        return Starlette(routes=routes, exception_handlers=handlers, lifespan=self._lifespan)

    @asynccontextmanager
    async def _lifespan(self, app):
        self.slots = Slots(self.settings.concurrency, self.settings.queue)
        yield
        self.executor.shutdown(wait=False, cancel_futures=True)

    # --- routes ---------------------------------------------------------------------------------------------

    async def models(self, request: Request) -> JSONResponse:
        self._authorize(request)
        served = sorted(self.registry.served.values(), key=lambda s: (s.adapter == "__base__", s.name))
        return JSONResponse(protocol.model_list([(s.name, s.owner, s.created) for s in served]))

    async def chat(self, request: Request):
        self._authorize(request)
        body = _parse(protocol.ChatRequest, await self._body(request))
        served = self._served(body.model)
        messages = [{"role": "system" if m.role == "developer" else m.role, "content": m.text()}
                    for m in body.messages]
        if served.system and not any(m["role"] == "system" for m in messages):
            messages.insert(0, {"role": "system", "content": served.system})  # as trained, as 'ftcook ask' does
        group = self.registry.group(served)
        ids = prompt_ids(group.tokenizer, messages=messages, plain=served.plain)
        return await self._answer(body, served, ids, chat=True)

    async def completions(self, request: Request):
        self._authorize(request)
        body = _parse(protocol.CompletionRequest, await self._body(request))
        served = self._served(body.model)
        ids = prompt_ids(self.registry.group(served).tokenizer, text=body.prompt)
        return await self._answer(body, served, ids, chat=False)

    # --- the parts ------------------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> None:
        key = self.settings.api_key
        if key is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {key}".encode()):
            raise ApiError(401, "Incorrect API key provided: send it as 'Authorization: Bearer KEY' (the key "
                                "'ftcook serve --api-key' was started with).", code="invalid_api_key")

    async def _body(self, request: Request) -> dict:
        limit = self.settings.max_body
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > limit:
                raise _too_large(limit)
        try:
            body = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise ApiError(400, f"The request body is not valid JSON ({error}).", code="invalid_json") from None
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object.", code="invalid_json")
        return body

    def _served(self, name: str) -> Served:
        served = self.registry.get(name)
        if served is None:
            names = ", ".join(sorted(self.registry.served))
            raise ApiError(404, f"The model '{name}' does not exist here - this server has: {names}",
                           param="model", code="model_not_found")
        return served

    def _sampling(self, body, served: Served, prompt_tokens: int) -> Sampling:
        context = self.registry.group(served).context
        room = context - prompt_tokens if context else self.settings.max_tokens
        wanted = body.limit(min(self.settings.max_tokens, room))
        if room <= 0 or wanted > room:
            raise ApiError(400, f"This model's maximum context length is {context} tokens; the request has "
                                f"{prompt_tokens} prompt tokens and asks for {wanted} more. Shorten the messages or "
                                f"lower max_tokens.", param="messages", code="context_length_exceeded")
        return Sampling(max_tokens=wanted, temperature=body.temperature, top_p=body.top_p, stop=body.stops(),
                        seed=body.seed)

    async def _answer(self, body, served: Served, ids, chat: bool):
        sampling = self._sampling(body, served, int(ids.shape[1]))
        await self.slots.acquire()
        if body.stream:
            events: asyncio.Queue = asyncio.Queue()
            gone = threading.Event()
            loop = asyncio.get_running_loop()
            future = self._generate(served, ids, sampling, gone.is_set,
                                    lambda text: loop.call_soon_threadsafe(events.put_nowait, text))
            future.add_done_callback(lambda f: events.put_nowait(None))
            return StreamingResponse(self._stream(body, served, future, events, gone, chat),
                                     media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
        result = await asyncio.shield(self._generate(served, ids, sampling))
        make = protocol.chat_response if chat else protocol.completion_response
        return JSONResponse(make(protocol.new_id("chatcmpl" if chat else "cmpl"), served.name, result.text,
                                 result.finish_reason, result.prompt_tokens, result.completion_tokens))

    def _generate(self, served: Served, ids, sampling: Sampling, cancelled=None, on_text=None) -> asyncio.Future:
        """Start a generation in a worker thread (a slot is held); the slot is freed when it ends, however."""
        group = self.registry.group(served)
        future = asyncio.get_running_loop().run_in_executor(self.executor, partial(
            _generate_with, group, served.adapter, ids, sampling, cancelled, on_text))
        future.add_done_callback(self.slots.release)
        return future

    async def _stream(self, body, served: Served, future, events: asyncio.Queue, gone: threading.Event, chat: bool):
        """Server-sent events: the reply as it grows, the reason it ended, usage if asked, then [DONE]. A client
        that goes away stops the generation at its next token, which frees the slot."""
        stream = _Chunks(protocol.new_id("chatcmpl" if chat else "cmpl"), served.name, chat)
        try:
            if chat:
                yield stream.sse(stream.delta({"role": "assistant", "content": ""}))
            while (text := await events.get()) is not None:
                yield stream.sse(stream.delta({"content": text} if chat else text))
            yield stream.sse(_final(stream, future, body))
            if (body.stream_options or {}).get("include_usage"):
                result = future.result()
                yield stream.sse({**stream.delta({} if chat else ""), "choices": [],
                                  "usage": protocol.usage(result.prompt_tokens, result.completion_tokens)})
            yield "data: [DONE]\n\n"
        finally:
            gone.set()


def _generate_with(group, adapter: str, ids, sampling: Sampling, cancelled, on_text):
    """In a worker thread: the adapter made active (waiting for other adapters' generations), then ``run``."""
    with group.gate.use(adapter):
        return run(group.model, group.tokenizer, ids, sampling, on_text=on_text, cancelled=cancelled)


class _Chunks:
    """The chunks of one streamed answer (one id, one created time)."""

    def __init__(self, rid: str, model: str, chat: bool):
        self.rid, self.model, self.chat = rid, model, chat

    def delta(self, part, finish: str | None = None) -> dict:
        if self.chat:
            return protocol.chat_chunk(self.rid, self.model, part, finish)
        return protocol.completion_chunk(self.rid, self.model, part, finish)

    @staticmethod
    def sse(data: dict) -> str:
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _final(stream: _Chunks, future, body) -> dict:
    """The last chunk: why the reply ended, or the error that ended it (OpenAI's shape, inside the stream)."""
    error = future.exception()
    if error is not None:
        return protocol.error(f"Generation failed: {type(error).__name__}: {error}", kind="server_error")
    return stream.delta({} if stream.chat else "", finish=future.result().finish_reason)


def _parse(model, body: dict):
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        param = ".".join(str(p) for p in first["loc"]) or None
        raise ApiError(400, f"Invalid value for '{param}': {first['msg']}.", param=param,
                       code="missing_required_parameter" if first["type"] == "missing" else "invalid_value") from None


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is larger than {limit:,} bytes ('ftcook serve --max-body' raises the "
                         f"limit).", code="request_too_large")


async def _api_error(request: Request, error: ApiError) -> JSONResponse:
    return error.response()


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    what = {404: "Not found", 405: "Method not allowed"}.get(error.status_code, error.detail)
    return JSONResponse(protocol.error(f"{what}: {request.method} {request.url.path} - this server has GET "
                                       f"/v1/models, POST /v1/chat/completions and POST /v1/completions"),
                        status_code=error.status_code)


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    return JSONResponse(protocol.error(f"The server failed: {type(error).__name__}: {error}", kind="server_error"),
                        status_code=500)
