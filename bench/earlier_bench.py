"""Precision and recall of the "already checked" match (earlier checks first).

    python bench/earlier_bench.py [--benchmarks ../shared/benchmarks]

Builds 100 question pairs from the benchmark dev claims (read in place, never copied):

- 50 source claims, picked deterministically: every 8th AVeriTeC and every 30th
  CLIMATE-FEVER dev claim of 30-160 characters, the first 25 of each;
- a paraphrase pair for each: the claim, and the same claim asked as a reader might
  ask it. No paraphrase generator is available here (the local 1.5B model was not
  trusted to keep the meaning), so the paraphrases below were written by hand, once,
  before any threshold was tried;
- a related-but-different pair for each: the claim, and the most similar other dev
  claim of the same benchmark by MiniLM embedding (the hardest negative the set has).
  Dataset duplicates (word overlap of 0.8 or more) are skipped, and so are neighbours
  listed in SAME_CLAIM, which state the very same claim in other words.

The earlier check holds the claim as asked first; the second question is compared with
it as `find_earlier` does: cosine similarity of the shipped embedder, same language, and
the local model's probability that both make the same claim (`same_claim`, asked of
every pair here so that every setting can be scored). The pairs of every even-numbered
source claim choose the similarity threshold and the model's Yes threshold (the pair
with the highest recall at precision >= 0.95); the pairs of the odd-numbered ones are
scored at them, and at the shipped settings, and reported. Writes
bench/results/earlier-checks.json.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from factdesk.pipeline import Desk
from factdesk.pipeline.earlier import same_claim
from factdesk.pipeline.understand import detect_language
from factdesk.settings import Settings

from common import save

PARAPHRASES = {
    "averitec-dev-191": "Are flu vaccines unsafe because they cause serious or even fatal illness?",
    "averitec-dev-401": "Does a video of someone exhaling vape smoke through masks prove masks "
    "don't stop the coronavirus from spreading?",
    "averitec-dev-196": "Was a video shared with the misleading claim that the family of the "
    "Hathras victim performed her funeral rites?",
    "averitec-dev-312": "Is it true John Cammo alone predicted that Trump would catch Covid-19?",
    "averitec-dev-24": "Did Heiko Maas, Germany's foreign minister, say the Thai king broke no "
    "laws while staying in Germany?",
    "averitec-dev-244": "Was the story of ties between Trump's 2016 campaign and Russia a hoax "
    "orchestrated by Hillary Clinton?",
    "averitec-dev-33": "Did US flu deaths fall from about 75,000 in 2019 to nearly zero in 2020?",
    "averitec-dev-188": "Did Democrats intentionally infect Donald Trump with COVID-19 at the "
    "first presidential debate on September 29, 2020?",
    "averitec-dev-243": "Can eating millet protect people against the coronavirus?",
    "averitec-dev-204": "When Nigeria became independent, did it have 45 million people?",
    "averitec-dev-214": "Do 52 percent of Nigerians live in cities today?",
    "averitec-dev-479": "Did Trump claim he immediately signed an order imposing 10-year prison "
    "terms once anarchists began tearing down statues and monuments?",
    "averitec-dev-200": "Have other countries shown the FDA was wrong to revoke "
    "hydroxychloroquine's approval for treating COVID?",
    "averitec-dev-355": "Were Ignat Shchetinin and Sammy Scott Piatt charged with arson over the "
    "Clackamas County wildfires in Oregon?",
    "averitec-dev-375": "Was Nigeria the country third most affected by terrorism in 2020, "
    "behind Afghanistan and Iraq?",
    "averitec-dev-142": "Did the CDC say more than 98,000 people died of non-COVID causes "
    "because hospitals shut down non-essential services?",
    "averitec-dev-32": "Did the New York Post endorse Trump's re-election campaign?",
    "averitec-dev-41": "Can wearing a face mask give you bacterial infections like staph?",
    "averitec-dev-54": "Did India import 27% more from China between April and August 2020?",
    "averitec-dev-456": "Did members of the Muslim community burn a Kali idol in Murshidabad, "
    "West Bengal?",
    "averitec-dev-66": "Was Hunter Biden the chairman of the World Food Programme that won the "
    "Nobel Peace Prize?",
    "averitec-dev-356": "Has Nigeria's government banned alcohol sold in sachets and plastic bags?",
    "averitec-dev-336": "Can an American vote four times after receiving four mail-in "
    "ballot forms?",
    "averitec-dev-192": "Is it unreasonable that oil costs less in Nigeria than in Saudi Arabia?",
    "averitec-dev-327": "Did Carlos Gimenez give himself a 67 percent raise and boost his own "
    "pension?",
    "climate-fever-1825": "Did China make up climate change as a hoax?",
    "climate-fever-930": "Does the ice shelf currently act like a huge cork that holds back land "
    "ice from flowing into the ocean?",
    "climate-fever-2991": "Will acting on climate probably cost more than 6% of GDP, as Bjorn "
    "Lomborg says?",
    "climate-fever-2083": "Do the Climategate emails from the CRU point to a conspiracy?",
    "climate-fever-687": "If you count the heat accumulating in the oceans, is global warming "
    "continuing without pause?",
    "climate-fever-434": "Is the period long enough to cover several cycles of natural climate "
    "variability?",
    "climate-fever-996": "Does faster warming in the Arctic than at the equator weaken and "
    "stretch the jet stream?",
    "climate-fever-2347": "Is most climate research money really from the federal government and "
    "left-leaning foundations?",
    "climate-fever-2735": "Across the tropics, does observed outgoing radiation rise as sea "
    "surface temperatures go up?",
    "climate-fever-637": "Will sea level rise only about six more inches by 2100, far less than "
    "Al Gore warned?",
    "climate-fever-1530": "Do several lines of evidence show that people are altering the "
    "climate, mainly by emitting greenhouse gases?",
    "climate-fever-2008": "Did Tony Abbott say the Opposition has to respect the government's "
    "mandate to scrap the carbon tax?",
    "climate-fever-87": "Has NOAA tweaked temperature records to make the past seem cooler and "
    "the present seem warmer?",
    "climate-fever-3102": "Is there anecdotal evidence of comparable melting between 1938 and "
    "1943 and at other times?",
    "climate-fever-1049": "This month, were close to 5,000 daily high-temperature records set or "
    "tied, against only 42 record lows?",
    "climate-fever-1665": "Do higher CO2 levels affect land plants in complex, variable ways that "
    "depend on many factors?",
    "climate-fever-2973": "Is it still unclear if shifts in stratospheric water vapour come from "
    "a climate feedback or from internal variability?",
    "climate-fever-1691": "Are seas rising faster than forecast because ice is melting more "
    "quickly than expected?",
    "climate-fever-2242": "Does warming make the oceans give off carbon dioxide?",
    "climate-fever-1721": "Has global sea level been rising since 1880, with projections of "
    "future rise based on physics rather than statistics?",
    "climate-fever-2384": "Does economic research show that not limiting CO2 is actually hurting "
    "the economy?",
    "climate-fever-38": "Are Antarctic sea ice researchers warning that growing ice could "
    "trigger a new ice age?",
    "climate-fever-1818": "Are hydrofluorocarbons tens of thousands of times worse pollutants "
    "than CO2?",
    "climate-fever-598": "If climate sensitivity is as low as energy-balance studies say, do "
    "decades of climate models run too hot and need revising?",
    "climate-fever-2021": "Did John Coleman, who co-founded the Weather Channel, present evidence "
    "that convincingly disproves man-made global warming?",
}
# Nearest neighbours that are the same claim in other words: not "different" questions.
SAME_CLAIM = {("averitec-dev-456", "averitec-dev-441")}
SETS = (("averitec", 8), ("climate_fever", 30))
MIN_PRECISION = 0.95


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _duplicate(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return len(wa & wb) / max(1, len(wa | wb)) >= 0.8


def build_pairs(folder: Path, embed: Any) -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for name, stride in SETS:
        claims = [json.loads(line) for line in (folder / name / "claims.jsonl").open()]
        fitting = [c for c in claims if 30 <= len(c["claim"]) <= 160]
        sources = fitting[::stride][:25]
        vectors = embed([c["claim"] for c in claims])
        position = {c["id"]: i for i, c in enumerate(claims)}
        for claim in sources:
            i = position[claim["id"]]
            scores = vectors @ vectors[i]
            neighbour = next(
                claims[j]
                for j in (int(k) for k in np.argsort(-scores))
                if j != i
                and not _duplicate(claims[j]["claim"], claim["claim"])
                and (claim["id"], claims[j]["id"]) not in SAME_CLAIM
            )
            pairs.append(
                {
                    "source": claim["id"],
                    "first": claim["claim"],
                    "second": PARAPHRASES[claim["id"]],
                    "same": True,
                }
            )
            pairs.append(
                {
                    "source": claim["id"],
                    "first": claim["claim"],
                    "second": neighbour["claim"],
                    "second_id": neighbour["id"],
                    "same": False,
                }
            )
    chosen = {p["source"] for p in pairs}
    assert chosen == set(PARAPHRASES), "the deterministic pick no longer matches the paraphrases"
    return pairs


def matches(pair: dict[str, Any], similarity: float, yes: float) -> bool:
    """What find_earlier decides: same language, similar enough, and (when `yes` > 0)
    the model's Yes at least `yes`."""
    return bool(
        pair["same_language"]
        and pair["similarity"] >= similarity
        and (yes <= 0 or pair["yes"] >= yes)
    )


def score(pairs: list[dict[str, Any]], similarity: float, yes: float) -> dict[str, Any]:
    predicted = [p for p in pairs if matches(p, similarity, yes)]
    true_positives = sum(1 for p in predicted if p["same"])
    positives = sum(1 for p in pairs if p["same"])
    return {
        "pairs": len(pairs),
        "paraphrase_pairs": positives,
        "related_pairs": len(pairs) - positives,
        "true_positives": true_positives,
        "false_positives": len(predicted) - true_positives,
        "precision": round(true_positives / len(predicted), 4) if predicted else 1.0,
        "recall": round(true_positives / positives, 4) if positives else 0.0,
    }


SIMILARITIES = [round(0.60 + 0.02 * i, 2) for i in range(16)]  # 0.60 .. 0.90
YES = [round(0.05 * i, 2) for i in range(20)]  # 0 (the model not asked) .. 0.95


def choose_thresholds(pairs: list[dict[str, Any]]) -> tuple[float, float]:
    """The similarity and Yes thresholds with the highest recall at precision >=
    MIN_PRECISION; ties go to the higher precision, then the lower Yes threshold (the
    model vetoes least), then the lower similarity."""
    best: tuple[float, float, float, float] | None = None
    for similarity in SIMILARITIES:
        for yes in YES:
            result = score(pairs, similarity, yes)
            if result["precision"] < MIN_PRECISION:
                continue
            key = (result["recall"], result["precision"], -yes, -similarity)
            if best is None or key > best:
                best = key
    assert best is not None
    return -best[3], -best[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--benchmarks", type=Path, default=Path("../shared/benchmarks"))
    args = parser.parse_args()
    settings = Settings()
    desk = Desk.from_settings(settings)
    embedder = desk.embedder
    pairs = build_pairs(args.benchmarks, embedder.embed)
    firsts = embedder.embed([p["first"] for p in pairs])
    seconds = embedder.embed([p["second"] for p in pairs])
    started = time.perf_counter()
    for pair, a, b in zip(pairs, firsts, seconds, strict=True):
        pair["same_language"] = detect_language(pair["first"]) == detect_language(pair["second"])
        pair["similarity"] = round(float(a @ b), 4)
        pair["yes"] = round(same_claim(desk, pair["first"], pair["second"]) or 0.0, 4)
    model_seconds = (time.perf_counter() - started) / len(pairs)
    sources = list(dict.fromkeys(p["source"] for p in pairs))
    tuning = [p for p in pairs if sources.index(p["source"]) % 2 == 0]
    test = [p for p in pairs if sources.index(p["source"]) % 2 == 1]
    similarity, yes = choose_thresholds(tuning)
    shipped = (settings.earlier.min_similarity, settings.earlier.same_claim_yes)
    result = {
        "embedder": embedder.name,
        "model": desk.judge_llm.name,
        "chosen": {"min_similarity": similarity, "same_claim_yes": yes},
        "shipped": {"min_similarity": shipped[0], "same_claim_yes": shipped[1]},
        "tuning": score(tuning, similarity, yes),
        "test": score(test, similarity, yes),
        "test_at_shipped": score(test, *shipped),
        # for the record, not for choosing: the held-out half by embedding similarity alone
        "test_similarity_only": {str(t): score(test, t, 0.0) for t in (0.76, 0.8, 0.86)},
        "model_seconds_per_pair": round(model_seconds, 2),
        "goal": {"precision": 0.95, "recall": 0.80},
        "paraphrases": "written by hand (no paraphrase generator available)",
        "pairs": [p | {"half": "tuning" if p in tuning else "test"} for p in pairs],
    }
    print(json.dumps({k: v for k, v in result.items() if k != "pairs"}, indent=2))
    save("earlier-checks", result)


if __name__ == "__main__":
    main()
