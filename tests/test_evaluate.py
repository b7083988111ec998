"""The evaluation harness: metrics, resuming, baselines, and the CLI on a tiny benchmark."""

import json
import os
import subprocess
import sys

import pytest

from factdesk import eval as ev
from factdesk.backends.llm.scripted import ScriptedLLM, understanding_answer
from factdesk.errors import InputError

CORPUS = [
    {
        "id": "p1",
        "title": "Eiffel Tower",
        "text": "The Eiffel Tower was built for the 1889 World's Fair in Paris.",
        "url": "",
    },
    {
        "id": "p2",
        "title": "Photosynthesis",
        "text": "Plants use sunlight to make sugar.",
        "url": "",
    },
    {
        "id": "p3",
        "title": "Great Wall",
        "text": "The Great Wall of China is not visible from the Moon.",
        "url": "",
    },
]
CLAIMS = [
    {
        "id": "c1",
        "claim": "The Eiffel Tower was built for the 1889 World's Fair.",
        "label": "supported",
        "gold_passages": ["p1"],
    },
    {
        "id": "c2",
        "claim": "Bananas are blue.",
        "label": "not_enough_evidence",
        "gold_passages": [{"id": "p2", "label": "not_enough_evidence"}],
    },
    {
        "id": "c3",
        "claim": "The Great Wall is visible from the Moon.",
        "label": "refuted",
        "gold_passages": [{"id": "p3", "label": "refuted"}, {"id": "p2", "label": "supported"}],
    },
]


def _claims():
    return [ev.BenchmarkClaim.model_validate(c) for c in CLAIMS]


def _prediction(cid, label, passages=()):
    return ev.Prediction(id=cid, label=label, confidence=0.5, passages=list(passages), seconds=1.0)


def test_score_computes_f1_confusion_and_recall():
    predictions = [
        _prediction("c1", "supported", ["p1", "p2"]),
        _prediction("c2", "refuted", ["p2"]),
        _prediction("c3", "refuted", ["p9", "p3"]),
    ]
    metrics = ev.score(_claims(), predictions)
    assert metrics.accuracy == round(2 / 3, 4)
    assert metrics.per_label_f1 == {
        "supported": 1.0,
        "refuted": round(2 / 3, 4),
        "conflicting": 0.0,
        "not_enough_evidence": 0.0,
    }
    assert metrics.macro_f1 == round((1 + 2 / 3) / 4, 4)
    assert metrics.confusion["not_enough_evidence"]["refuted"] == 1
    # c2's only gold passage is per-sentence NEE, so it does not count for recall;
    # c3 counts p3 and p2 (refuted and supported sentences): one of two found.
    assert metrics.recall_at_5 == round((1.0 + 0.5) / 2, 4)


def test_recall_counts_each_passage_once_among_the_first_five():
    # Chunks of one corpus passage share its id: a repeat must not push p3 out of the top 5.
    repeats = ["p9", "p9", "p8", "p8", "p7", "p3"]
    metrics = ev.score(_claims()[2:], [_prediction("c3", "refuted", repeats)])
    assert metrics.recall_at_5 == 0.5
    assert ev.distinct(repeats) == ["p9", "p8", "p7", "p3"]


def test_run_resumes_and_skips_done_claims(tmp_path, settings):
    out = tmp_path / "preds.jsonl"
    out.write_text(_prediction("c1", "supported").model_dump_json() + "\n" + '{"id": "c2", "la')
    seen = []
    ev.run(None, _claims(), out, "majority", progress=lambda done, total: seen.append(total))
    predictions = ev.read_predictions(out)
    assert [p.id for p in predictions] == ["c1", "c2", "c3"]
    assert seen == [2, 2]
    majority = ev.majority_label(_claims())
    assert [p.label for p in predictions[1:]] == [majority, majority]


def test_a_failed_check_is_kept_as_no_verdict_and_the_run_goes_on(tmp_path, desk):
    def understand(request):
        claim = request.variables["question"]
        if "Bananas" in claim:
            return "not JSON at all"
        return understanding_answer(claim)

    desk.llm = ScriptedLLM({"understand": understand})
    out = tmp_path / "preds.jsonl"
    ev.run(desk, _claims(), out, None, progress=lambda done, total: None)
    predictions = ev.read_predictions(out)
    assert [p.id for p in predictions] == ["c1", "c2", "c3"]
    failed = predictions[1]
    assert (failed.label, failed.confidence) == ("not_enough_evidence", 0.0)
    assert "expected a JSON object" in (failed.error or "")
    assert predictions[0].error is None and '"error"' not in out.read_text().splitlines()[0]
    traces = ev.read_models(out.with_suffix(".trace.jsonl"), ev.ClaimTrace)
    assert traces[1].error == failed.error and traces[1].evidence == []
    assert ev.score(_claims(), predictions).failed == 1


def test_claim_only_baseline_asks_the_model_without_evidence(desk):
    desk.llm = ScriptedLLM(
        choices={"claim_only": {"True": 0.1, "False": 0.7, "Mixed": 0.1, "Unknown": 0.1}}
    )
    prediction = ev.predict_claim_only(desk, _claims()[0])
    assert (prediction.label, prediction.passages) == ("refuted", [])
    assert desk.llm.kinds() == ["claim_only"]


def test_bad_claims_file_is_an_input_error(tmp_path):
    path = tmp_path / "claims.jsonl"
    path.write_text('{"id": "x", "claim": "c", "label": "maybe"}\n')
    with pytest.raises(InputError, match="line 1"):
        ev.load_claims(path)


def test_eval_cli_end_to_end_with_scripted_model(tmp_path):
    corpus, claims = tmp_path / "corpus.jsonl", tmp_path / "bench" / "claims.jsonl"
    claims.parent.mkdir()
    corpus.write_text("\n".join(json.dumps(c) for c in CORPUS))
    claims.write_text("\n".join(json.dumps(c) for c in CLAIMS))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
    env.update(
        FACTDESK_HOME=str(tmp_path / "home"),
        FACTDESK_LLM__BACKEND="scripted",
        FACTDESK_EMBEDDER__BACKEND="hashing",
    )
    out = tmp_path / "preds.jsonl"
    command = [
        sys.executable,
        "-m",
        "factdesk.cli",
        "eval",
        "--corpus",
        str(corpus),
        "--claims",
        str(claims),
        "--out",
        str(out),
        "--results",
        str(tmp_path / "r"),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    predictions = [json.loads(line) for line in out.read_text().splitlines()]
    assert [p["id"] for p in predictions] == ["c1", "c2", "c3"]
    assert predictions[0]["label"] == "supported" and predictions[0]["passages"][0] == "p1"
    assert set(predictions[0]) == {"id", "label", "confidence", "passages", "seconds"}
    saved = json.loads((tmp_path / "r" / "eval-bench-pipeline.json").read_text())
    assert saved["claims"] == 3 and saved["system"] == "pipeline"
    assert "macro-F1" in result.stdout
    traces = (tmp_path / "preds.trace.jsonl").read_text().splitlines()
    assert len(traces) == 3 and json.loads(traces[0])["gold"] == "supported"
    traced = json.loads(traces[0])  # what the verdict rules read, for an exact replay
    gate = {e["passage"]: e["on_topic"] for e in traced["evidence"]}
    assert gate["p1"] is True and False in gate.values()
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and len(out.read_text().splitlines()) == 3

    held_out = tmp_path / "held-out.jsonl"
    sliced = [*command[:-3], str(held_out), "--results", str(tmp_path / "h"), "--start", "2"]
    result = subprocess.run(sliced, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in held_out.read_text().splitlines()] == ["c3"]
    saved = json.loads((tmp_path / "h" / "eval-bench-pipeline.json").read_text())
    assert saved["claims"] == 1 and saved["skipped_first_claims"] == 2

    too_far = [*sliced[:-1], "3"]
    result = subprocess.run(too_far, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "none left after skipping 3" in result.stderr
    assert "Traceback" not in result.stderr


def test_calibration_error_compares_confidence_with_accuracy():
    from factdesk.eval.metrics import calibration_error

    assert calibration_error([(True, 0.95), (True, 0.95)]) == 0.05
    assert calibration_error([(True, 0.9), (False, 0.9)]) == 0.4
    assert calibration_error([(True, 0.75), (False, 0.25)]) == 0.25
