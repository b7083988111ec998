"""Fit the stance calibration and verdict thresholds on dev traces, with honest figures.

    python bench/calibrate.py TRACE.jsonl [TRACE.jsonl ...] [--folds 5] [--name NAME]

Each trace line (written by `factdesk eval` next to its predictions) holds the model's
raw Yes/No/Unclear probabilities for every passage a claim's verdict used. This script
searches the per-answer log offsets, the relevance gate and the two verdict thresholds
that maximise macro-F1. It reports macro-F1 out of fold (k-fold cross-validation: each
claim is scored by parameters fitted without it) next to the in-sample figure, then
prints the settings fitted on all claims, which is what the preset ships.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from pathlib import Path

import numpy as np
import numpy.typing as npt

from factdesk.evaluate import ClaimTrace
from factdesk.models import VERDICT_LABELS

from common import save

LABEL_INDEX = {label: i for i, label in enumerate(VERDICT_LABELS)}
BIASES = np.arange(-3.0, 2.01, 0.25)
GATES = (0.0, 0.2, 0.3, 0.4, 0.5)
THRESHOLDS = np.arange(0.30, 0.91, 0.05)

Array = npt.NDArray[np.float64]


def load(paths: list[Path]) -> tuple[Array, Array, npt.NDArray[np.int64]]:
    """Raw probabilities (claims x passages x 3), relevance (claims x passages), gold."""
    traces = [
        ClaimTrace.model_validate_json(line)
        for p in paths
        for line in p.read_text().splitlines()
        if line.strip()
    ]
    width = max(len(t.evidence) for t in traces)
    probs = np.zeros((len(traces), width, 3))
    probs[:, :, 2] = 1.0
    relevance = np.full((len(traces), width), -1.0)
    for i, trace in enumerate(traces):
        for j, item in enumerate(trace.evidence):
            raw = item.raw.get("C1")
            if raw is not None:
                probs[i, j] = (raw.supports, raw.refutes, raw.context)
                relevance[i, j] = item.relevance
    gold = np.array([LABEL_INDEX[t.gold] for t in traces])
    return probs, relevance, gold


def support_refute(
    probs: Array, relevance: Array, bias: tuple[float, float], gate: float
) -> tuple[Array, Array]:
    weights = probs * np.exp(np.array([bias[0], bias[1], 0.0]))
    calibrated = weights / weights.sum(axis=2, keepdims=True)
    on_topic = relevance >= gate
    support = np.where(on_topic, calibrated[:, :, 0], 0.0).max(axis=1)
    refute = np.where(on_topic, calibrated[:, :, 1], 0.0).max(axis=1)
    return support, refute


def decide(
    support: Array, refute: Array, t_support: float, t_refute: float
) -> npt.NDArray[np.int64]:
    """Same rule as factdesk.verdict.claim_verdict, vectorised."""
    s, r = support >= t_support, refute >= t_refute
    labels = np.full(len(support), LABEL_INDEX["not_enough_evidence"])
    labels[s & ~r] = LABEL_INDEX["supported"]
    labels[r & ~s] = LABEL_INDEX["refuted"]
    labels[s & r] = LABEL_INDEX["conflicting"]
    return labels


def macro_f1(gold: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64]) -> float:
    scores = []
    for label in range(len(VERDICT_LABELS)):
        tp = np.sum((gold == label) & (predicted == label))
        fp = np.sum((gold != label) & (predicted == label))
        fn = np.sum((gold == label) & (predicted != label))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


Params = tuple[float, float, float, float, float]


def fit(probs: Array, relevance: Array, gold: npt.NDArray[np.int64]) -> tuple[Params, float]:
    best: tuple[float, Params] = (-1.0, (0.0, 0.0, 0.0, 0.5, 0.5))
    for b_yes, b_no, gate in itertools.product(BIASES, BIASES, GATES):
        support, refute = support_refute(probs, relevance, (b_yes, b_no), gate)
        for t_s, t_r in itertools.product(THRESHOLDS, THRESHOLDS):
            score = macro_f1(gold, decide(support, refute, t_s, t_r))
            if score > best[0] + 1e-9:
                best = (score, (float(b_yes), float(b_no), gate, float(t_s), float(t_r)))
    return best[1], best[0]


def predict(params: Params, probs: Array, relevance: Array) -> npt.NDArray[np.int64]:
    b_yes, b_no, gate, t_s, t_r = params
    support, refute = support_refute(probs, relevance, (b_yes, b_no), gate)
    return decide(support, refute, t_s, t_r)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("traces", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--name", default="calibration")
    args = parser.parse_args()

    probs, relevance, gold = load(args.traces)
    order = list(range(len(gold)))
    random.Random(13).shuffle(order)
    out_of_fold = np.zeros(len(gold), dtype=np.int64)
    for fold in range(args.folds):
        held = np.array([i for k, i in enumerate(order) if k % args.folds == fold])
        train = np.array([i for k, i in enumerate(order) if k % args.folds != fold])
        params, _ = fit(probs[train], relevance[train], gold[train])
        out_of_fold[held] = predict(params, probs[held], relevance[held])
    params, in_sample = fit(probs, relevance, gold)
    cv = macro_f1(gold, out_of_fold)
    accuracy = float(np.mean(out_of_fold == gold))
    b_yes, b_no, gate, t_s, t_r = params
    print(
        f"{len(gold)} claims; macro-F1 out of fold {cv:.3f} (accuracy {accuracy:.3f}); "
        f"in sample {in_sample:.3f}"
    )
    print(
        f"FACTDESK_PIPELINE__STANCE_LOG_BIAS='[{b_yes}, {b_no}, 0.0]' "
        f"FACTDESK_PIPELINE__MIN_RELEVANCE={gate} "
        f"FACTDESK_PIPELINE__VERDICT_MIN_SUPPORT={t_s:.2f} "
        f"FACTDESK_PIPELINE__VERDICT_MIN_REFUTE={t_r:.2f}"
    )
    save(
        args.name,
        {
            "traces": [str(p) for p in args.traces],
            "claims": len(gold),
            "folds": args.folds,
            "macro_f1_out_of_fold": round(cv, 4),
            "accuracy_out_of_fold": round(accuracy, 4),
            "macro_f1_in_sample": round(in_sample, 4),
            "fitted": {
                "stance_log_bias": [b_yes, b_no, 0.0],
                "min_relevance": gate,
                "verdict_min_support": round(t_s, 2),
                "verdict_min_refute": round(t_r, 2),
            },
            "gold_labels": {
                VERDICT_LABELS[k]: int(v)
                for k, v in zip(*np.unique(gold, return_counts=True), strict=True)
            },
        },
    )
    print(json.dumps({"out_of_fold_predictions": np.bincount(out_of_fold, minlength=4).tolist()}))


if __name__ == "__main__":
    main()
