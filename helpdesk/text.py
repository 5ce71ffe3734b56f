"""User-written text to safe HTML: Markdown rendered, then sanitised with nh3 so no stored HTML can run script."""
from __future__ import annotations

import html
import re
import threading

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "img", "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitise_html(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


_local = threading.local()


def _renderer() -> markdown_lib.Markdown:
    # Building a Markdown instance costs more than rendering a reply; each thread keeps one and resets it.
    renderer = getattr(_local, "markdown", None)
    if renderer is None:
        renderer = _local.markdown = markdown_lib.Markdown(extensions=["extra", "sane_lists", "nl2br"], output_format="html")
    return renderer


def render_markdown(source: str) -> str:
    """Markdown (as typed in a reply, a note or an article) to sanitised HTML."""
    renderer = _renderer()
    try:
        rendered = renderer.convert(source or "")
    finally:
        renderer.reset()
    return sanitise_html(rendered)


def plain_to_html(text: str) -> str:
    """Plain text (an e-mail body, a phone note) to HTML paragraphs, escaped."""
    paragraphs = [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|blockquote|tr|pre)>")


def html_to_text(value: str) -> str:
    """Sanitised HTML back to plain text (for e-mails and search); paragraphs stay apart."""
    spaced = _BLOCK_END.sub(lambda m: m.group(0) + "\n", value or "")
    return html.unescape(nh3.clean(spaced, tags=set())).strip()
