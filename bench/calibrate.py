"""Fit the stance and verdict calibration on dev traces, with honest figures.

    python bench/calibrate.py TRACE.jsonl [TRACE.jsonl ...] [--folds 5] [--name NAME]

Each trace line (written by `factdesk eval` next to its predictions) holds what a
claim's verdict was computed from: the model's raw Yes/No/Unclear probabilities for
every passage and its claim-level True/False/Mixed/Unknown assessment. This script
searches the per-answer stance offsets, the per-verdict offsets and the weight of the
strongest single passage that maximise macro-F1, using the verdict rule of
factdesk.verdict (vectorised here). It reports macro-F1 out of fold (each claim scored
by parameters fitted without it) next to the in-sample figure, and prints the settings
fitted on all claims given.
"""

from __future__ import annotations

import argparse
import itertools
import random
from pathlib import Path

import numpy as np
import numpy.typing as npt

from factdesk.evaluate import ClaimTrace
from factdesk.models import VERDICT_LABELS
from factdesk.verdict import EPSILON

from common import save

LABEL_INDEX = {label: i for i, label in enumerate(VERDICT_LABELS)}
STANCE_BIASES = np.arange(-2.0, 2.01, 1.0)
VERDICT_BIASES = np.arange(-3.0, 3.01, 0.5)
WEIGHTS = (0.0, 1.0, 2.0, 4.0)

Array = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
Params = tuple[float, float, float, float, float, float]


class Data:
    """Everything a verdict needs, as arrays: passages (claims x k x 3), assessments."""

    def __init__(self, traces: list[ClaimTrace]) -> None:
        width = max(len(t.evidence) for t in traces)
        self.passages = np.zeros((len(traces), width, 3))
        self.passages[:, :, 2] = 1.0
        self.asked = np.zeros((len(traces), width), dtype=bool)
        self.assessment = np.zeros((len(traces), 4))
        self.assessment[:, 3] = 1.0
        self.silent = np.ones(len(traces), dtype=bool)
        for i, trace in enumerate(traces):
            for j, item in enumerate(trace.evidence):
                raw = item.raw.get("C1")
                if raw is not None:
                    self.passages[i, j] = (raw.supports, raw.refutes, raw.context)
                    self.asked[i, j] = True
            main = next((a for a in trace.assessments if a.claim_id == "C1"), None)
            if main is not None and main.passages > 0:
                self.assessment[i] = (main.true, main.false, main.mixed, main.unknown)
                self.silent[i] = False
        self.gold: Labels = np.array([LABEL_INDEX[t.gold] for t in traces])

    def subset(self, rows: npt.NDArray[np.int64]) -> Data:
        part = object.__new__(Data)
        for name in ("passages", "asked", "assessment", "silent", "gold"):
            setattr(part, name, getattr(self, name)[rows])
        return part

    def extremes(self, b_yes: float, b_no: float) -> tuple[Array, Array]:
        weights = self.passages * np.exp(np.array([b_yes, b_no, 0.0]))
        calibrated = weights / weights.sum(axis=2, keepdims=True)
        support = np.where(self.asked, calibrated[:, :, 0], 0.0).max(axis=1)
        refute = np.where(self.asked, calibrated[:, :, 1], 0.0).max(axis=1)
        return support, refute


def load(paths: list[Path]) -> Data:
    return Data(
        [
            ClaimTrace.model_validate_json(line)
            for p in paths
            for line in p.read_text().splitlines()
            if line.strip()
        ]
    )


def macro_f1(gold: Labels, predicted: Labels) -> float:
    scores = []
    for label in range(len(VERDICT_LABELS)):
        tp = np.sum((gold == label) & (predicted == label))
        fp = np.sum((gold != label) & (predicted == label))
        fn = np.sum((gold == label) & (predicted != label))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def predict(data: Data, params: Params, extremes: tuple[Array, Array] | None = None) -> Labels:
    b_yes, b_no, b_ref, b_mix, b_nee, weight = params
    support, refute = extremes or data.extremes(b_yes, b_no)
    scores = np.log(data.assessment + EPSILON) + np.array([0.0, b_ref, b_mix, b_nee])
    scores[:, 0] += weight * support
    scores[:, 1] += weight * refute
    labels: Labels = scores.argmax(axis=1)
    labels[data.silent] = LABEL_INDEX["not_enough_evidence"]
    return labels


def fit(data: Data) -> tuple[Params, float]:
    best_score, best = -1.0, (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    for b_yes, b_no in itertools.product(STANCE_BIASES, STANCE_BIASES):
        extremes = data.extremes(b_yes, b_no)
        for b_ref, b_mix, b_nee, weight in itertools.product(
            VERDICT_BIASES, VERDICT_BIASES, VERDICT_BIASES, WEIGHTS
        ):
            params = (b_yes, b_no, b_ref, b_mix, b_nee, weight)
            score = macro_f1(data.gold, predict(data, params, extremes))
            if score > best_score + 1e-9:
                best_score = score
                best = (
                    float(b_yes),
                    float(b_no),
                    float(b_ref),
                    float(b_mix),
                    float(b_nee),
                    float(weight),
                )
    return best, best_score


def cross_validate(data: Data, folds: int) -> Labels:
    order = list(range(len(data.gold)))
    random.Random(13).shuffle(order)
    out: Labels = np.zeros(len(data.gold), dtype=np.int64)
    for fold in range(folds):
        held = np.array([i for k, i in enumerate(order) if k % folds == fold])
        train = np.array([i for k, i in enumerate(order) if k % folds != fold])
        params, _ = fit(data.subset(train))
        out[held] = predict(data.subset(held), params)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("traces", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--name", default="calibration")
    args = parser.parse_args()

    data = load(args.traces)
    out_of_fold = cross_validate(data, args.folds)
    params, in_sample = fit(data)
    cv = macro_f1(data.gold, out_of_fold)
    accuracy = float(np.mean(out_of_fold == data.gold))
    b_yes, b_no, b_ref, b_mix, b_nee, weight = params
    print(
        f"{len(data.gold)} claims; macro-F1 out of fold {cv:.3f} (accuracy {accuracy:.3f}); "
        f"in sample {in_sample:.3f}"
    )
    print(
        f"FACTDESK_PIPELINE__STANCE_LOG_BIAS='[{b_yes}, {b_no}, 0.0]' "
        f"FACTDESK_PIPELINE__VERDICT_LOG_BIAS='[0.0, {b_ref}, {b_mix}, {b_nee}]' "
        f"FACTDESK_PIPELINE__VERDICT_PASSAGE_WEIGHT={weight}"
    )
    save(
        args.name,
        {
            "traces": [str(p) for p in args.traces],
            "claims": len(data.gold),
            "folds": args.folds,
            "macro_f1_out_of_fold": round(cv, 4),
            "accuracy_out_of_fold": round(accuracy, 4),
            "macro_f1_in_sample": round(in_sample, 4),
            "out_of_fold_predicted": dict(
                zip(VERDICT_LABELS, np.bincount(out_of_fold, minlength=4).tolist(), strict=True)
            ),
            "fitted": {
                "stance_log_bias": [b_yes, b_no, 0.0],
                "verdict_log_bias": [0.0, b_ref, b_mix, b_nee],
                "verdict_passage_weight": weight,
            },
        },
    )


if __name__ == "__main__":
    main()
