"""Telegram-HTML validator and message-text rules of the Bot API, usable from any test.

The scanner follows tdlib's parse_html (the code behind parse_mode=HTML) and reports
errors in Telegram's words. Where Telegram silently tolerates sloppy markup it is
stricter on purpose, so tests catch markup that only works by accident:

* a bare ``&`` that does not start ``&lt; &gt; &amp; &quot; &#NN; &#xNN;`` (with the
  ``;``) is rejected; Telegram would show it literally (``&apos;`` appears as text!);
* unknown or unquoted attributes are rejected; Telegram ignores them;
* an ``<a href>`` that is not http(s)/tg/ton/mailto or a bare domain (``javascript:``
  and the like) is rejected; Telegram silently drops such a link;
* nested ``<blockquote>`` is rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_MESSAGE_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024

# Start-tag name -> entity type that tag produces.
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_ATTRIBUTES = {"a": {"href"}, "span": {"class"}, "code": {"class"}, "tg-emoji": {"emoji-id"}}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]{1,8})|#([0-9]{1,10})|([a-zA-Z]+));")
_SPECIAL_RE = re.compile(r"[<&]")
# tdlib's is_space(); NUL never reaches us from HTTP, so it is left out.
_SPACES = " \t\r\n\v"
_LINK_RE = re.compile(r"(?i)(?:(?:https?|tg|ton)://|mailto:)[^\s]+")
_BARE_DOMAIN_RE = re.compile(r"(?i)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:[:/?#][^\s]*)?")
# Telegram trims these from both ends of a message text after parsing.
_TRIM = " \t\n\r\v\f"


class TelegramBadRequest(ValueError):
    """A 400 answer of the Bot API; str() is Telegram's full description."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class TelegramHtmlError(TelegramBadRequest):
    """HTML that Telegram refuses to parse; ``reason`` is the part after the prefix."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Bad Request: can't parse entities: {reason}")
        self.reason = reason


def utf16_len(s: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


@dataclass
class _OpenTag:
    """A start tag whose end tag has not been seen yet."""

    name: str
    argument: str
    utf16_offset: int
    chunk_index: int
    expandable: bool = False


class _HtmlScanner:
    """One pass over the input, producing plain text and entities like tdlib."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.chunks: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, object]] = []

    def byte_offset(self, index: int) -> int:
        """Telegram reports positions as UTF-8 byte offsets."""
        return len(self.text[:index].encode("utf-8", "surrogatepass"))

    def emit(self, chunk: str) -> None:
        """Append plain text."""
        self.chunks.append(chunk)
        self.utf16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[dict[str, object]]]:
        """Scan the whole text."""
        text, i = self.text, 0
        while i < len(text):
            match = _SPECIAL_RE.search(text, i)
            if match is None:
                self.emit(text[i:])
                break
            if match.start() > i:
                self.emit(text[i : match.start()])
            i = match.start()
            if text[i] == "&":
                char, i = self.entity(i)
                self.emit(char)
            elif text.startswith("</", i):
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.stack:
            raise TelegramHtmlError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -int(e["length"])))  # type: ignore[call-overload]
        return "".join(self.chunks), self.entities

    def entity(self, i: int) -> tuple[str, int]:
        """Decode a character reference at ``i``; return it and the index after it."""
        match = _ENTITY_RE.match(self.text, i)
        if match is None:
            raise TelegramHtmlError(f'Unescaped "&" at byte offset {self.byte_offset(i)}; use "&amp;"')
        hex_digits, dec_digits, name = match.groups()
        if name is not None:
            if name not in _NAMED_ENTITIES:
                raise TelegramHtmlError(f'Unsupported HTML entity "&{name};" at byte offset {self.byte_offset(i)}')
            return _NAMED_ENTITIES[name], match.end()
        code = int(hex_digits, 16) if hex_digits is not None else int(dec_digits)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise TelegramHtmlError(f"Invalid character reference at byte offset {self.byte_offset(i)}")
        return chr(code), match.end()

    def skip_spaces(self, j: int) -> int:
        """Index of the first non-space character at or after ``j``."""
        while j < len(self.text) and self.text[j] in _SPACES:
            j += 1
        return j

    def start_tag(self, begin: int) -> int:
        """Parse ``<name attr="v" ...>`` and push it; return the index after ``>``."""
        text, at = self.text, self.byte_offset(begin)
        j = begin + 1
        while j < len(text) and text[j] not in _SPACES and text[j] != ">":
            j += 1
        if j >= len(text):
            raise TelegramHtmlError(f"Unclosed start tag at byte offset {at}")
        name = text[begin + 1 : j].lower()
        if name not in _TAG_ENTITY:
            raise TelegramHtmlError(f'Unsupported start tag "{name}" at byte offset {at}')
        attributes: dict[str, str | None] = {}
        while True:
            j = self.skip_spaces(j)
            if j >= len(text):
                raise TelegramHtmlError(f'Unclosed start tag "{name}" at byte offset {at}')
            if text[j] == ">":
                break
            attr_begin = j
            while j < len(text) and text[j] not in _SPACES and text[j] not in "=>":
                j += 1
            attribute = text[attr_begin:j]
            j = self.skip_spaces(j)
            if j < len(text) and text[j] == "=":
                value, j = self.attribute_value(j + 1, name, at)
                attributes[attribute] = value
            else:
                attributes[attribute] = None
        self.push(name, attributes, at)
        return j + 1

    def attribute_value(self, j: int, tag: str, at: int) -> tuple[str, int]:
        """Parse a quoted attribute value starting at ``j`` (after ``=``)."""
        text = self.text
        j = self.skip_spaces(j)
        if j >= len(text):
            raise TelegramHtmlError(f'Unclosed start tag "{tag}" at byte offset {at}')
        quote = text[j]
        if quote not in "\"'":
            raise TelegramHtmlError(f'Unquoted attribute value in the tag "{tag}" at byte offset {at}')
        j += 1
        value: list[str] = []
        while j < len(text) and text[j] != quote:
            if text[j] == "&":
                char, j = self.entity(j)
                value.append(char)
            else:
                value.append(text[j])
                j += 1
        if j >= len(text):
            raise TelegramHtmlError(f'Unclosed start tag "{tag}" at byte offset {at}')
        return "".join(value), j + 1

    def push(self, name: str, attributes: dict[str, str | None], at: int) -> None:
        """Check a start tag's attributes and open it."""
        expandable = False
        allowed = _TAG_ATTRIBUTES.get(name, set())
        for attribute, value in attributes.items():
            if name == "blockquote" and attribute == "expandable" and value is None:
                expandable = True
            elif value is None:
                raise TelegramHtmlError(
                    f'Expected equal sign in declaration of an attribute of the tag "{name}" at byte offset {at}'
                )
            elif attribute not in allowed:
                raise TelegramHtmlError(f'Unsupported attribute "{attribute}" in the tag "{name}" at byte offset {at}')
        argument = ""
        if name == "a":
            argument = attributes.get("href") or ""
        elif name == "span":
            if attributes.get("class") != "tg-spoiler":
                raise TelegramHtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        elif name == "code" and "class" in attributes:
            css = attributes["class"] or ""
            if not css.startswith("language-") or len(css) == len("language-"):
                raise TelegramHtmlError(f'Unsupported class "{css}" of the tag "code" at byte offset {at}')
            argument = css[len("language-") :]
        elif name == "tg-emoji":
            argument = attributes.get("emoji-id") or ""
            if not argument.isdigit():
                raise TelegramHtmlError(f"Invalid custom emoji identifier specified at byte offset {at}")
        elif name == "blockquote" and any(t.name == "blockquote" for t in self.stack):
            raise TelegramHtmlError(f"Blockquote entities can't be nested (byte offset {at})")
        self.stack.append(_OpenTag(name, argument, self.utf16, len(self.chunks), expandable))

    def end_tag(self, begin: int) -> int:
        """Parse ``</name>``, close the innermost tag; return the index after ``>``."""
        text, at = self.text, self.byte_offset(begin)
        if not self.stack:
            raise TelegramHtmlError(f"Unexpected end tag at byte offset {at}")
        j = begin + 2
        while j < len(text) and text[j] not in _SPACES and text[j] != ">":
            j += 1
        end_name = text[begin + 2 : j]
        j = self.skip_spaces(j)
        if j >= len(text) or text[j] != ">":
            raise TelegramHtmlError(f"Unclosed end tag at byte offset {at}")
        top = self.stack.pop()
        # tdlib compares the end tag case-sensitively with the lower-cased start tag.
        if end_name and end_name != top.name:
            raise TelegramHtmlError(
                f'Unmatched end tag at byte offset {at}, expected "</{top.name}>", found "</{end_name}>"'
            )
        if self.utf16 > top.utf16_offset:
            self.add_entity(top)
        return j + 1

    def add_entity(self, tag: _OpenTag) -> None:
        """Turn a closed, non-empty tag into an entity."""
        offset, length = tag.utf16_offset, self.utf16 - tag.utf16_offset
        entity: dict[str, object] = {"offset": offset, "length": length, "type": _TAG_ENTITY[tag.name]}
        if tag.name == "a":
            url = tag.argument or "".join(self.chunks[tag.chunk_index :])
            if not (_LINK_RE.fullmatch(url) or _BARE_DOMAIN_RE.fullmatch(url)):
                raise TelegramHtmlError(f'Unsupported URL "{url}" in the tag "a"')
            entity["url"] = url
        elif tag.name == "code":
            parent = self.stack[-1] if self.stack else None
            # A language only counts on <code> placed directly inside <pre>.
            if tag.argument and parent is not None and parent.name == "pre":
                entity["language"] = tag.argument
        elif tag.name == "pre":
            last = self.entities[-1] if self.entities else None
            # <pre><code class="language-x">…</code></pre> is a single pre entity.
            if last and last["type"] == "code" and (last["offset"], last["length"]) == (offset, length):
                self.entities.pop()
                if "language" in last:
                    entity["language"] = last["language"]
        elif tag.name == "blockquote" and tag.expandable:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.argument
        self.entities.append(entity)


def parse_telegram_html(text: str) -> tuple[str, list[dict[str, object]]]:
    """Parse Telegram HTML into (plain text, entities with UTF-16 offsets)."""
    return _HtmlScanner(text).run()


def check_telegram_html(text: str) -> str:
    """Return the plain text of Telegram HTML, or raise TelegramHtmlError."""
    return parse_telegram_html(text)[0]


def trim_formatted(text: str, entities: list[dict[str, object]]) -> tuple[str, list[dict[str, object]]]:
    """Strip surrounding whitespace as Telegram does, clipping entities to match."""
    stripped = text.strip(_TRIM)
    shift = utf16_len(text[: len(text) - len(text.lstrip(_TRIM))])
    total = utf16_len(stripped)
    clipped = []
    for entity in entities:
        start = max(int(entity["offset"]) - shift, 0)  # type: ignore[call-overload]
        end = min(int(entity["offset"]) + int(entity["length"]) - shift, total)  # type: ignore[call-overload]
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return stripped, clipped


def parse_message_text(
    text: str | None,
    parse_mode: str | None = "HTML",
    entities: list[dict[str, object]] | None = None,
    *,
    limit: int = MAX_MESSAGE_UTF16,
    empty_error: str = "Bad Request: message text is empty",
    long_error: str = "Bad Request: message is too long",
) -> tuple[str, list[dict[str, object]]]:
    """Apply sendMessage's text rules; return (text, entities) as Telegram stores them."""
    if not text:
        raise TelegramBadRequest(empty_error)
    mode = (parse_mode or "").lower()
    if entities is not None or not mode:
        plain, found = text, sorted(entities or [], key=lambda e: (e["offset"], -int(e["length"])))  # type: ignore[call-overload]
    elif mode == "html":
        plain, found = parse_telegram_html(text)
    elif mode in ("markdown", "markdownv2"):
        raise TelegramBadRequest(f"Bad Request: parse_mode {parse_mode} is not supported by emulator")
    else:
        raise TelegramBadRequest("Bad Request: unsupported parse_mode")
    plain, found = trim_formatted(plain, found)
    if not plain:
        raise TelegramBadRequest(empty_error)
    if utf16_len(plain) > limit:
        raise TelegramBadRequest(long_error)
    return plain, found
