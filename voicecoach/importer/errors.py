"""The importer's typed errors: bad input, exit code 2, one line naming the article."""

from __future__ import annotations

from voicecoach.errors import UsageError


class ArticleError(UsageError):
    """The article cannot be read, or has no routine in it."""

    def __init__(self, article: str, message: str) -> None:
        self.article = article
        self.detail = message
        super().__init__(f"{article}: {message}")


class NoStretchesError(ArticleError):
    """The article was read, but no stretch was found in it."""

    def __init__(self, article: str) -> None:
        super().__init__(
            article,
            "no stretches found (looked for numbered headings or list items with hold "
            "times, and a named stretch with a hold in the text); nothing written",
        )
