"""OpenAI-compatible and Anthropic backends against a fake server on 127.0.0.1."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from factdesk.errors import ConfigError, LLMError
from factdesk.plugins import BuildContext, build_llm
from factdesk.prompts import STANCE, UNDERSTAND
from factdesk.settings import Settings


class FakeAPI:
    """Answers queued (status, body) pairs in order and records every request."""

    def __init__(self):
        self.replies: list[tuple[int, dict]] = []
        self.requests: list[tuple[str, dict, dict]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.requests.append((self.path, body, dict(self.headers)))
                status, reply = api.replies.pop(0)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def api():
    fake = FakeAPI()
    yield fake
    fake.server.shutdown()


def _settings(api, backend="openai"):
    base = api.url + ("/v1" if backend == "openai" else "")
    return Settings(
        llm={
            "backend": backend,
            "model_name": "m",
            "base_url": base,
            "api_key": "secret",
            "timeout_s": 5,
        }
    )


def _llm(api, backend="openai"):
    """The backend as a desk builds it: through the plugin registry."""
    return build_llm("llm", BuildContext(_settings(api, backend)))


def _chat(text):
    return {
        "choices": [{"message": {"content": text}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3},
    }


def test_openai_completion_sends_schema_and_key(api, settings):
    api.replies.append((200, _chat('{"normalized": "Q?"}')))
    llm = _llm(api)
    response = llm.complete(UNDERSTAND.render(question="q?"))
    assert response.text == '{"normalized": "Q?"}'
    assert response.prompt_tokens == 12
    path, body, headers = api.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer secret"
    assert body["response_format"]["json_schema"]["schema"]["required"] == [
        "normalized",
        "category",
        "claim",
        "question",
        "claimed",
        "subject",
    ]
    assert body["messages"][0]["role"] == "system"


def test_openai_classify_reads_top_logprobs(api, settings):
    top = [
        {"token": "Yes", "logprob": -0.1},
        {"token": " no", "logprob": -2.5},
        {"token": "Unc", "logprob": -3.0},
        {"token": "The", "logprob": -4.0},
    ]
    api.replies.append(
        (
            200,
            {
                "choices": [
                    {
                        "message": {"content": "Yes"},
                        "logprobs": {"content": [{"top_logprobs": top}]},
                    }
                ]
            },
        )
    )
    probs = (
        _llm(api).classify(STANCE.render(claim="c", passage="p"), ("Yes", "No", "Unclear")).probs
    )
    assert probs["Yes"] > 0.85 and probs["No"] > probs["Unclear"] > 0
    assert abs(sum(probs.values()) - 1) < 1e-9
    assert api.requests[0][1]["logprobs"] is True and api.requests[0][1]["max_tokens"] == 1


def test_openai_classify_without_logprobs_uses_the_word(api, settings):
    api.replies.append((200, _chat("No.")))
    probs = (
        _llm(api).classify(STANCE.render(claim="c", passage="p"), ("Yes", "No", "Unclear")).probs
    )
    assert probs == {"Yes": 0.0, "No": 1.0, "Unclear": 0.0}


def test_rate_limit_is_retried_then_succeeds(api, settings):
    api.replies += [(429, {"error": "slow down"}), (200, _chat("ok"))]
    assert _llm(api).complete(UNDERSTAND.render(question="q")).text == "ok"
    assert len(api.requests) == 2


def test_client_errors_are_not_retried_and_name_the_backend(api, settings):
    api.replies.append((401, {"error": "bad key"}))
    with pytest.raises(LLMError, match="openai: .* HTTP 401"):
        _llm(api).complete(UNDERSTAND.render(question="q"))
    assert len(api.requests) == 1


def test_errors_quote_no_upstream_body_and_no_credentials(api, settings):
    api.replies.append((401, {"error": "key sk-live-0123456789 is revoked; account ops@corp"}))
    with_credentials = api.url.replace("http://", "http://admin:hunter2@") + "/v1"
    cfg = Settings(llm={"backend": "openai", "model_name": "m", "base_url": with_credentials})
    with pytest.raises(LLMError) as failed:
        build_llm("llm", BuildContext(cfg)).complete(UNDERSTAND.render(question="q"))
    message = str(failed.value)
    assert "HTTP 401" in message and "http://[redacted]@127.0.0.1" in message
    assert "hunter2" not in message and "sk-live" not in message and "ops@corp" not in message
    assert len(api.requests) == 1


def test_unreachable_server_is_an_llm_error(settings):
    cfg = Settings(
        llm={
            "backend": "openai",
            "model_name": "m",
            "base_url": "http://127.0.0.1:9/v1",
            "timeout_s": 1,
        }
    )
    llm = build_llm("llm", BuildContext(cfg))
    with pytest.raises(LLMError, match="request to .* failed"):
        post = llm.complete
        post(UNDERSTAND.render(question="q"))


def test_model_name_is_required(settings):
    with pytest.raises(ConfigError, match="set FACTDESK_LLM__MODEL_NAME or FACTDESK_BACKENDS"):
        build_llm("llm", BuildContext(Settings(llm={"backend": "openai"})))


def test_anthropic_messages_api(api, settings):
    api.replies.append(
        (
            200,
            {
                "content": [{"type": "text", "text": "Unclear"}],
                "usage": {"input_tokens": 5, "output_tokens": 1},
            },
        )
    )
    llm = _llm(api, "anthropic")
    probs = llm.classify(STANCE.render(claim="c", passage="p"), ("Yes", "No", "Unclear")).probs
    assert probs["Unclear"] == 1.0
    path, body, headers = api.requests[0]
    assert path == "/v1/messages"
    assert headers["x-api-key"] == "secret"
    assert body["system"].startswith("You check a claim")
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_anthropic_continues_a_prefilled_answer(api, settings):
    from factdesk.prompts import SECTION

    api.replies.append((200, {"content": [{"type": "text", "text": " The council\nText: x."}]}))
    llm = _llm(api, "anthropic")
    response = llm.complete(SECTION.render(passages="P", subject="S", question="Q?"))
    assert response.text == "Heading: The council\nText: x."
    assert api.requests[0][1]["messages"][-1] == {"role": "assistant", "content": "Heading:"}
