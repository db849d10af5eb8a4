"""Tests of the Telegram Bot API emulator, over real HTTP with urllib and with PTB's Bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CommandHandler
from telegram.request import HTTPXRequest

from tests.emulator import BotApiEmulator, TelegramHtmlError, check_telegram_html, utf16_len
from tests.emulator.server import CONFLICT_POLLING, NOT_MODIFIED, QUERY_TOO_OLD

TOKEN = "123456:ABC-test"
ALICE = 1001


@pytest.fixture
def emu() -> Iterator[BotApiEmulator]:
    """An emulator without flood control, so tests can send freely."""
    with BotApiEmulator(TOKEN, rate_limit_burst=0) as emulator:
        yield emulator


def api(
    emu: BotApiEmulator, method: str, *, token: str = TOKEN, encoding: str = "form", **params: Any
) -> tuple[int, dict[str, Any]]:
    """Call the emulator like a bot would; non-string values are JSON-encoded as PTB does."""
    url = f"{emu.base_url}{token}/{method}"
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    data: bytes | None = None
    headers: dict[str, str] = {}
    if encoding == "json":
        data, headers = json.dumps(params).encode(), {"Content-Type": "application/json"}
    elif encoding == "query":
        url += "?" + urllib.parse.urlencode(fields)
    else:
        data = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def run_bot(emu: BotApiEmulator, action: Any, **request_kwargs: Any) -> Any:
    """Run ``await action(bot)`` with a PTB Bot pointed at the emulator."""

    async def main() -> Any:
        bot = telegram.Bot(TOKEN, base_url=emu.base_url, request=HTTPXRequest(**request_kwargs))
        async with bot:
            return await action(bot)

    return asyncio.run(main())


def keyboard(*pairs: tuple[str, str]) -> dict[str, Any]:
    """An inline keyboard with one callback button per (text, data)."""
    return {"inline_keyboard": [[{"text": t, "callback_data": d} for t, d in pairs]]}


# ---------------------------------------------------------------- basics


def test_get_me_over_http_and_ptb(emu: BotApiEmulator) -> None:
    status, body = api(emu, "getme", encoding="query")  # method names are case-insensitive
    assert status == 200 and body["ok"] is True
    me = body["result"]
    assert me["is_bot"] is True and me["username"] == "qabot_test_bot"
    assert me["can_join_groups"] is True and me["can_read_all_group_messages"] is False
    assert me["supports_inline_queries"] is True

    user = run_bot(emu, lambda bot: bot.get_me())
    assert user.username == "qabot_test_bot" and user.supports_inline_queries


def test_wrong_token_unknown_and_unsupported_methods(emu: BotApiEmulator) -> None:
    assert api(emu, "getMe", token="123456:WRONG") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert api(emu, "getMe", token="garbage")[0] == 404
    assert api(emu, "getMee")[1]["description"] == "Not Found"
    status, body = api(emu, "sendPhoto", chat_id=ALICE)
    assert (status, body["description"]) == (400, "Bad Request: method not supported by emulator")

    async def with_wrong_token() -> None:
        async with telegram.Bot("123456:WRONG", base_url=emu.base_url):
            pass

    with pytest.raises(InvalidToken):
        asyncio.run(with_wrong_token())


def test_request_encodings(emu: BotApiEmulator) -> None:
    emu.user_sends("hi")
    assert (
        api(emu, "sendMessage", encoding="json", chat_id=ALICE, text="json", reply_markup=keyboard(("A", "a")))[0]
        == 200
    )
    assert api(emu, "sendMessage", encoding="query", chat_id=ALICE, text="query")[0] == 200
    boundary = "XyZ"
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
            for k, v in {"chat_id": str(ALICE), "text": "multipart ✓"}.items()
        )
        + f"--{boundary}--\r\n"
    )
    request = urllib.request.Request(
        f"{emu.base_url}{TOKEN}/sendMessage",
        data=body.encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["result"]["text"] == "multipart ✓"
    texts = [m["text"] for m in emu.chat_messages(ALICE)]
    assert texts == ["json", "query", "multipart ✓"]
    assert emu.calls[-3].params["reply_markup"] == keyboard(("A", "a"))


# ---------------------------------------------------------------- getUpdates


def test_long_polling_offsets_limit_and_timeout(emu: BotApiEmulator) -> None:
    first = emu.user_sends("/start")
    emu.user_sends("second")
    updates = api(emu, "getUpdates")[1]["result"]
    assert [u["message"]["text"] for u in updates] == ["/start", "second"]
    assert first["entities"] == [{"offset": 0, "length": 6, "type": "bot_command"}]
    assert len(api(emu, "getUpdates", limit=1)[1]["result"]) == 1
    # Unconfirmed updates are delivered again; offset confirms everything below it.
    last_id = updates[-1]["update_id"]
    assert api(emu, "getUpdates", offset=last_id)[1]["result"][0]["update_id"] == last_id
    assert api(emu, "getUpdates", offset=last_id + 1)[1]["result"] == []
    assert emu.pending_updates() == []

    # With nothing to deliver, a long poll is held open (parked), then answered empty.
    empty: list[object] = []
    held = threading.Thread(target=lambda: empty.append(api(emu, "getUpdates", offset=last_id + 1, timeout=1)))
    held.start()
    emu.wait_for_polling(timeout=5)
    held.join()
    assert empty[0][1]["result"] == []

    # A parked long poll is woken by an update: it returns the update, not at its timeout (an
    # hour: the join below would give up long before).
    woken: list[object] = []
    poll = threading.Thread(
        target=lambda: woken.append(api(emu, "getUpdates", offset=last_id + 1, timeout=3600)), daemon=True
    )
    poll.start()
    emu.wait_for_polling(timeout=5)
    emu.user_sends("wake up")
    poll.join(timeout=30)
    assert not poll.is_alive()
    assert [u["message"]["text"] for u in woken[0][1]["result"]] == ["wake up"]


def test_allowed_updates_filters_kinds(emu: BotApiEmulator) -> None:
    emu.user_sends("ignored")
    emu.user_inline_query("kept")
    result = api(emu, "getUpdates", allowed_updates=["inline_query"])[1]["result"]
    assert [next(k for k in u if k != "update_id") for u in result] == ["inline_query"]
    emu.user_sends("still ignored: the setting persists")
    assert len(api(emu, "getUpdates")[1]["result"]) == 1


def test_concurrent_get_updates_conflict(emu: BotApiEmulator) -> None:
    answers: list[tuple[int, dict[str, Any]]] = []
    first = threading.Thread(target=lambda: answers.append(api(emu, "getUpdates", timeout=5)))
    first.start()
    emu.wait_for_polling(timeout=3)
    assert api(emu, "getUpdates", timeout=0)[0] == 200
    first.join(timeout=3)
    assert answers == [(409, {"ok": False, "error_code": 409, "description": CONFLICT_POLLING})]


def test_webhook_blocks_polling(emu: BotApiEmulator) -> None:
    assert api(emu, "setWebhook", url="http://insecure.example")[0] == 400
    assert api(emu, "setWebhook", url="https://example.org/hook")[1]["result"] is True
    assert api(emu, "getWebhookInfo")[1]["result"]["url"] == "https://example.org/hook"
    assert api(emu, "getUpdates")[0] == 409
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        run_bot(emu, lambda bot: bot.get_updates())
    assert api(emu, "deleteWebhook", drop_pending_updates=True)[1]["result"] is True
    assert api(emu, "getUpdates")[1]["result"] == []


def test_user_media_parsed_by_ptb(emu: BotApiEmulator) -> None:
    emu.user_sends_sticker("🔥")
    emu.user_sends_photo("look @qabot_test_bot", chat_id=-100300, chat_type="supergroup")
    updates = run_bot(emu, lambda bot: bot.get_updates())
    assert updates[0].message.sticker.emoji == "🔥"
    photo = updates[1].message
    assert photo.chat.type == "supergroup" and photo.caption_entities[0].type == "mention"
    assert photo.photo[-1].width == 1280


def test_privacy_mode_in_groups(emu: BotApiEmulator) -> None:
    group = {"chat_id": -100200, "chat_type": "group"}
    emu.user_sends("chatter", **group)
    emu.user_sends("/help@other_bot", **group)
    emu.user_sends("/help", **group)
    emu.user_sends("hey @QABot_test_bot", **group)
    delivered = [u["message"]["text"] for u in emu.pending_updates()]
    assert delivered == ["/help", "hey @QABot_test_bot"]


# ---------------------------------------------------------------- sendMessage


def test_send_message_parsed_by_ptb(emu: BotApiEmulator) -> None:
    question = emu.user_sends("question?")

    async def send(bot: telegram.Bot) -> telegram.Message:
        return await bot.send_message(
            ALICE,
            "<b>Answer</b> &amp; <i>more</i>",
            parse_mode="HTML",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="m")]]),
            reply_parameters=ReplyParameters(question["message_id"]),
        )

    message = run_bot(emu, send)
    assert message.text == "Answer & more"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 6), ("italic", 9, 4)]
    assert message.from_user.is_bot and message.chat.type == "private"
    assert message.reply_to_message.message_id == question["message_id"]
    assert message.message_id == question["message_id"] + 1  # ids are shared per chat
    assert message.reply_markup.inline_keyboard[0][0].callback_data == "m"
    assert abs((message.date - dtm.datetime.now(dtm.UTC)).total_seconds()) < 5

    raw = emu.wait_for_bot_message(ALICE)
    assert isinstance(raw["date"], int) and raw["text"] == "Answer & more"
    assert emu.chat_messages(ALICE)[0]["reply_markup"] == keyboard(("More", "m"))
    assert emu.errors() == []


def test_send_message_validation(emu: BotApiEmulator) -> None:
    emu.user_sends("hi")
    cases = {
        "<x>hi</x>": 'Bad Request: can\'t parse entities: Unsupported start tag "x"',
        "<b>hi": "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        "  <b> </b> ": "Bad Request: message text is empty",
        "a" * 4097: "Bad Request: message is too long",
        "😀" * 2049: "Bad Request: message is too long",
    }
    for text, expected in cases.items():
        status, body = api(emu, "sendMessage", chat_id=ALICE, text=text, parse_mode="HTML")
        assert status == 400 and body["description"].startswith(expected), text
    assert api(emu, "sendMessage", chat_id=ALICE, text="a" * 4096)[0] == 200
    assert api(emu, "sendMessage", chat_id=ALICE, text="😀" * 2048)[0] == 200
    assert api(emu, "sendMessage", chat_id=999, text="x")[1]["description"] == "Bad Request: chat not found"
    assert api(emu, "sendMessage", chat_id=ALICE, text="x", parse_mode="HTMLX")[0] == 400
    assert len(emu.errors()) == len(cases) + 2

    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        run_bot(emu, lambda bot: bot.send_message(ALICE, "<br>", parse_mode="HTML"))


def test_inline_keyboard_validation(emu: BotApiEmulator) -> None:
    emu.user_sends("hi")

    def send(markup: Any) -> tuple[int, str | None]:
        status, body = api(emu, "sendMessage", chat_id=ALICE, text="pick", reply_markup=markup)
        return status, body.get("description")

    assert send(keyboard(("ok", "x" * 64)))[0] == 200
    assert send(keyboard(("too long", "x" * 65))) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert send(keyboard(("bytes", "ё" * 33))) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert send({"inline_keyboard": [[{"text": "no action"}]]})[0] == 400
    assert send({"inline_keyboard": [[{"text": "bad", "url": "javascript:alert(1)"}]]})[0] == 400
    assert send({"keyboard": [["Yes", {"text": "No"}]], "one_time_keyboard": True})[0] == 200
    assert send("{not json")[1] == "Bad Request: can't parse reply keyboard markup JSON object"

    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        run_bot(
            emu,
            lambda bot: bot.send_message(
                ALICE, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
            ),
        )


def test_edit_and_delete(emu: BotApiEmulator) -> None:
    emu.user_sends("hi")
    sent = api(
        emu, "sendMessage", chat_id=ALICE, text="<b>v1</b>", parse_mode="HTML", reply_markup=keyboard(("A", "a"))
    )[1]["result"]
    ref = {"chat_id": ALICE, "message_id": sent["message_id"]}
    same = api(emu, "editMessageText", text="<b>v1</b>", parse_mode="HTML", reply_markup=keyboard(("A", "a")), **ref)
    assert same[1]["description"] == NOT_MODIFIED
    # Same text but no reply_markup removes the keyboard: that is a modification.
    edited = api(emu, "editMessageText", text="<b>v1</b>", parse_mode="HTML", **ref)[1]["result"]
    assert "reply_markup" not in edited and "edit_date" in edited
    assert api(emu, "editMessageReplyMarkup", **ref)[1]["description"] == NOT_MODIFIED
    marked = api(emu, "editMessageReplyMarkup", reply_markup=keyboard(("B", "b")), **ref)[1]
    assert marked["result"]["reply_markup"] == keyboard(("B", "b"))
    assert emu.chat_messages(ALICE)[0]["reply_markup"] == keyboard(("B", "b"))

    missing = api(emu, "editMessageText", chat_id=ALICE, message_id=999, text="x")[1]
    assert missing["description"] == "Bad Request: message to edit not found"
    users = api(emu, "editMessageText", chat_id=ALICE, message_id=1, text="x")[1]
    assert users["description"] == "Bad Request: message can't be edited"

    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        run_bot(
            emu,
            lambda bot: bot.edit_message_text(
                "<b>v1</b>",
                ALICE,
                sent["message_id"],
                parse_mode="HTML",
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data="b")]]),
            ),
        )

    assert api(emu, "deleteMessage", **ref)[1]["result"] is True
    assert emu.chat_messages(ALICE) == []
    assert api(emu, "deleteMessage", **ref)[1]["description"] == "Bad Request: message to delete not found"


# ---------------------------------------------------------------- HTML validator


@pytest.mark.parametrize(
    "html, plain",
    [
        ("<b>bold <i>both</i></b>", "bold both"),
        ("<strong>s</strong><em>e</em><u>u</u><ins>i</ins><s>s</s><strike>k</strike><del>d</del>", "seuiskd"),
        ('<a href="https://example.org/?a=1&amp;b=2">link</a>', "link"),
        ('<a href="tg://user?id=42">user</a>', "user"),
        ("<blockquote expandable>long quote</blockquote>", "long quote"),
        ('<pre><code class="language-python">x = 1 &lt; 2</code></pre>', "x = 1 < 2"),
        ('<span class="tg-spoiler">sp</span><tg-spoiler>oiler</tg-spoiler>', "spoiler"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("&lt;tag&gt; &amp; &quot;q&quot; &#65;&#x42; 1 > 0", '<tag> & "q" AB 1 > 0'),
    ],
)
def test_html_validator_accepts(html: str, plain: str) -> None:
    assert check_telegram_html(html) == plain


@pytest.mark.parametrize(
    "html, reason",
    [
        ("<x>", 'Unsupported start tag "x" at byte offset 0'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("fish & chips", 'Unescaped "&"'),
        ("it&apos;s", "Unsupported HTML entity"),
        ("1 < 2", 'Unsupported start tag ""'),
        ('<a href="javascript:alert(1)">x</a>', "Unsupported URL"),
        ("<blockquote>a<blockquote>b</blockquote></blockquote>", "can't be nested"),
        ('<span class="x">s</span>', 'must have class "tg-spoiler"'),
        ("<b class=x>y</b>", "Unquoted attribute value"),
        ('<b onclick="x">y</b>', "Unsupported attribute"),
        ("<br/>", "Unsupported start tag"),
        ("</b>", "Unexpected end tag"),
    ],
)
def test_html_validator_rejects(html: str, reason: str) -> None:
    with pytest.raises(TelegramHtmlError) as caught:
        check_telegram_html(html)
    assert str(caught.value).startswith("Bad Request: can't parse entities: ")
    assert reason in caught.value.reason


def test_utf16_len() -> None:
    assert utf16_len("a" * 4096) == 4096
    assert utf16_len("😀" * 2049) == 4098
    assert utf16_len("ё€") == 2


# ---------------------------------------------------------------- flood control


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after as int
def test_rate_limit_per_chat() -> None:
    with BotApiEmulator(TOKEN, rate_limit_burst=3, rate_limit_per_second=1.0) as emu:
        emu.user_sends("hi")
        emu.user_sends("hi", user_id=2002)
        for _ in range(3):
            assert api(emu, "sendMessage", chat_id=ALICE, text="x")[0] == 200
        status, body = api(emu, "sendMessage", chat_id=ALICE, text="x")
        assert (status, body["parameters"]) == (429, {"retry_after": 1})
        assert body["description"] == "Too Many Requests: retry after 1"
        assert api(emu, "sendMessage", chat_id=2002, text="x")[0] == 200  # other chats unaffected
        assert api(emu, "sendChatAction", chat_id=ALICE, action="typing")[0] == 200

        with pytest.raises(RetryAfter) as caught:
            run_bot(emu, lambda bot: bot.send_message(ALICE, "x"))
        assert caught.value.retry_after in (1, dtm.timedelta(seconds=1))
        time.sleep(1.05)
        assert api(emu, "sendMessage", chat_id=ALICE, text="x")[0] == 200


# ---------------------------------------------------------------- callbacks, inline, commands


def test_callback_query_flow(emu: BotApiEmulator) -> None:
    emu.user_sends("hi")
    sent = api(
        emu,
        "sendMessage",
        chat_id=ALICE,
        text="Pick",
        reply_markup=keyboard(("Yes", "answer:yes"), ("No", "answer:no")),
    )[1]["result"]
    query_id = emu.user_presses(sent, "No")
    assert emu.user_presses(sent, "answer:yes") != query_id  # by data works too

    async def handle(bot: telegram.Bot) -> str:
        updates = await bot.get_updates()
        query = updates[-2].callback_query
        assert query.message.message_id == sent["message_id"] and query.from_user.id == ALICE
        await query.answer("Noted")
        return str(query.data)

    assert run_bot(emu, handle) == "answer:no"
    assert emu.callback_answer(query_id) == {"text": "Noted", "show_alert": False, "url": None}
    again = api(emu, "answerCallbackQuery", callback_query_id=query_id)[1]
    assert again["description"] == QUERY_TOO_OLD
    assert api(emu, "answerCallbackQuery", callback_query_id="nope")[1]["description"] == QUERY_TOO_OLD
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        run_bot(emu, lambda bot: bot.answer_callback_query("12345"))
    other = emu.user_presses(sent, "Yes")
    too_long = api(emu, "answerCallbackQuery", callback_query_id=other, text="x" * 201)[1]
    assert too_long["description"] == "Bad Request: MESSAGE_TOO_LONG"


def test_inline_query_flow(emu: BotApiEmulator) -> None:
    query_id = emu.user_inline_query("weather")

    def article(result_id: str, text: str) -> dict[str, Any]:
        return {
            "type": "article",
            "id": result_id,
            "title": "T",
            "reply_markup": keyboard(("R", "r")),
            "input_message_content": {"message_text": text, "parse_mode": "HTML"},
        }

    duplicate = api(emu, "answerInlineQuery", inline_query_id=query_id, results=[article("1", "a"), article("1", "b")])[
        1
    ]
    assert duplicate["description"] == "Bad Request: RESULT_ID_DUPLICATE"
    bad_html = api(emu, "answerInlineQuery", inline_query_id=query_id, results=[article("1", "<p>")])
    assert bad_html[1]["description"].startswith("Bad Request: can't parse entities")
    assert (
        api(emu, "answerInlineQuery", inline_query_id=query_id, results=[article(str(i), "x") for i in range(51)])[0]
        == 400
    )

    async def answer(bot: telegram.Bot) -> bool:
        content = InputTextMessageContent("<b>Sunny</b>", parse_mode="HTML")
        return await bot.answer_inline_query(
            query_id,
            [
                InlineQueryResultArticle(
                    "sun",
                    "Sunny",
                    content,
                    reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Refresh", callback_data="refresh")]]),
                )
            ],
        )

    assert run_bot(emu, answer) is True
    assert api(emu, "answerInlineQuery", inline_query_id=query_id, results=[])[1]["description"] == QUERY_TOO_OLD
    inline_id = emu.user_picks_inline_result(query_id, "sun")
    emu.user_presses(inline_id, "Refresh")
    assert api(emu, "editMessageText", inline_message_id=inline_id, text="Rainy")[1]["result"] is True
    assert api(emu, "editMessageText", inline_message_id=inline_id, text="Rainy")[1]["description"] == NOT_MODIFIED


def test_commands_and_profile(emu: BotApiEmulator) -> None:
    async def set_commands(bot: telegram.Bot) -> tuple[Any, ...]:
        await bot.set_my_commands([("start", "Start the bot"), ("help", "Show help")])
        await bot.set_my_description("A test bot")
        await bot.set_chat_menu_button()
        return await bot.get_my_commands()

    commands = run_bot(emu, set_commands)
    assert [c.command for c in commands] == ["start", "help"]
    bad = [
        ([{"command": "Start", "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "a" * 33, "description": "x"}], "Bad Request: BOT_COMMAND_INVALID"),
        ([{"command": "ok", "description": ""}], "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        ([{"command": "ok", "description": "d" * 257}], "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        ([{"command": f"c{i}", "description": "d"} for i in range(101)], "Bad Request: BOT_COMMANDS_TOO_MUCH"),
    ]
    for payload, description in bad:
        assert api(emu, "setMyCommands", commands=payload)[1]["description"] == description
    assert api(emu, "deleteMyCommands")[1]["result"] is True
    assert api(emu, "getMyCommands")[1]["result"] == []
    assert api(emu, "getMyDescription")[1]["result"] == {"description": "A test bot"}


def test_chat_action_and_get_chat(emu: BotApiEmulator) -> None:
    emu.user_sends("hi", chat_id=-100777, chat_type="supergroup", chat_title="QA")
    assert api(emu, "sendChatAction", chat_id=-100777, action="typing")[1]["result"] is True
    assert api(emu, "sendChatAction", chat_id=-100777, action="dancing")[0] == 400
    chat = run_bot(emu, lambda bot: bot.get_chat(-100777))
    assert (chat.type, chat.title) == ("supergroup", "QA")


# ---------------------------------------------------------------- faults and observation


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after as int
def test_injected_faults(emu: BotApiEmulator) -> None:
    emu.user_sends("hi")
    emu.fail_next("sendMessage", 502, "Bad Gateway")
    assert api(emu, "sendMessage", chat_id=ALICE, text="x")[0] == 502
    assert api(emu, "sendMessage", chat_id=ALICE, text="x")[0] == 200

    emu.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter):
        run_bot(emu, lambda bot: bot.send_message(ALICE, "x"))

    emu.block_user(ALICE)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        run_bot(emu, lambda bot: bot.send_message(ALICE, "x"))
    emu.unblock_user(ALICE)

    emu.user_sends("/start", chat_id=-555, chat_type="group")
    emu.migrate_chat(-555, -1000555)
    with pytest.raises(ChatMigrated) as migrated:
        run_bot(emu, lambda bot: bot.send_message(-555, "x"))
    assert migrated.value.new_chat_id == -1000555
    assert api(emu, "sendMessage", chat_id=-1000555, text="moved")[0] == 200

    emu.drop_connections_next(1)
    with pytest.raises(NetworkError):
        run_bot(emu, lambda bot: bot.get_updates())

    emu.delay_next("sendMessage", 0.6)
    with pytest.raises(TimedOut):
        run_bot(emu, lambda bot: bot.send_message(ALICE, "slow", read_timeout=0.2))
    # Like Telegram, the request still took effect although the client gave up.
    assert emu.wait_for_bot_message(ALICE, after_call_index=len(emu.calls) - 1)["text"] == "slow"

    assert emu.errors() == []
    faults = {c.fault for c in emu.errors(include_faults=True)}
    assert faults == {"injected", "blocked", "migrated", "dropped"}


def test_wait_for_helpers(emu: BotApiEmulator) -> None:
    emu.user_sends("hi")
    threading.Timer(0.1, lambda: [api(emu, "sendMessage", chat_id=ALICE, text=t) for t in "ab"]).start()
    assert emu.wait_for_bot_message(ALICE, timeout=5)["text"] == "a"
    assert emu.wait_for_bot_message(ALICE, timeout=5)["text"] == "b"  # each call handed out once
    call = emu.wait_for_call("sendMessage", after_call_index=-1)
    assert call.ok and call.params == {"chat_id": str(ALICE), "text": "a"}
    with pytest.raises(TimeoutError):
        emu.wait_for_bot_message(ALICE, timeout=0.2)


def test_ptb_application_polls_the_emulator() -> None:
    """The real PTB polling loop works end to end: deleteWebhook, long polls, offsets."""

    async def start(update: telegram.Update, context: Any) -> None:
        await update.effective_message.reply_html(f"Hello, <b>{update.effective_user.first_name}</b>!")

    async def main(emu: BotApiEmulator) -> dict[str, Any]:
        app = Application.builder().token(TOKEN).base_url(emu.base_url).build()
        app.add_handler(CommandHandler("start", start))
        async with app:
            await app.start()
            await app.updater.start_polling(timeout=1, drop_pending_updates=True)
            emu.user_sends("/start", first_name="Bob", user_id=7)
            reply = await asyncio.to_thread(emu.wait_for_bot_message, 7, 5.0)
            await app.updater.stop()
            await app.stop()
        return reply

    with BotApiEmulator(TOKEN) as emu:
        reply = asyncio.run(main(emu))
        assert reply["text"] == "Hello, Bob!"
        assert reply["entities"] == [{"offset": 7, "length": 3, "type": "bold"}]
        assert emu.pending_updates() == []  # PTB confirmed the update on shutdown
        assert emu.errors() == []
        # PTB's shutdown cancels its long poll and polls again; the cancelled one is abandoned.
        assert {c.fault for c in emu.errors(include_faults=True)} <= {"abandoned"}
