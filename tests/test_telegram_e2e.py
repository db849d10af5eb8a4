"""End to end: the real `qabot telegram` process, over real HTTP, against the Bot API emulator.

One bot process serves the whole module; each test plays its own users and chats, so the tests
do not depend on each other or on their order. After each test every text the emulator accepted
from the bot is checked to be valid Telegram HTML of at most 4096 UTF-16 units, and no call of
the bot may have been rejected.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index import load_index
from tests.emulator import BotApiEmulator, Call
from tests.emulator.html_check import parse_telegram_html
from tests.emulator.server import QUERY_TOO_OLD
from tests.telegram_support import (
    ARTICLE_TITLE,
    TOKEN,
    TOKEN_SECOND_HALF,
    BotProcess,
    assert_valid_output,
    last_call_index,
    launch_bot,
    log_records,
    wait_quiet,
)

BOT = "qabot_test_bot"
ADMIN = 1900
RATE_LIMIT = 5
RESULT_SETS = 4
JSON = dict[str, Any]


USER_TEXTS: list[str] = []  # everything the module's users typed, for the log check at the end


@pytest.fixture(scope="module")
def emu() -> Iterator[BotApiEmulator]:
    """Privacy mode off: group messages not meant for the bot reach it, and it must ignore them."""
    with BotApiEmulator(token=TOKEN, bot_username=BOT, privacy_mode=False) as emulator:
        sends, queries = emulator.user_sends, emulator.user_inline_query

        def recording_sends(text: str, **kwargs: Any) -> JSON:
            USER_TEXTS.append(text)
            return sends(text, **kwargs)

        def recording_queries(query: str, **kwargs: Any) -> str:
            USER_TEXTS.append(query)
            return queries(query, **kwargs)

        emulator.user_sends = recording_sends  # type: ignore[method-assign]
        emulator.user_inline_query = recording_queries  # type: ignore[method-assign]
        yield emulator


@pytest.fixture(scope="module")
def bot(
    emu: BotApiEmulator, tmp_path_factory: pytest.TempPathFactory, article_index_path: Path
) -> Iterator[BotProcess]:
    process = launch_bot(
        emu,
        tmp_path_factory.mktemp("e2e-bot"),
        article_index_path,
        QABOT_RATE_LIMIT=str(RATE_LIMIT),
        QABOT_RESULT_SETS=str(RESULT_SETS),
        QABOT_ADMIN_IDS=str(ADMIN),
    )
    yield process
    process.stop()
    assert_logs_keep_secrets(process.logs(), USER_TEXTS)


def assert_logs_keep_secrets(logs: str, user_texts: list[str]) -> None:
    """After the whole module at DEBUG: no token, not even its second half, and no text a user
    typed in any record above DEBUG (commands and one-word texts aside: they name themselves)."""
    assert TOKEN not in logs and TOKEN_SECOND_HALF not in logs
    loud = "\n".join(text for level, text in log_records(logs) if level != "DEBUG")
    typed = {t.strip() for t in user_texts if not t.startswith("/") and len(t.strip()) >= 8}
    assert len(typed) >= 20
    assert [t for t in typed if t in loud] == []


@pytest.fixture
def since(emu: BotApiEmulator, bot: BotProcess) -> Iterator[int]:
    """The last call before the test; afterwards, everything the bot sent since is checked."""
    start = last_call_index(emu)
    yield start
    assert bot.process.poll() is None, bot.logs()[-3000:]
    assert_valid_output(emu, start)


# ---------------------------------------------------------------- playing the user


def ask(emu: BotApiEmulator, text: str, user: int, **kwargs: Any) -> JSON:
    """The user sends `text`; returns the bot's next message in that chat."""
    chat = kwargs.get("chat_id", user)
    start = last_call_index(emu)
    emu.user_sends(text, user_id=user, **kwargs)
    return emu.wait_for_bot_message(chat, after_call_index=start)


def press(emu: BotApiEmulator, message: JSON, button: str, user: int | None = None) -> tuple[str, Call]:
    """The user presses `button`; returns the query id and the bot's editMessageText call."""
    start = last_call_index(emu)
    query = emu.user_presses(message, button, user_id=user)
    emu.wait_for_call(
        "answerCallbackQuery", lambda c: c.params["callback_query_id"] == query, after_call_index=start
    )
    edit = emu.wait_for_call(
        "editMessageText",
        lambda c: c.ok and c.result["message_id"] == message["message_id"]
        and c.result["chat"]["id"] == message["chat"]["id"],
        after_call_index=start,
    )
    return query, edit


def buttons(message: JSON) -> list[str]:
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def entity_types(message: JSON) -> set[str]:
    return {e["type"] for e in message.get("entities", [])}


def bold_texts(message: JSON) -> list[str]:
    """The bold parts of a message (entity offsets count UTF-16 units)."""
    units = message["text"].encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message.get("entities", [])
        if e["type"] == "bold"
    ]


def bot_messages_to(emu: BotApiEmulator, chat: int, since: int) -> list[Call]:
    return [
        c for c in emu.calls
        if c.index > since and c.method == "sendMessage" and str(c.params.get("chat_id")) == str(chat)
    ]


def cites(text: str) -> bool:
    return f"[1] {ARTICLE_TITLE}" in text and ", para " in text


# ---------------------------------------------------------------- the tests


def test_start_lists_the_article_and_example_questions_that_answer(
    emu: BotApiEmulator, since: int, article_index_path: Path
) -> None:
    index = load_index(article_index_path)
    commands = emu.wait_for_call("setMyCommands", after_call_index=-1)
    assert {c["command"] for c in commands.params["commands"]} >= {"start", "help", "sources", "ask"}

    welcome = ask(emu, "/start", 1101)
    assert ARTICLE_TITLE in welcome["text"]
    assert f"{len(index.passages)} passages" in welcome["text"]
    examples = buttons(welcome)
    assert len(examples) == 3 and all(q.endswith("?") for q in examples)
    assert examples[0] == "What is the 287(g) program?"  # the article's subject, in good English

    for example in examples:
        start = last_call_index(emu)
        emu.user_presses(welcome, example)
        answer = emu.wait_for_bot_message(1101, after_call_index=start)
        assert answer["text"].startswith(f"Q: {example}")
        assert cites(answer["text"]), answer["text"]


def test_question_gets_typing_then_one_cited_html_answer(emu: BotApiEmulator, since: int) -> None:
    answer = ask(emu, "Who is the new DHS Secretary?", 1102)
    calls = [c for c in emu.calls if c.index > since and str(c.params.get("chat_id")) == "1102"]
    assert [c.method for c in calls][:2] == ["sendChatAction", "sendMessage"]
    assert calls[0].params["action"] == "typing"
    assert calls[1].params["parse_mode"] == "HTML"
    text = answer["text"]
    assert "Alejandro Mayorkas" in text.split("\n")[0]  # the best sentence first
    assert cites(text)
    assert {"bold", "italic"} <= entity_types(answer)
    assert entity_types(answer) & {"blockquote", "expandable_blockquote"}
    assert any("secretary" in b.lower() for b in bold_texts(answer)[1:])  # [0]: the best sentence
    assert buttons(answer) == ["👍", "👎", "More results", "Section [1]", "Section [2]", "Section [3]"]
    data = [b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(d.encode()) < 64 for d in data)
    wait_quiet(emu, 0.5)
    assert len(bot_messages_to(emu, 1102, since)) == 1  # one message, not one per result


def test_a_follow_up_is_read_against_the_previous_answer(
    emu: BotApiEmulator, since: int, article_index_path: Path
) -> None:
    from bot.answer import Answerer
    from bot.followup import Conversation

    first = ask(emu, "Who is the new DHS Secretary?", 1150)
    assert "Following on from" not in first["text"]
    # The same answers in-process, to know which passage comes next.
    answerer = Answerer(load_index(article_index_path))
    chat = Conversation()
    chat.record(answerer.answer("Who is the new DHS Secretary?", 30))
    expected = answerer.answer("what did he say next?", 30, context=chat.context())
    after = ask(emu, "what did he say next?", 1150)
    assert after["text"].startswith("Following on from: “Who is the new DHS Secretary?”")
    assert expected.results[0].text[:60] in after["text"]
    # Another chat has no such context: the same words are a question of their own there.
    alone = ask(emu, "what did he say next?", 1151)
    assert "Following on from" not in alone["text"]


def test_replying_to_an_answer_follows_on_from_it(emu: BotApiEmulator, since: int) -> None:
    first = ask(emu, "how many democrats want the 287(g) program ended", 1152)
    ask(emu, "who won the super bowl", 1152)  # a newer, unrelated question in between
    reply = ask(emu, "what else do they want", 1152, reply_to_message_id=first["message_id"])
    assert reply["text"].startswith("Following on from: “how many democrats want the 287(g) program ended”")


def test_more_results_pages_by_editing_the_same_message(emu: BotApiEmulator, since: int) -> None:
    answer = ask(emu, "immigration police", 1103)
    assert "[1] " in answer["text"] and "[4] " not in answer["text"]
    _, edit = press(emu, answer, "More results")
    page2 = edit.result
    assert page2["message_id"] == answer["message_id"]
    assert "[4] " in page2["text"] and "[1] " not in page2["text"]
    assert "Results 4–6 of" in page2["text"]
    assert "« Previous" in buttons(page2)
    _, edit = press(emu, page2, "« Previous")
    assert "[1] " in edit.result["text"]
    assert len(emu.chat_messages(1103)) == 1


def test_every_result_on_a_page_opens_its_own_section(
    emu: BotApiEmulator, since: int, article_index_path: Path
) -> None:
    """Issue 12 item 1: "Full section" opened only the page's first result ([4] on page 2)."""
    answer = ask(emu, "immigration police", 1191)
    _, edit = press(emu, answer, "More results")
    page2 = edit.result
    assert buttons(page2) == ["👍", "👎", "« Previous", "More results", "Section [4]", "Section [5]", "Section [6]"]
    index = load_index(article_index_path)
    for rank in (4, 5, 6):
        _, edit = press(emu, page2, f"Section [{rank}]")
        section = edit.result
        # The section is the one around result [rank]: its heading says so, and that passage is bold.
        assert section["text"].startswith(f"[{rank}] {ARTICLE_TITLE}")
        cited = re.search(rf"\[{rank}\] {re.escape(ARTICLE_TITLE)}(?: - ([^\n]+))?, para (\d+)", page2["text"])
        assert cited is not None
        paragraph = int(cited.group(2))
        passage = next(p for p in index.passages if p.paragraph == paragraph)
        assert f"({paragraph}) {passage.text.strip()[:60]}" in " ".join(bold_texts(section))
        _, edit = press(emu, section, "« Back to results")
        assert edit.result["text"] == page2["text"]  # back to page 2, not page 1
        page2 = edit.result


def test_full_section_shows_the_section_and_leads_back(emu: BotApiEmulator, since: int) -> None:
    answer = ask(emu, "What is the 287(g) program?", 1104)
    _, edit = press(emu, answer, "Section [1]")
    section = edit.result
    assert section["text"].startswith(f"[1] {ARTICLE_TITLE} - 287(g) program")
    assert "Secure Communities program was ended by Barack Obama" in section["text"]
    assert buttons(section) == ["« Back to results"]
    _, edit = press(emu, section, "« Back to results")
    assert edit.result["text"] == answer["text"]


def test_expired_result_set_gets_a_polite_ask_again(emu: BotApiEmulator, since: int) -> None:
    old = ask(emu, "ICE detainers", 1105)
    for n in range(RESULT_SETS):  # newer answers push the old result set out of the store
        ask(emu, "Secure Communities program", 1110 + n)
    start = last_call_index(emu)
    query = emu.user_presses(old, "More results")
    emu.wait_for_call("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query,
                      after_call_index=start)
    reply = emu.callback_answer(query)
    assert reply is not None and "ask your question again" in reply["text"]
    wait_quiet(emu, 0.3)
    assert emu.chat_messages(1105)[-1]["text"] == old["text"]  # untouched


def test_nothing_found_says_so_and_what_the_bot_knows(emu: BotApiEmulator, since: int) -> None:
    reply = ask(emu, "zebras and unicorns", 1106)
    text = reply["text"]
    assert text.startswith(f"I could not find that in the article “{ARTICLE_TITLE}”: it does not mention")
    assert "It covers: 287(g) program" in text
    assert text.endswith("Try for example: “What is the 287(g) program?”, or send /sources.")
    assert "reply_markup" not in reply
    assert not entity_types(reply) & {"blockquote", "expandable_blockquote"}  # no passage shown


@pytest.mark.parametrize(
    "question",
    [
        '<b>zebra</b> </blockquote> &amp; <a href="javascript:alert(1)">x</a> javascript:alert(1)',
        "<b>police</b> </blockquote> &amp; <i>ICE</i> detainers",
    ],
)
def test_html_in_a_question_comes_back_as_literal_text(
    emu: BotApiEmulator, since: int, question: str
) -> None:
    reply = ask(emu, question, 1107)
    sent = bot_messages_to(emu, 1107, since)[-1]
    assert sent.params["parse_mode"] == "HTML"  # no plain-text fallback was needed
    parse_telegram_html(sent.params["text"])
    if reply["text"].startswith("I could not find that"):
        assert "zebra" in reply["text"]  # named as written, not as markup
    else:
        assert cites(reply["text"])
    assert "text_link" not in entity_types(reply)


def test_group_answers_only_when_addressed_and_replies_to_the_asker(
    emu: BotApiEmulator, since: int
) -> None:
    group, alice, bob = -1001234, 2001, 2002
    emu.user_sends("the police are discussed here", user_id=bob, chat_id=group, chat_type="supergroup")
    emu.user_sends_sticker(user_id=bob, chat_id=group, chat_type="supergroup")

    asked = emu.user_sends(f"@{BOT} what is the 287(g) program?", user_id=alice, chat_id=group,
                           chat_type="supergroup")
    answer = emu.wait_for_bot_message(group, after_call_index=since)
    assert answer["reply_to_message"]["message_id"] == asked["message_id"]
    assert cites(answer["text"]) and "287(g)" in answer["text"]

    _, edit = press(emu, answer, "More results", user=bob)  # someone else may page
    assert "[4] " in edit.result["text"]

    start = last_call_index(emu)
    asked = emu.user_sends("/ask who is Mayorkas?", user_id=bob, chat_id=group, chat_type="supergroup")
    answer = emu.wait_for_bot_message(group, after_call_index=start)
    assert answer["reply_to_message"]["message_id"] == asked["message_id"]
    assert "Mayorkas" in answer["text"]

    start = last_call_index(emu)
    asked = emu.user_sends("and the ICE detainers?", user_id=alice, chat_id=group,
                           chat_type="supergroup", reply_to_message_id=answer["message_id"])
    answer = emu.wait_for_bot_message(group, after_call_index=start)
    assert answer["reply_to_message"]["message_id"] == asked["message_id"]
    assert "detainers" in answer["text"]

    wait_quiet(emu, 0.5)
    assert len(bot_messages_to(emu, group, since)) == 3  # the two messages not for it were ignored


def test_inline_query_offers_cited_passages_ready_to_send(emu: BotApiEmulator, since: int) -> None:
    query = emu.user_inline_query("ICE detainers", user_id=1108)
    call = emu.wait_for_call("answerInlineQuery", lambda c: c.params["inline_query_id"] == query,
                             after_call_index=since)
    results = call.params["results"]
    assert 1 <= len(results) <= 10
    for result in results:
        content = result["input_message_content"]
        assert content["parse_mode"] == "HTML"
        plain, _ = parse_telegram_html(content["message_text"])
        assert ARTICLE_TITLE in plain and ", para " in plain
        assert result["title"].strip()
    inline_id = emu.user_picks_inline_result(query, results[0]["id"])
    assert inline_id


@pytest.mark.parametrize("query", ["", "   ", "zebras and unicorns"])
def test_an_empty_or_unmatched_inline_query_gets_a_hint(emu: BotApiEmulator, since: int, query: str) -> None:
    """Issue 12 item 8: these returned no results at all."""
    asked = emu.user_inline_query(query, user_id=1108)
    call = emu.wait_for_call("answerInlineQuery", lambda c: c.params["inline_query_id"] == asked,
                             after_call_index=since)
    [hint] = call.params["results"]
    assert hint["title"].endswith(f"Type a question about the article “{ARTICLE_TITLE}”")
    assert hint["description"] == "For example: What is the 287(g) program?"
    plain, _ = parse_telegram_html(hint["input_message_content"]["message_text"])
    assert f"Type @{BOT} and a question" in plain


def test_stickers_and_photos_get_asked_for_text(emu: BotApiEmulator, since: int) -> None:
    emu.user_sends_sticker(user_id=1109)
    assert "question as text" in emu.wait_for_bot_message(1109, after_call_index=since)["text"]
    start = last_call_index(emu)
    emu.user_sends_photo(user_id=1109)
    assert "question as text" in emu.wait_for_bot_message(1109, after_call_index=start)["text"]


def test_a_caption_is_read_as_the_question(emu: BotApiEmulator, since: int) -> None:
    """Issue 12 item 3: a photo or a file with a caption got "send me your question as text"."""
    emu.user_sends_photo("What is the 287(g) program?", user_id=1190)
    answer = emu.wait_for_bot_message(1190, after_call_index=since)
    assert cites(answer["text"]) and "287(g) program" in answer["text"]
    start = last_call_index(emu)
    emu.user_sends_document("ICE detainers", user_id=1190)
    answer = emu.wait_for_bot_message(1190, after_call_index=start)
    assert cites(answer["text"]) and "detainers" in answer["text"]
    group, start = -1001190, last_call_index(emu)
    asked = emu.user_sends_photo(f"@{BOT} who is Mayorkas?", user_id=2190, chat_id=group, chat_type="supergroup")
    answer = emu.wait_for_bot_message(group, after_call_index=start)
    assert answer["reply_to_message"]["message_id"] == asked["message_id"]
    assert cites(answer["text"]) and "Mayorkas" in answer["text"]


def test_help_and_sources(emu: BotApiEmulator, since: int) -> None:
    help_text = ask(emu, "/help", 1120)["text"]
    assert "/sources" in help_text and "para 4" in help_text and f"@{BOT}" in help_text
    sources = ask(emu, "/sources", 1120)["text"]
    assert ARTICLE_TITLE in sources and "Sections: 287(g) program; Letter endorsed" in sources
    assert "\n15 passages\n" in sources
    assert "don't know that command" in ask(emu, "/nosuchcommand", 1120)["text"]


def test_exploring_the_bot_does_not_count_as_questions(emu: BotApiEmulator, since: int) -> None:
    """Issue 12 item 2: /start, /help, /sources, buttons and stickers counted against the question
    limit, so a newcomer exploring for a minute was told to slow down."""
    user = 1135
    welcome = ask(emu, "/start", user)
    ask(emu, "/help", user)
    ask(emu, "/sources", user)
    start = last_call_index(emu)
    emu.user_sends_sticker(user_id=user)
    assert "question as text" in emu.wait_for_bot_message(user, after_call_index=start)["text"]
    answer = ask(emu, "immigration police", user)  # question 1
    _, section = press(emu, answer, "Section [1]")
    _, page = press(emu, section.result, "« Back to results")
    press(emu, page.result, "More results")
    start = last_call_index(emu)
    emu.user_presses(welcome, buttons(welcome)[0])  # question 2: an example asks a question
    emu.wait_for_bot_message(user, after_call_index=start)
    for n in range(RATE_LIMIT - 2):  # questions 3 to 5
        assert cites(ask(emu, f"What did the letter to Mayorkas ask for? ({n})", user)["text"])
    notice = ask(emu, "ICE detainers", user)["text"]
    match = re.fullmatch(r"You are asking faster than I can answer well\. Please try again in (\d+) s\.", notice)
    assert match is not None and 1 <= int(match.group(1)) <= 60, notice


def test_flood_gets_answers_up_to_the_limit_and_one_slow_down_notice(
    emu: BotApiEmulator, since: int
) -> None:
    flooder = 1130
    for n in range(3 * RATE_LIMIT):
        emu.user_sends(f"What did the letter to Mayorkas ask for? ({n})", user_id=flooder)
    deadline = time.monotonic() + 30
    while len(bot_messages_to(emu, flooder, since)) < RATE_LIMIT + 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    wait_quiet(emu, 1.5)
    texts = [c.params["text"] for c in bot_messages_to(emu, flooder, since)]
    notices = [t for t in texts if "faster than I can answer" in t]
    assert len(notices) == 1 and "try again in " in notices[0]
    assert len(texts) == RATE_LIMIT + 1
    assert all(cites(check) for check in (parse_telegram_html(t)[0] for t in texts if t not in notices))
    # Another user is not slowed down by the flood.
    assert cites(ask(emu, "ICE detainers", 1131)["text"])


def test_reload_is_for_admins_only(emu: BotApiEmulator, since: int) -> None:
    assert "only the bot's admins" in ask(emu, "/reload", 1140)["text"]
    reply = ask(emu, "/reload", ADMIN)["text"]
    assert reply.startswith("Reloaded: 1 document, ")
    assert cites(ask(emu, "ICE detainers", ADMIN)["text"])  # still answering afterwards


def test_logs_hold_no_token_and_no_user_text_above_debug(
    emu: BotApiEmulator, since: int, bot: BotProcess
) -> None:
    ask(emu, "Did Quigley write about kumquat harvests?", 1150)
    ask(emu, "/ask did Quigley sign the kumquat letter", 1150)
    logs = bot.logs()
    records = log_records(logs)
    assert any(level == "DEBUG" for level, _ in records)  # the bot runs at its most talkative
    assert TOKEN not in logs and TOKEN_SECOND_HALF not in logs
    assert any("kumquat" in text for level, text in records if level == "DEBUG")
    loud = [text for level, text in records if level != "DEBUG"]
    assert loud and not [text for text in loud if "kumquat" in text or "Quigley" in text]


def test_refused_html_is_resent_once_as_plain_text(emu: BotApiEmulator, since: int) -> None:
    emu.fail_next("sendMessage", 400, "Bad Request: can't parse entities: Unsupported start tag "
                  '"foo" at byte offset 0', chat_id=1160)
    answer = ask(emu, "ICE detainers", 1160)
    sent = bot_messages_to(emu, 1160, since)
    assert [c.ok for c in sent] == [False, True]
    assert "parse_mode" not in sent[1].params
    assert cites(answer["text"])
    emu.fail_next("editMessageText", 400, "Bad Request: can't parse entities: Can't find end tag "
                  'corresponding to start tag "b"', chat_id=1160)
    _, edit = press(emu, answer, "More results")
    assert "parse_mode" not in edit.params and "[4] " in edit.result["text"]


def test_telegram_faults_do_not_stop_the_bot(emu: BotApiEmulator, since: int) -> None:
    # 429: waited out, the answer still arrives.
    emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=1161)
    assert cites(ask(emu, "ICE detainers", 1161)["text"])
    # A server error while answering: logged, and the user gets an apology.
    emu.fail_next("sendMessage", 500, "Internal Server Error", chat_id=1162)
    assert "Sorry, something went wrong" in ask(emu, "ICE detainers", 1162)["text"]
    # A user who blocked the bot: one attempt, no retries, no apology.
    emu.user_sends("/help", user_id=1163)
    emu.wait_for_bot_message(1163, after_call_index=since)
    emu.block_user(1163)
    start = last_call_index(emu)
    emu.user_sends("ICE detainers", user_id=1163)
    emu.wait_for_call("sendMessage", lambda c: str(c.params["chat_id"]) == "1163", after_call_index=start)
    wait_quiet(emu, 1.0)
    assert len(bot_messages_to(emu, 1163, start)) == 1
    emu.unblock_user(1163)
    assert cites(ask(emu, "ICE detainers", 1165)["text"])


def test_a_double_press_is_not_an_error(emu: BotApiEmulator, bot: BotProcess) -> None:
    answer = ask(emu, "immigration police", 1164)
    start = last_call_index(emu)
    emu.user_presses(answer, "More results")
    emu.user_presses(answer, "More results")
    wait_quiet(emu, 1.0)
    edits = [c for c in emu.calls if c.index > start and c.method == "editMessageText"]
    assert [c.ok for c in edits] == [True, False]
    assert "message is not modified" in (edits[1].description or "")
    assert not bot_messages_to(emu, 1164, start)  # ignored: no apology
    assert_valid_output(emu, start, expected_errors=("message is not modified",))
    assert cites(ask(emu, "ICE detainers", 1164)["text"])


def test_a_late_press_and_an_uneditable_message_still_show_the_page(
    emu: BotApiEmulator, since: int
) -> None:
    answer = ask(emu, "immigration police", 1170)
    # Telegram says the press is too old to answer: the page is shown all the same.
    emu.fail_next("answerCallbackQuery", 400, QUERY_TOO_OLD)
    _, edit = press(emu, answer, "More results")
    assert "[4] " in edit.result["text"]
    # The message can no longer be edited (older than 48 hours): the page comes as a new message.
    emu.fail_next("editMessageText", 400, "Bad Request: message can't be edited", chat_id=1170)
    start = last_call_index(emu)
    emu.user_presses(edit.result, "« Previous")
    fresh = emu.wait_for_bot_message(1170, after_call_index=start)
    assert "[1] " in fresh["text"] and "More results" in buttons(fresh)
    assert not [c for c in emu.calls if c.index > since and c.method == "sendMessage"
                and "Sorry" in c.params.get("text", "")]


def test_an_answer_follows_a_group_that_became_a_supergroup(emu: BotApiEmulator, since: int) -> None:
    old, new = -4001, -1004001
    emu.add_chat(new, "supergroup")
    emu.fail_next("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
                  migrate_to_chat_id=new, chat_id=old)
    emu.user_sends(f"@{BOT} ICE detainers", user_id=2101, chat_id=old, chat_type="group")
    answer = emu.wait_for_bot_message(new, after_call_index=since)
    assert cites(answer["text"])


def test_one_users_faults_do_not_hold_up_another_user(emu: BotApiEmulator, since: int) -> None:
    # A's answer meets a 429 (waited out), B's chat works: both answers arrive, B's promptly.
    emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2, chat_id=1171)
    emu.block_user(1173)  # C blocked the bot: one refused send, no retries
    emu.user_sends("ICE detainers", user_id=1171)
    emu.user_sends("ICE detainers", user_id=1173)
    asked = time.monotonic()
    assert cites(ask(emu, "What is the 287(g) program?", 1172)["text"])
    assert time.monotonic() - asked < 6
    assert cites(emu.wait_for_bot_message(1171, after_call_index=since)["text"])
    wait_quiet(emu, 1.0)
    assert len(bot_messages_to(emu, 1173, since)) == 1
    emu.unblock_user(1173)


def test_polling_resumes_after_connection_resets_and_a_timed_out_poll(
    emu: BotApiEmulator, bot: BotProcess, since: int
) -> None:
    """About 20 s: one getUpdates is held past PTB's long-poll timeout plus read timeout."""
    emu.drop_connections_next(2)
    emu.delay_next("getUpdates", 17)
    # The poll now waiting ends with this question; the next two polls are reset, the third hangs.
    assert cites(ask(emu, "ICE detainers", 1180)["text"])
    start = last_call_index(emu)
    emu.user_sends("What is the 287(g) program?", user_id=1181)
    assert cites(emu.wait_for_bot_message(1181, timeout=60, after_call_index=start)["text"])
    assert len([c for c in emu.calls if c.index > since and c.fault == "dropped"]) == 2
    logs = bot.logs()
    # Resets reach the error handler (one warning each); PTB retries a timed-out poll at once.
    assert logs.count("fetching updates failed (NetworkError") >= 2
    assert "Polling Updates): Timed out" in logs
    assert cites(ask(emu, "ICE detainers", 1182)["text"])  # and it keeps serving

