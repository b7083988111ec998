"""Every prompt the desk sends, kept apart from control flow and in one place.

`base` holds the `Prompt` kind and the fences untrusted text goes through; `research`
the prompts that research and judge one claim; `report` those that write its report;
`texts` those that split a whole text into statements. Every public name is
re-exported here, so callers import from `factdesk.prompts` and never care which
module a prompt lives in.
"""

from factdesk.prompts.base import (
    UNTRUSTED_RULE,
    Prompt,
    evidence_block,
    numbered_passages,
    passage_block,
)
from factdesk.prompts.report import (
    AGREE,
    FOLLOWUP,
    POINT,
    POINT_EXAMPLE,
    SAME_CLAIM,
    SECTION,
    SECTION_EXAMPLE,
    TRANSLATE,
    VERIFY,
)
from factdesk.prompts.research import (
    CLAIM_ONLY,
    JUDGE,
    PLAN,
    STANCE,
    STANCE_EXAMPLES,
    UNDERSTAND,
    UNDERSTAND_INSIST,
)
from factdesk.prompts.texts import EXTRACT, STANDALONE, WORTH, WORTH_CHOICES

__all__ = [
    "AGREE",
    "CLAIM_ONLY",
    "EXTRACT",
    "FOLLOWUP",
    "JUDGE",
    "PLAN",
    "POINT",
    "POINT_EXAMPLE",
    "SAME_CLAIM",
    "SECTION",
    "SECTION_EXAMPLE",
    "STANCE",
    "STANCE_EXAMPLES",
    "STANDALONE",
    "TRANSLATE",
    "UNDERSTAND",
    "UNDERSTAND_INSIST",
    "UNTRUSTED_RULE",
    "VERIFY",
    "WORTH",
    "WORTH_CHOICES",
    "Prompt",
    "evidence_block",
    "numbered_passages",
    "passage_block",
]
