"""factdesk: research a question across sources and publish a balanced, cited report.

The public API for using factdesk as a library::

    from factdesk import Desk, Settings, run_check

    desk = Desk.from_settings(Settings())
    record = run_check(desk, "Was the Eiffel Tower built for the 1889 World's Fair?")
    print(record.report.verdict.label)

Everything else is internal and may change between releases; backends are added as
plugins (see `factdesk.plugins` and `factdesk.protocols`).
"""

from factdesk.errors import (
    BackendError,
    CheckInterrupted,
    ConfigError,
    FactdeskError,
    InputError,
    LLMError,
    ModelMissingError,
    NotFoundError,
    SearchError,
)
from factdesk.pipeline import Desk, Observer, research_only, resume_check, run_check
from factdesk.records import CheckRecord, Report, Verdict
from factdesk.render import render
from factdesk.settings import Settings

__all__ = [
    "BackendError",
    "CheckInterrupted",
    "CheckRecord",
    "ConfigError",
    "Desk",
    "FactdeskError",
    "InputError",
    "LLMError",
    "ModelMissingError",
    "NotFoundError",
    "Observer",
    "Report",
    "SearchError",
    "Settings",
    "Verdict",
    "render",
    "research_only",
    "resume_check",
    "run_check",
]
