"""Small parts of the feedback feature: settings, the bot's bounded memory, /report's message."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.feedback.report import Gap, Summary, Totals
from bot.telegram.html import report_html
from bot.telegram.recent import Recent
from tests.emulator import check_telegram_html, utf16_len


def test_feedback_settings_default_and_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QABOT_FEEDBACK", "QABOT_STORE_QUESTIONS", "QABOT_RETENTION_DAYS", "QABOT_EDITOR_CHAT"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(None)
    assert (settings.feedback, settings.store_questions, settings.retention_days, settings.editor_chat) == (
        True, True, 90, None
    )
    monkeypatch.setenv("QABOT_STORE_QUESTIONS", "off")
    monkeypatch.setenv("QABOT_RETENTION_DAYS", "30")
    monkeypatch.setenv("QABOT_EDITOR_CHAT", "-1001234567890")
    settings = load_settings(None)
    assert (settings.store_questions, settings.retention_days, settings.editor_chat) == (False, 30, -1001234567890)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("QABOT_RETENTION_DAYS", "0", "QABOT_RETENTION_DAYS must be between 1 and 36500"),
        ("QABOT_RETENTION_DAYS", "ninety", "QABOT_RETENTION_DAYS must be a whole number"),
        ("QABOT_EDITOR_CHAT", "@newsroom", "QABOT_EDITOR_CHAT must be a numeric chat id"),
        ("QABOT_STORE_QUESTIONS", "maybe", "QABOT_STORE_QUESTIONS must be on or off"),
    ],
)
def test_bad_feedback_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings(None)


def test_recent_keeps_the_newest_within_their_age() -> None:
    now = [0.0]
    recent: Recent[int, str] = Recent(3, max_age=10.0, clock=lambda: now[0])
    for n in range(5):
        recent[n] = f"v{n}"
    assert [recent.get(n) for n in range(5)] == [None, None, "v2", "v3", "v4"]
    recent[2] = "again"  # setting again makes it the newest
    recent[5] = "v5"
    assert recent.get(3) is None and recent.get(2) == "again"
    now[0] = 10.5
    assert recent.get(5) is None and len(recent) == 0
    assert recent.pop(5) is None


def test_the_report_message_fits_one_telegram_message_with_long_questions() -> None:
    long = "why " + "and what about the police " * 60
    gaps = tuple(Gap(long if n % 2 else None, f"term{n} polic", "not_found", 0.0, 10 - n) for n in range(5))
    rendered = report_html(Summary(0.0, Totals(120, 30, 12, 4, 9), gaps), 7)
    shown = check_telegram_html(rendered.html)
    assert utf16_len(shown) <= 4096
    assert "25% not found" in shown and "10% answered unsure" in shown and "4 👍, 9 👎" in shown
    assert "[term0 polic]" in shown  # no wording kept (QABOT_STORE_QUESTIONS=off): its terms
    assert shown.count("\n1. ") == 1 and "5. " in shown


def test_the_report_message_says_when_nothing_went_unanswered() -> None:
    shown = check_telegram_html(report_html(Summary(0.0, Totals(3, 0, 0, 1, 0), ()), 7).html)
    assert "Every question found an answer." in shown
