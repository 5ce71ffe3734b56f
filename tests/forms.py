"""Submitting forms as a browser does: with the CSRF token of the page that shows the form."""
import re


def csrf_token(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    found = (re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
             or re.search(r'type="hidden" name="csrf_token" value="([^"]+)"', page))
    return found.group(1) if found else ""  # the default test app runs without CSRF


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST `data` to `url` with the token of `page` (default: `url` itself)."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)}, **kwargs)
