"""The knowledge base: articles, their versions and votes, and (later) the Whoosh search index."""
