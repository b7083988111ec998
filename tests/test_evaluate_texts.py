"""Whole-text evaluation: metrics on hand-made spans, resumable predictions, the CLI."""

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from tests.test_evaluate import CORPUS

from factdesk.errors import InputError
from factdesk.eval.text_metrics import covered, score_texts
from factdesk.eval.texts import BenchmarkText, TextPrediction, predict_text, run_texts
from factdesk.settings import TextSettings

# 0         1         2         3         4         5         6
# 0123456789012345678901234567890123456789012345678901234567890
TEXT = "Hello there. The tower is tall. Wake up! Paris is big and old."
GOLD = BenchmarkText(
    id="t1",
    text=TEXT,
    claims=[
        {"claim_id": "a", "span": [13, 31], "label": "supported"},
        {"claim_id": "b", "span": [41, 62], "label": "refuted"},
    ],
    filler_spans=[[0, 12], [32, 40]],
)


def _prediction(*claims, seconds=1.0):
    return TextPrediction(
        id="t1",
        seconds=seconds,
        claims=[
            {"text": "x", "span": span, "label": label, "confidence": 0.5} for span, label in claims
        ],
    )


def test_coverage_is_the_union_of_spans_inside_the_target():
    assert covered((10, 20), [(0, 5)]) == 0.0
    assert covered((10, 20), [(8, 15)]) == 0.5
    assert covered((10, 20), [(10, 14), (12, 16), (18, 30)]) == 0.8  # overlap counted once
    assert covered((10, 10), [(0, 30)]) == 0.0


def test_perfect_extraction_and_verdicts():
    metrics = score_texts([GOLD], [_prediction(((13, 31), "supported"), ((41, 62), "refuted"))])
    assert metrics.claim_recall == 1.0 and metrics.claim_precision == 1.0
    assert metrics.filler_rate == 0.0
    assert metrics.accuracy == 1.0
    assert metrics.per_label_f1["supported"] == 1.0 and metrics.per_label_f1["refuted"] == 1.0
    assert metrics.macro_f1 == 0.5  # two labels have no gold claim here


def test_a_missed_claim_counts_as_wrong_and_a_filler_as_extracted():
    metrics = score_texts(
        [GOLD],
        [_prediction(((13, 31), "supported"), ((32, 40), "supported"), ((41, 48), "refuted"))],
    )
    assert metrics.claim_recall == 0.5  # "Paris is" covers 7 of 21 characters
    assert metrics.claim_precision == round(2 / 3, 4)  # the filler is outside every claim
    assert metrics.filler_rate == 0.5
    assert metrics.confusion["refuted"]["missed"] == 1
    assert metrics.accuracy == 0.5
    assert metrics.per_label_f1["refuted"] == 0.0


def test_a_filler_counts_only_when_one_claim_covers_half_of_it():
    # "Wake up!" is 32..40: two slivers of neighbouring claims cover 6 of its 8
    # characters together, but neither takes half of it as a claim of its own.
    slivers = _prediction(((13, 35), "supported"), ((37, 62), "refuted"))
    assert covered((32, 40), [(13, 35), (37, 62)]) == 6 / 8
    assert score_texts([GOLD], [slivers]).filler_rate == 0.0
    # One claim running over the tower sentence and "Wake up!" did take it as a claim.
    merged = _prediction(((13, 40), "supported"), ((41, 62), "refuted"))
    metrics = score_texts([GOLD], [merged])
    assert metrics.filler_rate == 0.5 and metrics.claim_recall == 1.0


def test_the_claim_overlapping_most_gives_the_verdict():
    metrics = score_texts(
        [GOLD],
        [_prediction(((13, 31), "supported"), ((41, 45), "supported"), ((46, 62), "refuted"))],
    )
    assert metrics.confusion["refuted"]["refuted"] == 1
    assert metrics.claim_recall == 1.0


def test_nothing_extracted_and_the_median_time():
    other = GOLD.model_copy(update={"id": "t2"})
    metrics = score_texts(
        [GOLD, other],
        [_prediction(seconds=3.0), _prediction(seconds=9.0).model_copy(update={"id": "t2"})],
    )
    assert metrics.claim_recall == 0.0 and metrics.claim_precision is None
    assert metrics.accuracy == 0.0 and metrics.median_seconds == 6.0
    with pytest.raises(InputError, match="No predictions"):
        score_texts([GOLD], [])


def test_a_text_is_predicted_with_research_only_and_appended_once(desk, tmp_path):
    item = BenchmarkText(
        id="e1",
        text="I think it is wonderful. The Eiffel Tower was built for the 1889 World's Fair.",
        claims=[{"claim_id": "c1", "span": [25, 78], "label": "supported"}],
        filler_spans=[[0, 24]],
    )
    found = predict_text(desk, item)
    assert [(c.span, c.label) for c in found.claims] == [((25, 78), "supported")]
    assert desk.store.checks.recent() == []  # verdicts only: nothing stored or written
    assert "section" not in desk.llm.kinds()
    out = tmp_path / "preds.jsonl"
    run_texts(desk, [item], out, progress=lambda done, total: None)
    run_texts(desk, [item], out, progress=lambda done, total: None)
    assert len(out.read_text().splitlines()) == 1


def test_only_checked_claims_are_predicted(desk, settings):
    """Statements shown as "not checked: ..." are no claims, and a factual one ranked
    below max_claims gets no verdict, so neither is listed nor counts as extracted."""
    text = (
        "Good evening, everyone. The Eiffel Tower was built for the 1889 World's Fair. "
        "I think it is wonderful. The capital of France is Paris. Share this post!"
    )
    item = BenchmarkText(
        id="m1",
        text=text,
        claims=[
            {"claim_id": "eiffel", "span": [24, 77], "label": "supported"},
            {"claim_id": "paris", "span": [103, 134], "label": "supported"},
        ],
        filler_spans=[[0, 23], [78, 102], [135, 151]],
    )
    one = settings.model_copy(update={"texts": TextSettings(max_claims=1)})
    found = predict_text(dataclasses.replace(desk, settings=one), item)
    assert [(c.span, c.label) for c in found.claims] == [((24, 77), "supported")]
    metrics = score_texts([item], [found])
    assert metrics.filler_rate == 0.0 and metrics.claim_precision == 1.0
    assert metrics.claim_recall == 0.5  # the ranked-out claim is missed, as a user sees it
    everything = predict_text(desk, item)
    assert [c.span for c in everything.claims] == [(24, 77), (103, 134)]
    assert score_texts([item], [everything]).filler_rate == 0.0


def test_eval_texts_cli_end_to_end(tmp_path):
    corpus, texts = tmp_path / "corpus.jsonl", tmp_path / "bench" / "texts.jsonl"
    texts.parent.mkdir()
    corpus.write_text("\n".join(json.dumps(c) for c in CORPUS))
    paragraph = "Good evening. The Eiffel Tower was built for the 1889 World's Fair."
    texts.write_text(
        json.dumps(
            {
                "id": "x1",
                "text": paragraph,
                "claims": [{"claim_id": "c1", "span": [14, 67], "label": "supported"}],
                "filler_spans": [[0, 13]],
            }
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
    env.update(
        FACTDESK_HOME=str(tmp_path / "home"),
        FACTDESK_LLM__BACKEND="scripted",
        FACTDESK_EMBEDDER__BACKEND="hashing",
    )
    out = tmp_path / "preds.jsonl"
    command = [sys.executable, "-m", "factdesk.cli", "eval", "--corpus", str(corpus)]
    command += ["--texts", str(texts), "--out", str(out), "--results", str(tmp_path / "r")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (line,) = out.read_text().splitlines()
    prediction = json.loads(line)
    assert set(prediction) == {"id", "claims", "seconds"}
    assert prediction["claims"][0]["span"] == [14, 67]
    assert set(prediction["claims"][0]) == {"text", "span", "label", "confidence"}
    saved = json.loads((tmp_path / "r" / "eval-bench-texts.json").read_text())
    assert saved["claim_recall"] == 1.0 and saved["filler_rate"] == 0.0
    assert "claim recall 1.000" in result.stdout
    both = [*command, "--claims", str(texts)]
    refused = subprocess.run(both, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "one of them" in refused.stderr
