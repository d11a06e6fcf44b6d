"""Errors raised by the domain's invariants (``check_*`` methods)."""


class DomainError(Exception):
    """A rule of the domain was broken; the message says which and why."""


class DuplicateFact(DomainError):
    """The same factor of a case is already recorded."""


class CaseNotFound(DomainError):
    """No case has that id or reference."""


class FactorNotFound(DomainError):
    """A lead's decision names a factor the case does not have, or names it ambiguously."""


class UnknownCategory(DomainError):
    """A case names a category the configuration does not list."""


class UnknownEscalationLevel(DomainError):
    """A case is escalated to a level the configuration does not list."""


class CaseStateError(DomainError):
    """A change a case cannot take as it stands, such as resolving a closed case."""
