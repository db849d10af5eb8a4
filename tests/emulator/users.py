"""Playing the users: what they send and press, turned into updates for the bot."""

from __future__ import annotations

import copy

from .content import (
    _detect_entities,
    _set_content,
    _without_reply,
)
from .wire import (
    _COMMAND_RE,
    _MENTION_RE,
    JSON,
)


class UserActions:
    """The driver's user side: chats, and what users send and press (mixed into BotApiEmulator)."""

    # ------------------------------------------------------------ driver: users

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str = "Test group",
        first_name: str = "Alice",
        username: str | None = None,
    ) -> JSON:
        """Make a chat known without a message (e.g. a subscriber the bot writes to first)."""
        with self._cond:
            user_id = chat_id if chat_type == "private" else 1001
            user = self._users.get(user_id) or self._make_user(user_id, first_name, username)
            return copy.deepcopy(self._ensure_chat(chat_id, chat_type, user, title))

    def user_sends(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        username: str | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user writes ``text``; returns the Message (queued as an update if the bot sees it)."""
        content: JSON = {"text": text}
        entities = _detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(
            content, user_id, chat_id, chat_type, first_name, reply_to_message_id, username, chat_title
        )

    def user_sends_sticker(
        self,
        emoji: str = "👍",
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user sends a sticker."""
        n = next(self._file_numbers)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAI{n}",
            "file_unique_id": f"AgAD{n}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": 20480,
        }
        return self._user_message(
            {"sticker": sticker}, user_id, chat_id, chat_type, first_name, reply_to_message_id, None, chat_title
        )

    def user_sends_photo(
        self,
        caption: str | None = None,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user sends a photo, optionally captioned."""
        n = next(self._file_numbers)
        photo = [
            {
                "file_id": f"AgACAgIAAxkBAAI{n}{size}",
                "file_unique_id": f"AQAD{n}{size}",
                "width": size,
                "height": size * 3 // 4,
                "file_size": size * 100,
            }
            for size in (90, 1280)
        ]
        content: JSON = {"photo": photo}
        if caption:
            content["caption"] = caption
            entities = _detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._user_message(
            content, user_id, chat_id, chat_type, first_name, reply_to_message_id, None, chat_title
        )

    def user_sends_document(
        self,
        caption: str | None = None,
        *,
        file_name: str = "notes.pdf",
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        first_name: str = "Alice",
        reply_to_message_id: int | None = None,
        chat_title: str = "Test group",
    ) -> JSON:
        """The user sends a file, optionally captioned."""
        n = next(self._file_numbers)
        document = {
            "file_id": f"BQACAgIAAxkBAAI{n}",
            "file_unique_id": f"AgADd{n}",
            "file_name": file_name,
            "mime_type": "application/pdf",
            "file_size": 40960,
        }
        content: JSON = {"document": document}
        if caption:
            content["caption"] = caption
            entities = _detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return self._user_message(
            content, user_id, chat_id, chat_type, first_name, reply_to_message_id, None, chat_title
        )

    def user_presses(self, message: JSON | str, button_text_or_data: str, *, user_id: int | None = None) -> str:
        """The user presses an inline button of a bot message (or inline_message_id); returns the query id."""
        with self._cond:
            if isinstance(message, str):
                stored = self._inline_messages.get(message)
                if stored is None:
                    raise LookupError(f"unknown inline message {message!r}")
                chat_id = None
            else:
                chat_id = message["chat"]["id"]
                stored = self._messages.get(chat_id, {}).get(message["message_id"])
                if stored is None:
                    raise LookupError(f"message {message['message_id']} in chat {chat_id} no longer exists")
            button = self._find_button(stored, button_text_or_data)
            if user_id is None:
                private = chat_id is not None and self._chats[chat_id]["type"] == "private"
                user_id = chat_id if private and chat_id is not None else 1001
            user = self._users.get(user_id) or self._make_user(user_id, "Alice", None)
            query_id = self._new_query_id()
            query: JSON = {
                "id": query_id,
                "from": dict(user),
                "chat_instance": str((abs(chat_id or 0) * 2654435761) % 2**62),
                "data": button["callback_data"],
            }
            if isinstance(message, str):
                query["inline_message_id"] = message
            else:
                query["message"] = copy.deepcopy(stored)
            self._callback_queries[query_id] = {}
            self._enqueue({"callback_query": query})
            return query_id

    def user_inline_query(self, query: str, *, user_id: int = 1001, offset: str = "", first_name: str = "Alice") -> str:
        """The user types ``@bot query``; returns the inline query id."""
        with self._cond:
            user = self._users.get(user_id) or self._make_user(user_id, first_name, None)
            query_id = self._new_query_id()
            self._inline_queries[query_id] = {"user": user}
            self._enqueue(
                {
                    "inline_query": {
                        "id": query_id,
                        "from": dict(user),
                        "query": query,
                        "offset": offset,
                        "chat_type": "sender",
                    }
                }
            )
            return query_id

    def user_picks_inline_result(self, query_id: str, result_id: str) -> str:
        """The user sends an answered inline result; returns its inline_message_id for edits."""
        with self._cond:
            results = self._inline_queries.get(query_id, {}).get("results")
            if results is None:
                raise LookupError(f"inline query {query_id!r} was not answered")
            result = next((r for r in results if r["id"] == result_id), None)
            if result is None:
                raise LookupError(f"inline query {query_id!r} has no result {result_id!r}")
            content = result.get("input_message_content") or {}
            inline_id = f"AgAAA{self._new_query_id()}"
            message: JSON = {"from": self._bot_user()}
            if "message_text" in content:
                _set_content(message, content["message_text"], content["entities"], None)
            if result.get("reply_markup"):
                message["reply_markup"] = copy.deepcopy(result["reply_markup"])
            self._inline_messages[inline_id] = message
            return inline_id

    def _make_user(self, user_id: int, first_name: str, username: str | None) -> JSON:
        """Create or refresh a user."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        if username:
            user["username"] = username
        self._users[user_id] = user
        return user

    def _ensure_chat(self, chat_id: int, chat_type: str, user: JSON, title: str) -> JSON:
        """The chat, created on first use."""
        if chat_id in self._migrated:
            raise ValueError(f"chat {chat_id} was migrated to {self._migrated[chat_id]}")
        if chat_type == "private":
            if chat_id != user["id"]:
                raise ValueError("a private chat's id is the user's id")
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
        elif chat_type in ("group", "supergroup"):
            if chat_id >= 0:
                raise ValueError("group chats have negative ids")
            chat = {"id": chat_id, "type": chat_type, "title": title}
        else:
            raise ValueError(f"unsupported chat type {chat_type!r}")
        return self._chats.setdefault(chat_id, chat)

    def _user_message(
        self,
        content: JSON,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        first_name: str,
        reply_to_message_id: int | None,
        username: str | None,
        chat_title: str,
    ) -> JSON:
        """Store a user's message and queue it for the bot if Telegram would deliver it."""
        with self._cond:
            user = self._make_user(user_id, first_name, username)
            chat = self._ensure_chat(user_id if chat_id is None else chat_id, chat_type, user, chat_title)
            if reply_to_message_id is not None:
                target = self._messages.get(chat["id"], {}).get(reply_to_message_id)
                if target is None:
                    raise LookupError(f"no message {reply_to_message_id} in chat {chat['id']}")
                content["reply_to_message"] = _without_reply(target)
            message = self._store_message(chat, user, content)
            if self._bot_sees(message):
                self._enqueue({"message": message})
            return copy.deepcopy(message)

    def _bot_sees(self, message: JSON) -> bool:
        """Privacy mode: in groups only commands, mentions and replies to the bot arrive."""
        if message["chat"]["type"] == "private" or not self.privacy_mode:
            return True
        reply = message.get("reply_to_message")
        if reply and reply["from"]["id"] == self.bot_id:
            return True
        text = message.get("text") or message.get("caption") or ""
        me = "@" + self.bot_username.lower()
        for word in (text[m.start() : m.end()].lower() for m in _COMMAND_RE.finditer(text)):
            if "@" not in word or word.endswith(me):
                return True
        return any(m.group().lower() == me for m in _MENTION_RE.finditer(text))

    def _find_button(self, message: JSON, wanted: str) -> JSON:
        """An inline button by text, else by callback_data."""
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        button = next((b for b in buttons if b["text"] == wanted), None) or next(
            (b for b in buttons if b.get("callback_data") == wanted), None
        )
        if button is None:
            raise LookupError(f"no button {wanted!r}; buttons: {[b['text'] for b in buttons]}")
        if "callback_data" not in button:
            raise ValueError(f"button {wanted!r} has no callback_data")
        return button

    def _new_query_id(self) -> str:
        """Telegram query ids are long opaque strings."""
        self._next_query_id += 1
        return str(self._next_query_id)

    def _enqueue(self, payload: JSON) -> None:
        """Queue an update and wake the long poll."""
        self._updates.append({"update_id": self._next_update_id, **copy.deepcopy(payload)})
        self._next_update_id += 1
        self._cond.notify_all()
