"""The one base of every refusal a rule makes: views catch ``DomainError`` and show its message."""


class DomainError(Exception):
    """A rule refused the request; ``str(error)`` is a translated message for the person who asked."""
