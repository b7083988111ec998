"""Report text that code writes (disclaimer, verdict summaries, limits), per language.

The model writes the rest of a report in the question's language; these fixed
sentences follow it so a report does not switch languages halfway. English is the
fallback for languages not listed.
"""

from __future__ import annotations

from typing import Literal

from factdesk.records import VerdictLabel

Key = Literal[
    "disclaimer",
    "limits_heading",
    "limits_read",
    "limits_silent",
    "limits_disagree",
    "limits_scope",
]

TEXTS: dict[str, dict[Key, str]] = {
    "en": {
        "disclaimer": (
            "factdesk is an automated research assistant and can be wrong. It knows only the "
            "sources listed below: read them before relying on this report, and look for "
            "newer reporting on fast-moving stories."
        ),
        "limits_heading": "What the sources do not settle",
        "limits_read": "This check read {used} of {considered} passages that its searches found.",
        "limits_silent": (
            'None of them confirms or contradicts the claim "{claim}"; silence in these '
            "sources says nothing about whether it is true."
        ),
        "limits_disagree": 'The sources disagree on the claim "{claim}".',
        "limits_scope": (
            "The check can only be as complete as the sources it could search; newer or "
            "local reporting may change the picture."
        ),
    },
    "fr": {
        "disclaimer": (
            "factdesk est un assistant de recherche automatisé et peut se tromper. Il ne "
            "connaît que les sources citées ci-dessous : lisez-les avant de vous fier à ce "
            "rapport, et cherchez des informations plus récentes sur les sujets d'actualité."
        ),
        "limits_heading": "Ce que les sources ne tranchent pas",
        "limits_read": (
            "Cette vérification a lu {used} des {considered} passages trouvés par ses recherches."
        ),
        "limits_silent": (
            "Aucun ne confirme ni ne contredit l'affirmation « {claim} » ; le silence de ces "
            "sources ne dit rien de sa véracité."
        ),
        "limits_disagree": "Les sources divergent sur l'affirmation « {claim} ».",
        "limits_scope": (
            "La vérification n'est pas plus complète que les sources consultées ; des "
            "informations plus récentes ou locales peuvent changer le tableau."
        ),
    },
    "es": {
        "disclaimer": (
            "factdesk es un asistente de investigación automático y puede equivocarse. Solo "
            "conoce las fuentes citadas abajo: léalas antes de confiar en este informe y "
            "busque información más reciente sobre temas de actualidad."
        ),
        "limits_heading": "Lo que las fuentes no resuelven",
        "limits_read": (
            "Esta verificación leyó {used} de los {considered} pasajes que encontraron sus "
            "búsquedas."
        ),
        "limits_silent": (
            "Ninguno confirma ni contradice la afirmación «{claim}»; el silencio de estas "
            "fuentes no dice nada sobre si es cierta."
        ),
        "limits_disagree": "Las fuentes discrepan sobre la afirmación «{claim}».",
        "limits_scope": (
            "La verificación solo es tan completa como las fuentes consultadas; información "
            "más reciente o local puede cambiar el panorama."
        ),
    },
    "de": {
        "disclaimer": (
            "factdesk ist ein automatischer Recherche-Assistent und kann sich irren. Er kennt "
            "nur die unten genannten Quellen: Lesen Sie sie, bevor Sie sich auf diesen Bericht "
            "verlassen, und suchen Sie bei aktuellen Themen nach neueren Berichten."
        ),
        "limits_heading": "Was die Quellen nicht klären",
        "limits_read": (
            "Diese Prüfung hat {used} von {considered} gefundenen Textstellen gelesen."
        ),
        "limits_silent": (
            "Keine bestätigt oder widerlegt die Behauptung „{claim}“; dass diese Quellen "
            "schweigen, sagt nichts darüber, ob sie stimmt."
        ),
        "limits_disagree": "Die Quellen widersprechen sich bei der Behauptung „{claim}“.",
        "limits_scope": (
            "Die Prüfung ist nur so vollständig wie die durchsuchten Quellen; neuere oder "
            "lokale Berichte können das Bild ändern."
        ),
    },
}

VERDICT_SUMMARIES: dict[str, dict[VerdictLabel, str]] = {
    "en": {
        "supported": "The sources found support the claim.",
        "refuted": "The sources found contradict the claim.",
        "conflicting": "The sources found disagree: some support the claim and some contradict it.",
        "not_enough_evidence": (
            "The sources found do not address this claim, so factdesk cannot say whether it is "
            "true or false. That the sources are silent is not evidence that it is false."
        ),
    },
    "fr": {
        "supported": "Les sources trouvées confirment l'affirmation.",
        "refuted": "Les sources trouvées contredisent l'affirmation.",
        "conflicting": "Les sources trouvées divergent : certaines confirment l'affirmation, "
        "d'autres la contredisent.",
        "not_enough_evidence": (
            "Les sources trouvées ne traitent pas de cette affirmation : factdesk ne peut pas "
            "dire si elle est vraie ou fausse. Le silence des sources ne prouve pas qu'elle "
            "est fausse."
        ),
    },
    "es": {
        "supported": "Las fuentes encontradas respaldan la afirmación.",
        "refuted": "Las fuentes encontradas contradicen la afirmación.",
        "conflicting": "Las fuentes encontradas discrepan: unas respaldan la afirmación y otras "
        "la contradicen.",
        "not_enough_evidence": (
            "Las fuentes encontradas no tratan esta afirmación, así que factdesk no puede decir "
            "si es verdadera o falsa. Que las fuentes callen no prueba que sea falsa."
        ),
    },
    "de": {
        "supported": "Die gefundenen Quellen stützen die Behauptung.",
        "refuted": "Die gefundenen Quellen widerlegen die Behauptung.",
        "conflicting": "Die gefundenen Quellen widersprechen sich: Manche stützen die "
        "Behauptung, andere widerlegen sie.",
        "not_enough_evidence": (
            "Die gefundenen Quellen behandeln diese Behauptung nicht, daher kann factdesk nicht "
            "sagen, ob sie wahr oder falsch ist. Dass die Quellen schweigen, beweist nicht, "
            "dass sie falsch ist."
        ),
    },
}


def text(language: str, key: Key, **values: str | int) -> str:
    return TEXTS.get(language, TEXTS["en"])[key].format(**values)


def verdict_summary(language: str, label: VerdictLabel) -> str:
    return VERDICT_SUMMARIES.get(language, VERDICT_SUMMARIES["en"])[label]
