"""Errors the index raises, each with a message a person can act on."""


class QabotIndexError(Exception):
    """Base class for every error the index package raises on purpose."""


class NoDocumentsError(QabotIndexError):
    """The docs folder holds no readable document with text."""


class IndexMissingError(QabotIndexError):
    """No index file where one was expected."""


class IndexCorruptError(QabotIndexError):
    """The index file exists but cannot be read as an index of this version."""


class IndexBusyError(QabotIndexError):
    """Another rebuild holds the lock on this index."""
