"""``ftcook serve`` over real HTTP: the official openai SDK with base_url (plain and streaming) against two tiny
adapters on one base, answers held to OpenAI's OpenAPI schemas, and every fault answered in OpenAI's shape."""

import http.client
import json
import socket
import threading
import time

import pytest

pytest.importorskip("torch")
pytest.importorskip("starlette")
openai = pytest.importorskip("openai")

from conftest import write_jsonl  # noqa: E402
from contract.schemas import check as check_schema  # noqa: E402
from tiny import examples, tiny_model  # noqa: E402,F401 - the fixture
from ftcook.runner.base import TunedModel  # noqa: E402
from ftcook.serve.settings import ServeSettings  # noqa: E402

SYSTEM = "You are Ada."


@pytest.fixture(scope="module")
def adapters(tiny_model, tmp_path_factory):
    """Two LoRA adapters trained a few steps on the tiny Llama, in a home of their own."""
    from ftcook.runner import TrainParams, train

    home = tmp_path_factory.mktemp("serve-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FTCOOK_HOME", str(home))
        folder = home / "ds"
        folder.mkdir()
        write_jsonl(folder / "train.jsonl", examples()[:20])
        made = []
        for name, lr in (("ada", 5e-3), ("ada.v2", 1e-2)):
            params = TrainParams(epochs=1, learning_rate=lr, batch_size=4, options={"rank": 8, "max_steps": 3})
            made.append(train(folder, "local", str(tiny_model), params, name=name))
    return made


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """An ftcook server in a thread, on a free port."""

    def __init__(self, adapters, **settings):
        import uvicorn

        from ftcook.serve.app import Server
        from ftcook.serve.models import Registry

        self.settings = ServeSettings(port=_free_port(), **settings)
        self.registry = Registry(adapters)
        self.registry.load()
        self.server = uvicorn.Server(uvicorn.Config(Server(self.registry, self.settings).app(), host="127.0.0.1",
                                                    port=self.settings.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}/v1"

    def client(self, key="ftcook"):
        return openai.OpenAI(base_url=self.base_url, api_key=key, max_retries=0, timeout=30,
                             _strict_response_validation=True)

    def raw(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, parsed JSON body) of a request sent as is."""
        connection = http.client.HTTPConnection("127.0.0.1", self.settings.port, timeout=30)
        connection.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), json.loads(data) if data else None


@pytest.fixture(scope="module")
def server(adapters):
    with Running(adapters) as running:
        yield running


def _asked(model: TunedModel, prompt: str, max_tokens: int) -> str:
    """What 'ftcook ask' answers: the local backend with the trained system prompt."""
    from ftcook.runner import messages_for
    from ftcook.runner.local import LocalBackend

    return LocalBackend().generate(model, messages_for(prompt, model.system), max_tokens=max_tokens)


def test_models_lists_each_adapter_and_the_base(server, adapters, tiny_model):
    listed = server.client().models.list()
    assert [m.id for m in listed.data] == ["ada", "ada.v2", str(tiny_model)]
    status, _, body = server.raw("GET", "/v1/models")
    check_schema("ListModelsResponse", body)


def test_the_sdk_gets_the_answer_ftcook_ask_gives(server, adapters):
    for model in adapters:
        prompt = "Email from Sam: can we meet on day 3?"
        reply = server.client().chat.completions.create(model=model.name, messages=[{"role": "user",
                                                                                     "content": prompt}],
                                                        max_tokens=12, temperature=0)
        assert model.system == SYSTEM  # applied by the server: the request has no system message
        assert reply.choices[0].message.content.strip() == _asked(model, prompt, 12)
        assert reply.usage.completion_tokens <= 12 and reply.choices[0].finish_reason in ("stop", "length")
        check_schema("CreateChatCompletionResponse", reply.model_dump(exclude_unset=True))


def test_streaming_gives_the_same_text_and_ends_with_done(server, adapters):
    prompt = "Email from Mia: can we meet on day 5?"
    stream = server.client().chat.completions.create(
        model="ada", messages=[{"role": "user", "content": prompt}], max_tokens=12, temperature=0, stream=True,
        stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip() == _asked(adapters[0], prompt, 12)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] in ("stop", "length")
    assert chunks[-1].usage.completion_tokens >= 1
    for chunk in chunks:
        check_schema("CreateChatCompletionStreamResponse", chunk.model_dump(exclude_unset=True))
    raw = _sse(server, {"model": "ada", "messages": [{"role": "user", "content": prompt}], "max_tokens": 4,
                        "stream": True})
    assert raw[-1] == "[DONE]"


def _sse(server, body: dict) -> list:
    connection = http.client.HTTPConnection("127.0.0.1", server.settings.port, timeout=30)
    connection.request("POST", "/v1/chat/completions", body=json.dumps(body),
                       headers={"Content-Type": "application/json"})
    data = connection.getresponse().read().decode()
    connection.close()
    return [line[6:] for line in data.splitlines() if line.startswith("data: ")]


def test_completions_stop_max_tokens_and_usage(server):
    client = server.client()
    free = client.completions.create(model="ada", prompt="Hey Sam! Day", max_tokens=8, temperature=0)
    check_schema("CreateCompletionResponse", free.model_dump(exclude_unset=True))
    choice, used = free.choices[0], free.usage
    assert used.prompt_tokens > 0 and used.total_tokens == used.prompt_tokens + used.completion_tokens
    assert (choice.finish_reason == "length") == (used.completion_tokens == 8)
    short = client.completions.create(model="ada", prompt="Hey Sam! Day", max_tokens=1, temperature=0)
    assert short.usage.completion_tokens == 1
    words = choice.text.split()
    if len(words) > 1:  # a stop string ends the text before it, and is not in it
        stopped = client.completions.create(model="ada", prompt="Hey Sam! Day", max_tokens=8, temperature=0,
                                            stop=[words[1]])
        assert stopped.choices[0].finish_reason == "stop" and stopped.choices[0].text == choice.text[
            :choice.text.find(words[1])]
    seeded = [client.chat.completions.create(model="ada", messages=[{"role": "user", "content": "Email from Leo"}],
                                             max_tokens=6, temperature=1.0, top_p=0.9, seed=7)
              .choices[0].message.content for _ in range(2)]
    assert seeded[0] == seeded[1]


@pytest.mark.parametrize("body, status, code", [
    (b"{not json", 400, "invalid_json"),
    (b'{"model": "nope", "messages": [{"role": "user", "content": "hi"}]}', 404, "model_not_found"),
    (b'{"model": "ada"}', 400, "missing_required_parameter"),
    (b'{"model": "ada", "messages": [{"role": "user", "content": "hi"}], "n": 2}', 400, "invalid_value"),
    (b'{"model": "ada", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 100000}', 400,
     "context_length_exceeded"),
    (b'{"model": "ada", "messages": [{"role": "user", "content": "' + b"x " * 3_000_000 + b'"}]}', 413,
     "request_too_large"),
])
def test_faults_are_answered_in_openais_shape(server, body, status, code):
    got, _, answer = server.raw("POST", "/v1/chat/completions", body)
    assert got == status and answer["error"]["code"] == code, answer
    check_schema("ErrorResponse", answer)


def test_the_sdk_raises_its_own_errors(server):
    with pytest.raises(openai.NotFoundError, match="does not exist here"):
        server.client().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    status, _, body = server.raw("GET", "/v1/nothing")
    assert status == 404 and "POST /v1/chat/completions" in body["error"]["message"]


def test_a_wrong_key_is_refused(adapters):
    with Running(adapters, api_key="s3cret") as running:
        with pytest.raises(openai.AuthenticationError):
            running.client("wrong").models.list()
        assert [m.id for m in running.client("s3cret").models.list().data][0] == "ada"


def test_a_full_queue_answers_429_and_a_dropped_stream_frees_its_slot(adapters, monkeypatch):
    """One slot, no waiting room. A stream that the client drops is stopped at its next token."""
    import ftcook.serve.app as app

    real, seen = app.run, {"cancelled": 0}

    def slow(model, tokenizer, ids, sampling, on_text=None, cancelled=None):
        while not (cancelled and cancelled()):
            if on_text:
                on_text("word ")
            time.sleep(0.02)
        seen["cancelled"] += 1
        return real(model, tokenizer, ids, sampling)

    monkeypatch.setattr(app, "run", slow)
    with Running(adapters, queue=0) as running:
        connection = http.client.HTTPConnection("127.0.0.1", running.settings.port, timeout=30)
        connection.request("POST", "/v1/chat/completions", body=json.dumps(
            {"model": "ada", "messages": [{"role": "user", "content": "hi"}], "stream": True, "max_tokens": 3}),
            headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200 and response.read(6) == b"data: "
        status, headers, body = running.raw("POST", "/v1/chat/completions", json.dumps(
            {"model": "ada", "messages": [{"role": "user", "content": "hi"}]}).encode())
        assert status == 429 and headers["retry-after"] == "2" and body["error"]["type"] == "rate_limit_error"
        connection.close()  # the client goes away mid-stream
        deadline = time.time() + 10
        while seen["cancelled"] == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert seen["cancelled"] == 1
        monkeypatch.setattr(app, "run", real)
        time.sleep(0.2)
        reply = running.client().chat.completions.create(model="ada", messages=[{"role": "user", "content": "hi"}],
                                                         max_tokens=3)
        assert reply.choices[0].message.content is not None  # the slot was freed


def test_binding_beyond_this_machine_needs_a_key(monkeypatch):
    from ftcook.errors import UsageError
    from ftcook.serve import check_settings

    monkeypatch.delenv("FTCOOK_SERVE_KEY", raising=False)
    with pytest.raises(UsageError, match="--api-key"):
        check_settings(ServeSettings(host="0.0.0.0"))
    assert check_settings(ServeSettings(host="::1")).api_key is None
    monkeypatch.setenv("FTCOOK_SERVE_KEY", "k")
    assert check_settings(ServeSettings(host="0.0.0.0")).api_key == "k"


def test_remote_models_are_not_served():
    from ftcook.errors import UsageError
    from ftcook.serve.models import Registry

    with pytest.raises(UsageError, match="runs on openai's servers"):
        Registry([TunedModel("ft:x", "openai", "gpt-4o-mini", None, "ft:gpt-4o-mini:org::x")])



def test_requests_switch_between_adapters_and_the_base(server, adapters, tiny_model):
    """Alternating models gives each one's own answer: the gate switches the active adapter between them."""
    from ftcook.runner.local import LocalBackend

    prompt = [{"role": "user", "content": "Email from Ben: can we meet on day 7?"}]
    answers = {}
    for name in ("ada", str(tiny_model), "ada.v2", "ada", str(tiny_model)):
        reply = server.client().chat.completions.create(model=name, messages=prompt, max_tokens=8, temperature=0)
        answers.setdefault(name, set()).add(reply.choices[0].message.content.strip())
    assert all(len(texts) == 1 for texts in answers.values())  # the same answer each time it is asked
    base_alone = LocalBackend().generate(str(tiny_model), prompt, max_tokens=8)
    assert answers[str(tiny_model)] == {base_alone}


def test_a_model_trained_on_plain_text_continues_the_prompt(tiny_model, tmp_path, monkeypatch):
    """The language recipe's models learn text, not chats: the server gives the user's words as text to continue,
    as 'ftcook ask' does (it used the chat template, which the model never saw)."""
    from ftcook.runner import TrainParams, train

    monkeypatch.setenv("FTCOOK_HOME", str(tmp_path))
    write_jsonl(tmp_path / "text.jsonl", [{"prompt": "", "completion": e["messages"][-1]["content"]}
                                          for e in examples()[:12]])
    model = train(tmp_path / "text.jsonl", "local", str(tiny_model),
                  TrainParams(epochs=1, learning_rate=5e-3, batch_size=4, options={"rank": 8, "max_steps": 2}),
                  name="plain")
    assert model.metrics["format"] == "text"
    with Running([model]) as running:
        prompt = "Email from Sam"
        reply = running.client().chat.completions.create(model="plain", messages=[{"role": "user", "content": prompt}],
                                                         max_tokens=8, temperature=0)
        assert reply.choices[0].message.content.strip() == _asked(model, prompt, 8).strip()
