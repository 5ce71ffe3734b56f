"""What a browser test asks of the page on screen: where the keyboard focus is, whether it fits."""


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def fits_the_screen(page) -> bool:
    """No horizontal scrolling: the page is no wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
