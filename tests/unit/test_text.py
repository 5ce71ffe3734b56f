"""What users type is rendered, and nothing they type can run script."""
from helpdesk.text import html_to_text, plain_to_html, render_markdown


def test_markdown_is_rendered():
    html = render_markdown("**Bonjour**, voici la [procédure](https://aide.example.com/box).")
    assert "<strong>Bonjour</strong>" in html
    assert 'href="https://aide.example.com/box"' in html


def test_script_and_handlers_are_removed():
    html = render_markdown('<script>alert(1)</script><img src=x onerror="alert(2)"> [x](javascript:alert(3))')
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


def test_plain_text_is_escaped():
    assert plain_to_html("a < b\nsuite\n\nfin") == "<p>a &lt; b<br>suite</p><p>fin</p>"


def test_html_to_text():
    assert html_to_text("<p>Ma box &amp; mon décodeur</p>") == "Ma box & mon décodeur"
