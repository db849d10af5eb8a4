"""The Telegram front end's small parts, in process: flood limit, result store, log redaction, examples."""

from __future__ import annotations

import logging
import re
import subprocess
import sys

import pytest

from bot.answer import ANSWERED, Answerer
from bot.examples import example_questions
from bot.logsafe import REDACTED, RedactingFilter, secret_parts
from bot.ratelimit import FloodLimit, Verdict
from bot.results_store import ResultStore
from tests.telegram_support import REPO, TOKEN, TOKEN_SECOND_HALF


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_flood_limit_allows_n_then_one_notice_per_window() -> None:
    clock = Clock()
    limit = FloodLimit(3, 60.0, clock)
    verdicts = [limit.check(7) for _ in range(10)]
    assert verdicts[:3] == [Verdict.ALLOW] * 3
    assert verdicts[3] is Verdict.NOTIFY
    assert verdicts[4:] == [Verdict.DROP] * 6
    assert limit.check(8) is Verdict.ALLOW  # other users are not affected
    clock.now += 61
    assert limit.check(7) is Verdict.ALLOW  # a new window
    assert [limit.check(7) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.NOTIFY]


def test_flood_limit_window_slides_and_forgets_idle_users() -> None:
    clock = Clock()
    limit = FloodLimit(2, 10.0, clock)
    limit.check(1)
    clock.now += 6
    limit.check(1)
    assert limit.check(1) is Verdict.NOTIFY
    clock.now += 5  # the first request left the window, the second has not
    assert limit.check(1) is Verdict.ALLOW
    assert limit.check(1) is Verdict.NOTIFY  # a new burst: told again, with its own waiting time
    assert limit.check(1) is Verdict.DROP
    for user in range(100, 200):
        limit.check(user)
    clock.now += 30
    limit.check(5)
    assert len(limit) == 1


@pytest.mark.parametrize(("limit", "window"), [(0, 60.0), (5, 0.0)])
def test_flood_limit_rejects_nonsense(limit: int, window: float) -> None:
    with pytest.raises(ValueError):
        FloodLimit(limit, window)


def test_result_store_is_bounded_in_number(answerer: Answerer) -> None:
    store = ResultStore(max_sets=3, max_age=60.0)
    answer = answerer.answer("police")
    keys = [store.put(answer, answerer) for _ in range(5)]
    assert len(store) == 3
    assert store.get(keys[0]) is None and store.get(keys[1]) is None
    kept = store.get(keys[4])
    assert kept is not None and kept.answer is answer and kept.answerer is answerer
    assert all(len(f"s:{k}:99".encode()) <= 64 for k in keys)  # callback data stays tiny


def test_result_store_is_bounded_in_age(answerer: Answerer) -> None:
    clock = Clock()
    store = ResultStore(max_sets=100, max_age=60.0, clock=clock)
    old = store.put(answerer.answer("police"), answerer)
    clock.now += 30
    young = store.put(answerer.answer("ICE"), answerer)
    clock.now += 31
    assert store.get(old) is None
    assert store.get(young) is not None
    assert store.get("no-such-key") is None
    assert len(store) == 1


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("x", logging.ERROR, __file__, 1, message, args, exc_info)


def test_redaction_covers_message_args_traceback_and_the_second_half() -> None:
    redactor = RedactingFilter(secret_parts(TOKEN))
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected")
    except RuntimeError as err:
        rec = record("calling %s/bot%s/getMe", "http://x", TOKEN, exc=err)
    assert redactor.filter(rec)
    formatted = logging.Formatter().format(rec)
    assert TOKEN not in formatted and TOKEN_SECOND_HALF not in formatted
    assert REDACTED in rec.getMessage() and REDACTED in (rec.exc_text or "")
    half = record("secret=%s", TOKEN_SECOND_HALF)
    redactor.filter(half)
    assert half.getMessage() == f"secret={REDACTED}"
    quoted = record("url %s", "bot" + TOKEN.replace(":", "%3A"))
    redactor.filter(quoted)
    assert TOKEN_SECOND_HALF not in quoted.getMessage()


def test_secret_parts_of_missing_or_short_tokens() -> None:
    assert secret_parts(None) == []
    assert secret_parts("123:abc") == ["123:abc"]


def test_example_questions_are_answered_by_different_passages(answerer: Answerer) -> None:
    questions = example_questions(answerer)
    assert len(questions) == 3
    tops = set()
    for question in questions:
        answer = answerer.answer(question, 1)
        assert answer.status == ANSWERED
        tops.add(answer.results[0].passage_id)
        assert len(f"q:{questions.index(question)}".encode()) <= 64
    assert len(tops) == 3
    assert example_questions(answerer) == questions  # the same index gives the same buttons


def test_the_telegram_renderer_does_not_need_python_telegram_bot() -> None:
    code = "import sys, bot.telegram.html; sys.exit('telegram' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


def test_flood_limit_says_when_asking_works_again_and_it_does() -> None:
    """Issue 12 item 2: the notice names the wait, and after that wait a question is allowed."""
    clock = Clock()
    limit = FloodLimit(3, 60.0, clock)
    assert limit.retry_after(7) == 0
    for _ in range(3):
        assert limit.check(7) is Verdict.ALLOW
        clock.now += 10
    assert limit.check(7) is Verdict.NOTIFY
    wait = limit.retry_after(7)
    assert wait == 30  # the first question, 30 s ago, leaves the 60 s window in 30 s
    clock.now += wait - 1
    assert limit.check(7) is Verdict.DROP
    clock.now += 1
    assert limit.check(7) is Verdict.ALLOW
    assert limit.retry_after(8) == 0  # other users are not affected


def test_example_questions_are_well_formed_and_about_the_main_subject(answerer: Answerer) -> None:
    """Issue 12 item 6: no "say about DHS Secretary"; the article's subject (287(g)) comes first."""
    questions = example_questions(answerer)
    assert len(questions) == 3
    assert "287(g)" in questions[0]
    for question in questions:
        # The named thing keeps its article: "What is the X?" / "What does it say about the X?".
        assert re.fullmatch(r"What (is|are) the [^?]+\?|What does it say about the [^?]+\?", question), question
        answer = answerer.answer(question, 1)
        assert answer.status == ANSWERED and not answer.low_confidence
        named = question.split(" the ", 1)[1].rstrip("?")
        assert named.lower() in answer.results[0].text.lower()  # the top passage is about it
