"""The knowledge base: articles, their versions and votes, and the Whoosh search index
(articles and past tickets), used by the console, the portal and the public help centre."""
from __future__ import annotations


def init_app(app) -> None:
    """Bind the knowledge base to `app`: search runtime, after-commit indexing, pages."""
    from knowledge_base import indexing  # noqa: F401  (registers the session hooks)
    from knowledge_base.engine import KnowledgeBase
    from knowledge_base.routes import help_bp, kb_bp

    # Tests opt in (fixture kb_app): indexing every commit of the whole suite would slow it.
    app.config.setdefault("KB_INDEX_ON_COMMIT", not app.testing)
    # Tests need the index written when the request returns; servers hand it to a thread.
    app.config.setdefault("KB_INDEX_SYNC", app.testing)
    # Searches are recorded after the response is sent; tests need the row when the request returns.
    app.config.setdefault("KB_SEARCH_LOG_SYNC", app.testing)
    app.extensions["knowledge_base"] = KnowledgeBase(app)
    app.register_blueprint(kb_bp)
    app.register_blueprint(help_bp)
