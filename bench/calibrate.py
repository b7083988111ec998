"""Fit the stance and verdict calibration on dev runs, and report it honestly.

    python bench/calibrate.py --run CLAIMS.jsonl PREDICTIONS.jsonl [--run ...] [--folds 5]

Each run is a benchmark's claims file and the predictions `factdesk eval` wrote for it
(its `.trace.jsonl` sits next to them). A trace holds what each verdict was computed
from: the model's raw Yes/No/Unclear probabilities per passage and its claim-level
True/False/Mixed/Unknown assessment. The verdict stage is a pure function of those, so
this script can search the per-answer stance offsets, the per-verdict offsets and the
passage weight that maximise macro-F1 (the mean over the runs given, so one setting
serves every benchmark), then re-decide every claim with factdesk.verdict itself.

It saves, per benchmark, the metrics of the predictions as run, of the out-of-fold
predictions (each claim decided by settings fitted without its fold: the honest
estimate) and of the settings fitted on all dev claims (in sample), and prints the
settings to ship.
"""

from __future__ import annotations

import argparse
import itertools
import random
from pathlib import Path

import numpy as np
import numpy.typing as npt

from factdesk import eval as ev
from factdesk.pipeline.stance import calibrate as calibrate_stance
from factdesk.pipeline.stance import label_for
from factdesk.pipeline.verdict import EPSILON, claim_verdict, decide
from factdesk.records import (
    VERDICT_LABELS,
    Claim,
    ClaimAssessment,
    Evidence,
    Passage,
    StanceJudgement,
    VerdictLabel,
)

from common import save

LABEL_INDEX = {label: i for i, label in enumerate(VERDICT_LABELS)}
STANCE_BIASES = (-2.0, -1.0, 0.0, 1.0, 2.0)
VERDICT_BIASES = tuple(np.arange(-3.0, 3.01, 0.5))
WEIGHTS = (0.0, 1.0, 2.0, 4.0)
GATES = (0.0, 0.45, 0.5, 0.55, 0.6)  # 0.0: the judge's own on-topic rule only
NEUTRAL_PULL = 1e-7  # per unit of offset: breaks ties, never outweighs one claim

Array = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
Params = tuple[float, float, float, float, float, float, float]


class Run:
    """One benchmark run as arrays: passages (claims x k x 3) and assessments (claims x 4)."""

    def __init__(self, name: str, traces: list[ev.ClaimTrace]) -> None:
        self.name = name
        self.traces = traces
        width = max((len(t.evidence) for t in traces), default=1) or 1
        self.passages = np.zeros((len(traces), width, 3))
        self.passages[:, :, 2] = 1.0
        self.asked = np.zeros((len(traces), width), dtype=bool)
        self.assessment = np.zeros((len(traces), 4))
        self.assessment[:, 3] = 1.0
        self.silent = np.ones(len(traces), dtype=bool)
        self.closest = np.array(
            [max((e.relevance for e in t.evidence), default=0.0) for t in traces]
        )
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
        self.gold: Labels = np.array([LABEL_INDEX[t.gold] for t in traces], dtype=np.int64)
        self._extremes: dict[tuple[float, float], tuple[Array, Array]] = {}

    def extremes(self, rows: Labels, b_yes: float, b_no: float) -> tuple[Array, Array]:
        if (b_yes, b_no) not in self._extremes:
            weights = self.passages * np.exp(np.array([b_yes, b_no, 0.0]))
            calibrated = weights / weights.sum(axis=2, keepdims=True)
            self._extremes[(b_yes, b_no)] = (
                np.where(self.asked, calibrated[:, :, 0], 0.0).max(axis=1),
                np.where(self.asked, calibrated[:, :, 1], 0.0).max(axis=1),
            )
        support, refute = self._extremes[(b_yes, b_no)]
        return support[rows], refute[rows]

    def base_scores(self, rows: Labels, b_yes: float, b_no: float, weight: float) -> Array:
        """Log assessment plus weighted passage extremes, before per-verdict offsets."""
        support, refute = self.extremes(rows, b_yes, b_no)
        scores: Array = np.log(self.assessment[rows] + EPSILON)
        scores[:, 0] += weight * support
        scores[:, 1] += weight * refute
        return scores

    def forced_silent(self, rows: Labels, gate: float) -> npt.NDArray[np.bool_]:
        forced: npt.NDArray[np.bool_] = self.silent[rows] | (self.closest[rows] < gate)
        return forced

    def predict(self, rows: Labels, params: Params) -> Labels:
        """factdesk.verdict's rule, vectorised (checked against it in `redecide`)."""
        b_yes, b_no, b_ref, b_mix, b_nee, weight, gate = params
        scores = self.base_scores(rows, b_yes, b_no, weight) + np.array([0.0, b_ref, b_mix, b_nee])
        labels: Labels = scores.argmax(axis=1)
        labels[self.forced_silent(rows, gate)] = LABEL_INDEX["not_enough_evidence"]
        return labels


def macro_f1(gold: Labels, predicted: Labels) -> float:
    return float(macro_f1_many(gold, predicted[None, :])[0])


def macro_f1_many(gold: Labels, predicted: Labels) -> Array:
    """Macro-F1 of each row of `predicted` (settings x claims) against `gold`."""
    scores = []
    for label in range(len(VERDICT_LABELS)):
        hit, truth = predicted == label, gold[None, :] == label
        tp = np.sum(hit & truth, axis=1)
        wrong = np.sum(hit != truth, axis=1)  # false positives plus false negatives
        scores.append(np.where(tp > 0, 2 * tp / np.maximum(2 * tp + wrong, 1), 0.0))
    result: Array = np.mean(scores, axis=0)
    return result


def fit(runs: list[Run], rows: list[Labels]) -> tuple[Params, float]:
    """The settings with the best mean macro-F1 over the runs (on the given rows).

    For each stance offset, weight and gate, every combination of the three verdict
    offsets is scored at once.
    """
    offsets = np.array(list(itertools.product(VERDICT_BIASES, repeat=3)))
    full = np.concatenate([np.zeros((len(offsets), 1)), offsets], axis=1)
    best_score, best = -1.0, (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    for b_yes, b_no, weight, gate in itertools.product(
        STANCE_BIASES, STANCE_BIASES, WEIGHTS, GATES
    ):
        if weight == 0.0 and (b_yes, b_no) != (0.0, 0.0):
            continue  # stance offsets only matter through the passage weight
        per_run = []
        for run, r in zip(runs, rows, strict=True):
            scores = run.base_scores(r, b_yes, b_no, weight)[None, :, :] + full[:, None, :]
            labels: Labels = scores.argmax(axis=2)
            labels[:, run.forced_silent(r, gate)] = LABEL_INDEX["not_enough_evidence"]
            per_run.append(macro_f1_many(run.gold[r], labels))
        distance = np.abs(offsets).sum(axis=1) + abs(b_yes) + abs(b_no) + weight + gate
        mean = np.mean(per_run, axis=0)
        pulled = mean - NEUTRAL_PULL * distance
        i = int(pulled.argmax())
        if pulled[i] > best_score:
            best_score = float(pulled[i])
            b_ref, b_mix, b_nee = (float(x) for x in offsets[i])
            best = (b_yes, b_no, b_ref, b_mix, b_nee, weight, gate)
    return best, float(
        np.mean(
            [macro_f1(run.gold[r], run.predict(r, best)) for run, r in zip(runs, rows, strict=True)]
        )
    )


def folds_of(n: int, folds: int, seed: int = 13) -> list[int]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    fold = [0] * n
    for position, index in enumerate(order):
        fold[index] = position % folds
    return fold


def redecide(
    trace: ev.ClaimTrace, params: Params, rules: bool = True
) -> tuple[VerdictLabel, float]:
    """A claim's verdict under `params`, by factdesk.verdict itself. With `rules` its
    overriding rules apply too, reading the traced topic gate and point (older traces
    count every passage on topic and have no point); without them it is the calibrated
    scores alone, which `Run.predict` vectorises and the fit searches."""
    b_yes, b_no, b_ref, b_mix, b_nee, weight, gate = params
    claim = Claim(id="C1", text=trace.claims[0] if trace.claims else "")
    evidence = []
    for key, item in enumerate(trace.evidence, start=1):
        judgements = []
        raw = item.raw.get("C1")
        if raw is not None:
            probs = {"Yes": raw.supports, "No": raw.refutes, "Unclear": raw.context}
            scores = calibrate_stance(probs, (b_yes, b_no, 0.0))
            judgements.append(
                StanceJudgement(
                    claim_id="C1",
                    passage_id=item.passage,
                    stance=label_for(scores, 0.55),
                    scores=scores,
                    raw=raw,
                    relevance=item.relevance,
                )
            )
        evidence.append(
            Evidence(
                key=key,
                relevance=item.relevance,
                on_topic=item.on_topic,
                judgements=judgements,
                passage=Passage(id=item.passage, doc_id=item.passage, title="", text=""),
            )
        )
    assessments = [a for a in trace.assessments if a.claim_id == "C1"]
    if not rules:
        main = assessments[0] if assessments else ClaimAssessment(claim_id="C1")
        log_bias = (0.0, b_ref, b_mix, b_nee)
        scored = claim_verdict(claim, evidence, main, log_bias, weight, gate)
        return scored.label, scored.confidence
    verdict = decide(
        [claim],
        evidence,
        assessments,
        log_bias=(0.0, b_ref, b_mix, b_nee),
        passage_weight=weight,
        min_top_relevance=gate,
        point=trace.point,
    )
    return verdict.label, verdict.confidence


def relabelled(
    predictions: list[ev.Prediction], labels: dict[str, tuple[VerdictLabel, float]]
) -> list[ev.Prediction]:
    return [
        p.model_copy(update={"label": labels[p.id][0], "confidence": labels[p.id][1]})
        for p in predictions
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--run",
        nargs=2,
        action="append",
        metavar=("CLAIMS", "PREDICTIONS"),
        type=Path,
        required=True,
    )
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    runs, claims, predictions = [], [], []
    for claims_path, predictions_path in args.run:
        by_id = {c.id: c for c in ev.load_claims(claims_path)}
        traces = ev.read_models(predictions_path.with_suffix(".trace.jsonl"), ev.ClaimTrace)
        runs.append(Run(claims_path.parent.name, traces))
        claims.append([by_id[t.id] for t in traces])
        predictions.append(ev.read_predictions(predictions_path))

    fold_ids = [np.array(folds_of(len(run.gold), args.folds)) for run in runs]
    out_of_fold = [np.zeros(len(run.gold), dtype=np.int64) for run in runs]
    fold_params = []
    for fold in range(args.folds):
        train = [np.flatnonzero(f != fold) for f in fold_ids]
        params, _ = fit(runs, train)
        fold_params.append(params)
        for run, f, out in zip(runs, fold_ids, out_of_fold, strict=True):
            held = np.flatnonzero(f == fold)
            out[held] = run.predict(held, params)
    shipped, in_sample = fit(runs, [np.arange(len(run.gold)) for run in runs])
    b_yes, b_no, b_ref, b_mix, b_nee, weight, gate = shipped
    print(
        f"fitted on {sum(len(r.gold) for r in runs)} claims: mean macro-F1 in sample "
        f"{in_sample:.3f}"
    )
    print(
        f"FACTDESK_PIPELINE__STANCE_LOG_BIAS='[{b_yes}, {b_no}, 0.0]' "
        f"FACTDESK_PIPELINE__VERDICT_LOG_BIAS='[0.0, {b_ref}, {b_mix}, {b_nee}]' "
        f"FACTDESK_PIPELINE__VERDICT_PASSAGE_WEIGHT={weight} "
        f"FACTDESK_PIPELINE__VERDICT_MIN_TOP_RELEVANCE={gate}"
    )

    for run, run_claims, run_predictions, out, f in zip(
        runs, claims, predictions, out_of_fold, fold_ids, strict=True
    ):
        scored = [redecide(t, shipped, rules=False)[0] for t in run.traces]
        vectorised = run.predict(np.arange(len(run.gold)), shipped)
        assert [LABEL_INDEX[label] for label in scored] == vectorised.tolist()
        unruled = [redecide(t, fold_params[f[i]], rules=False)[0] for i, t in enumerate(run.traces)]
        assert [LABEL_INDEX[label] for label in unruled] == out.tolist()
        # reported with the rules that override the scores, as the pipeline decides
        fitted = {t.id: redecide(t, shipped) for t in run.traces}
        held_out = {t.id: redecide(t, fold_params[f[i]]) for i, t in enumerate(run.traces)}
        report = {
            "as_run": ev.score(run_claims, run_predictions),
            "out_of_fold": ev.score(run_claims, relabelled(run_predictions, held_out)),
            "fitted_in_sample": ev.score(run_claims, relabelled(run_predictions, fitted)),
        }
        for name, metrics in report.items():
            print(
                f"{run.name:14} {name:17} macro-F1 {metrics.macro_f1:.3f}  accuracy "
                f"{metrics.accuracy:.3f}  recall@5 {metrics.recall_at_5}  "
                f"median {metrics.median_seconds:.1f} s"
            )
        save(
            f"calibration-{run.name}",
            {
                "claims": len(run.gold),
                "folds": args.folds,
                "shipped_settings": {
                    "stance_log_bias": [b_yes, b_no, 0.0],
                    "verdict_log_bias": [0.0, b_ref, b_mix, b_nee],
                    "verdict_passage_weight": weight,
                    "verdict_min_top_relevance": gate,
                },
                "fold_settings": [list(p) for p in fold_params],
                **{name: metrics.model_dump() for name, metrics in report.items()},
            },
        )


if __name__ == "__main__":
    main()
