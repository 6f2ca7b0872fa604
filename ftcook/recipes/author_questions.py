"""Questions for ``-o mode=questions``: a model (any backend, through the runner) writes one question that a
passage answers, worded by the template ``author/question_request.j2``."""

from __future__ import annotations

from ftcook.errors import UsageError
from ftcook.render import environment


class QuestionWriter:
    def __init__(self, spec: str):
        from ftcook.runner import get_backend, get_backends, tuned_model

        backend_name, _, model = spec.partition(":")
        if model and backend_name in get_backends():
            self.backend = get_backend(backend_name)
            self.model = self.backend.default_model() if model == "default" else model
        else:
            self.model = tuned_model(spec)  # a tuned model's name
            self.backend = get_backend(self.model.backend)
        try:
            self.template = environment().get_template("author/question_request.j2")
        except Exception as error:  # noqa: BLE001
            raise UsageError(f"template author/question_request.j2: {error}") from None

    def ask(self, passage: str) -> str:
        request = self.template.render(passage=passage)
        reply = self.backend.generate(self.model, [{"role": "user", "content": request}], max_tokens=60)
        question = reply.strip().split("\n")[0].strip().strip('"“”')
        return question if question.endswith(("?", "？")) and len(question) > 8 else ""
