"""Raw RFC 5322 bytes to a `ParsedEmail`: decoded headers and bodies, the visible part of a reply
(quoted history and signature taken off), sanitised HTML without remote images, attachments, and
whether the message was sent by a machine (auto-reply, bounce, list) rather than a person.

Pure: no database, no app. Reply stripping is written here rather than taken from a library: the
ones on PyPI (email_reply_parser, mail-parser-reply) read plain text only, while half of real mail
is HTML whose quoted history is marked up (gmail_quote, blockquote type=cite, moz-cite-prefix), and
our French clients' headers ("Le … a écrit :", Outlook's "De : … Envoyé : …") need rules we test.
"""
from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

import nh3


class _ReadOnlyMessage(EmailMessage):
    """A received message is only read: each header is parsed once, not on every look-up (the
    standard library re-parses a header each time it is read, a fifth of an ingest's time)."""

    def get(self, name, failobj=None):
        cache = self.__dict__.setdefault("_parsed_headers", {})
        key = name.lower()
        if key not in cache:
            cache[key] = super().get(name, None)
        value = cache[key]
        return failobj if value is None else value

    def __getitem__(self, name):
        return self.get(name)


_READING = policy.default.clone(message_factory=_ReadOnlyMessage)


class Unparseable(Exception):
    """Raw bytes that are not an e-mail we can read; the message is quarantined with this reason."""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None  # without angle brackets; an inline image's cid: reference
    inline: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str | None  # lower-cased addr-spec
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]  # Delivered-To, X-Original-To, Envelope-To
    subject: str
    date: datetime | None
    text: str  # the whole text body (from the HTML part when there is no text part)
    html: str | None  # the whole HTML body, sanitised, remote images removed
    visible_text: str  # what the person wrote this time: no quoted history, no signature
    attachments: tuple[ParsedAttachment, ...]
    automatic: str | None  # why this was sent by a machine (auto-reply, bounce, list), else None
    headers: tuple[tuple[str, str], ...] = field(default=())  # for the "original" view
    blocked_images: int = 0  # remote images taken out of the HTML

    def all_recipients(self) -> tuple[str, ...]:
        return self.to + self.cc + self.delivered_to


# --- headers ------------------------------------------------------------------------------------

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}
SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID", "In-Reply-To")


class _Headers:
    """Header values read once from the raw source and decoded (RFC 2047) on demand: the stdlib's
    header registry is thorough but slow, and we only need it for the From address."""

    def __init__(self, msg: EmailMessage):
        self._raw: dict[str, list[str]] = {}
        for name, value in msg.raw_items():
            self._raw.setdefault(name.lower(), []).append(value)
        self._decoded: dict[str, str] = {}

    def all(self, name: str) -> list[str]:
        return [_clean(value) for value in self._raw.get(name.lower(), ())]

    def present(self, name: str) -> bool:
        return name.lower() in self._raw

    def get(self, name: str) -> str:
        """The first value, decoded and unfolded; '' when absent."""
        key = name.lower()
        if key not in self._decoded:
            values = self._raw.get(key)
            self._decoded[key] = _clean(values[0]) if values else ""
        return self._decoded[key]


def _clean(value) -> str:
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # raw 8-bit bytes in a header: most often UTF-8
        text = text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    if "=?" in text:
        text = _decode_words(text)
    return " ".join(text.split())


def _decode_words(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _addresses(headers: _Headers, *names: str) -> tuple[str, ...]:
    values = [value for name in names for value in headers.all(name)]
    return tuple(address.lower() for _, address in getaddresses(values) if "@" in address)


def _message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MESSAGE_ID.findall(value or ""))


def _sender(msg: EmailMessage, headers: _Headers) -> tuple[str | None, str]:
    try:
        header = msg["From"]
        addresses = getattr(header, "addresses", ()) if header is not None else ()
        if addresses and "@" in addresses[0].addr_spec:
            return addresses[0].addr_spec.lower(), addresses[0].display_name or ""
    except Exception:
        pass
    name, address = parseaddr(headers.get("From"))
    return (address.lower() if "@" in address else None), name


def automatic_reason(headers: _Headers, content_type: str, from_address: str | None) -> str | None:
    """Why a message was sent by a machine: these must never open a ticket nor be answered, or two
    helpdesks (or a helpdesk and an out-of-office) would write to each other forever."""
    auto_submitted = headers.get("Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"[:120]
    precedence = headers.get("Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if headers.present(name):
            return name
    if headers.get("X-Auto-Response-Suppress").lower() in {"all", "oof"} and \
            headers.get("X-MS-Exchange-Generated-Message-Source"):
        return "X-MS-Exchange-Generated-Message-Source"
    if content_type == "multipart/report":
        return "multipart/report (delivery status)"
    if from_address and from_address.split("@")[0] in _DAEMON_LOCAL_PARTS:
        return f"From: {from_address}"
    if headers.get("Return-Path").replace(" ", "") == "<>":
        return "Return-Path: <> (bounce)"
    return None


# --- bodies ---------------------------------------------------------------------------------------


def _part_text(part: EmailMessage) -> str:
    """A text part decoded from its transfer encoding and charset, never failing on a wrong label."""
    try:
        content = part.get_content()
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, AssertionError, KeyError, ValueError):
        pass
    payload = part.get_payload(decode=True) or b""
    for charset in (part.get_content_charset(), "utf-8", "windows-1252"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


def _body_parts(msg: EmailMessage) -> tuple[EmailMessage | None, EmailMessage | None]:
    text = html = None
    try:
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
    except Exception:
        pass
    if text is None and html is None and not msg.is_multipart() and msg.get_content_maintype() == "text":
        text = msg
    return text, html


_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "area", "base", "col", "source"}
_BLOCK = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol",
          "section", "article", "header", "footer"}
_HIDDEN = {"script", "style", "head", "title", "template"}
# Markup mail clients put around quoted history and signatures.
_QUOTE_CLASSES = ("gmail_quote", "gmail_attr", "moz-cite-prefix", "yahoo_quoted", "gmail_signature", "moz-signature",
                  "protonmail_quote", "apple-mail-signature")
_QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container", "signature")


class _HtmlText(HTMLParser):
    """HTML to plain text; with `visible_only`, quoted history and signatures are left out."""

    def __init__(self, visible_only: bool):
        super().__init__(convert_charrefs=True)
        self.visible_only = visible_only
        self.out: list[str] = []
        self._skip_tag: str | None = None
        self._skip_depth = 0
        self._hidden_depth = 0

    def _quoted(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        if tag == "blockquote":
            return True
        values = {name: (value or "").lower() for name, value in attrs}
        classes = values.get("class", "")
        return any(c in classes for c in _QUOTE_CLASSES) or values.get("id", "") in _QUOTE_IDS

    def handle_starttag(self, tag, attrs):
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth += 1
            return
        if tag in _HIDDEN:
            self._hidden_depth += 1
            return
        if tag in _VOID:
            if tag == "br":
                self.out.append("\n")
            return
        if self.visible_only and self._quoted(tag, attrs):
            self._skip_tag, self._skip_depth = tag, 1
            return
        if tag in _BLOCK:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")

    def handle_endtag(self, tag):
        if self._skip_tag is not None:
            if tag == self._skip_tag:
                self._skip_depth -= 1
                if self._skip_depth == 0:
                    self._skip_tag = None
            return
        if tag in _HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
            return
        if tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if self._skip_tag is None and not self._hidden_depth:
            self.out.append(re.sub(r"[ \t\r\n]+", " ", data))

    def text(self) -> str:
        lines = [line.strip() for line in "".join(self.out).replace("\xa0", " ").split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str, *, visible_only: bool = False) -> str:
    parser = _HtmlText(visible_only)
    parser.feed(html)
    parser.close()
    return parser.text()


# --- quoted history and signatures in text ------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"^(?:Le\s.+a\s+écrit\s*:|On\s.+wrote\s*:|Am\s.+schrieb\s.*:|El\s.+escribió\s*:|Il\s.+ha\s+scritto\s*:)\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^(?:Le|On|Am|El|Il)\s", re.IGNORECASE)
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Message d'origine|Message original|Ursprüngliche Nachricht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
# A forwarded message is the content, not history to hide: nothing after this line is cut.
_FORWARDED = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded message|Message transféré|Original message transféré)\s*-*|"
    r"Begin forwarded message\s*:|Début du message réexpédié\s*:)\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(?:De|From|Von)\s*\*?\s*:\s*\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(?:Envoyé|Sent|Date|Gesendet|À|To|Objet|Subject)\s*\*?\s*:", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^(?:Envoyé de mon|Envoyé depuis mon|Sent from my|Get Outlook for|Obtenir Outlook pour|Télécharger Outlook)\b",
    re.IGNORECASE,
)


def _cut_at(lines: list[str]) -> int:
    """The index of the first line of quoted history or signature, len(lines) if none."""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _FORWARDED.match(stripped):
            return len(lines)
        if stripped in ("--", "-- ") or line.rstrip("\r") == "-- ":
            return index
        if _ORIGINAL_MESSAGE.match(stripped) or _MOBILE_SIGNATURE.match(stripped):
            return index
        if _ATTRIBUTION.match(stripped):
            return index
        if _ATTRIBUTION_START.match(stripped):
            # Clients wrap long attributions: "Le lun. 3 mars 2025 à 10:12, Support <s@x.fr> a\nécrit :"
            for end in (index + 2, index + 3):
                wrapped = lines[index:end]
                if all(part.strip() for part in wrapped) and _ATTRIBUTION.match(" ".join(p.strip() for p in wrapped)):
                    return index  # (a blank line ends a wrapped attribution: "Le ..." may just be a sentence)
        if _OUTLOOK_FROM.match(stripped):
            following = [l for l in lines[index + 1:index + 5] if l.strip()]
            if following and _OUTLOOK_NEXT.match(following[0]):
                return index - 1 if index > 0 and _UNDERSCORES.match(lines[index - 1]) else index
        if _UNDERSCORES.match(stripped):
            following = [l for l in lines[index + 1:index + 3] if l.strip()]
            if following and _OUTLOOK_FROM.match(following[0]):
                return index
    return len(lines)


def visible_part(text: str) -> str:
    """What the sender wrote this time: cut at the first quoted-history header or signature
    separator, and without ">" quoted lines. The whole text when stripping would leave nothing."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    kept = [line for line in lines[:_cut_at(lines)] if not line.lstrip().startswith(">")]
    visible = "\n".join(line.rstrip() for line in kept).strip()
    return re.sub(r"\n{3,}", "\n\n", visible) if visible else (text or "").strip()


# --- HTML sanitising -----------------------------------------------------------------------------

_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
_HTML_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"}, "blockquote": {"type"}, "div": {"class"}, "span": {"class"},
}


def sanitise_email_html(html: str) -> tuple[str, int]:
    """(sanitised HTML, remote images removed). Only `cid:` images (parts of this very message) keep
    their source; an http(s) image would tell the sender when, where and that an agent read it."""
    blocked = [0]

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            if value.lower().startswith("cid:"):
                return value
            blocked[0] += 1
            return None
        return value

    cleaned = nh3.clean(html, tags=_HTML_TAGS, attributes=_HTML_ATTRIBUTES, url_schemes={"http", "https", "mailto", "cid"},
                        attribute_filter=keep, link_rel="noopener noreferrer nofollow", strip_comments=True,
                        clean_content_tags={"script", "style", "title", "head", "template"})
    return cleaned, blocked[0]


# --- attachments ----------------------------------------------------------------------------------


def _filename(part: EmailMessage, index: int) -> str:
    name = None
    try:
        name = part.get_filename()
    except Exception:
        pass
    if name and "=?" in name:
        name = _decode_words(name)
    if not name:
        extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        stem = "image" if part.get_content_maintype() == "image" else "piece-jointe"
        name = f"{stem}-{index}{extension}"
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip() or f"piece-jointe-{index}.bin"


def _attachments(msg: EmailMessage, body_parts: tuple) -> tuple[ParsedAttachment, ...]:
    found: list[ParsedAttachment] = []
    skip = {id(p) for p in body_parts if p is not None}
    for part in msg.walk():
        if part.is_multipart() or id(part) in skip:
            continue
        disposition = part.get_content_disposition()
        if part.get_content_type() in ("text/plain", "text/html") and disposition != "attachment" and \
                not part.get_filename():
            continue  # another rendering of the body (or a forwarded message's), not a file
        if part.get_content_type() == "message/delivery-status":
            continue
        data = part.get_payload(decode=True) or b""
        if not data:
            continue
        content_id = (part.get("Content-ID") or "").strip().strip("<>") or None
        found.append(ParsedAttachment(
            filename=_filename(part, len(found) + 1), content_type=part.get_content_type(), data=data,
            content_id=content_id, inline=disposition == "inline" or (content_id is not None and disposition != "attachment"),
        ))
    return tuple(found)


# --- the whole message ----------------------------------------------------------------------------


def header_message_id(raw: bytes) -> str | None:
    """Only the Message-ID, reading the headers alone (for a message too large to parse whole)."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:256 * 1024])
        found = _message_ids(str(headers.get("Message-ID") or ""))
        return found[0][:255] if found else None
    except Exception:
        return None


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message. Raises Unparseable for bytes that are not a mail at all."""
    if not raw or not raw.strip():
        raise Unparseable("empty message")
    try:
        msg = BytesParser(policy=_READING).parsebytes(raw)
    except Exception as error:  # the parser is lenient; this is truly broken input
        raise Unparseable(f"unreadable: {error}"[:200]) from error
    if not list(msg.keys()):
        raise Unparseable("no headers")
    try:
        return _parse(msg)
    except Unparseable:
        raise
    except Exception as error:
        raise Unparseable(f"unreadable: {type(error).__name__}: {error}"[:200]) from error


def _parse(msg: EmailMessage) -> ParsedEmail:
    headers = _Headers(msg)
    from_address, from_name = _sender(msg, headers)
    message_ids = _message_ids(headers.get("Message-ID"))
    in_reply_to = _message_ids(headers.get("In-Reply-To"))
    text_part, html_part = _body_parts(msg)
    raw_html = _part_text(html_part) if html_part is not None else None
    if text_part is not None:
        text = _part_text(text_part).replace("\r\n", "\n")
        visible_source = text
    else:
        text = html_to_text(raw_html) if raw_html else ""
        visible_source = html_to_text(raw_html, visible_only=True) if raw_html else ""
    html, blocked = sanitise_email_html(raw_html) if raw_html else (None, 0)
    date = None
    if headers.get("Date"):
        try:
            date = parsedate_to_datetime(headers.get("Date"))
        except (TypeError, ValueError):
            date = None
    shown = tuple((name, headers.get(name)) for name in SHOWN_HEADERS if headers.get(name))
    return ParsedEmail(
        message_id=message_ids[0][:255] if message_ids else None,
        in_reply_to=in_reply_to[0][:255] if in_reply_to else None,
        references=_message_ids(headers.get("References")),
        from_address=from_address, from_name=from_name.strip(),
        to=_addresses(headers, "To"), cc=_addresses(headers, "Cc"),
        delivered_to=_addresses(headers, "Delivered-To", "X-Original-To", "Envelope-To"),
        subject=headers.get("Subject"), date=date, text=text, html=html,
        visible_text=visible_part(visible_source),
        attachments=_attachments(msg, (text_part, html_part)),
        automatic=automatic_reason(headers, msg.get_content_type(), from_address), headers=shown,
        blocked_images=blocked,
    )
