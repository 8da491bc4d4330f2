"""Backup and restore (``flask --app app backup FILE`` / ``restore FILE``): one ZIP holding a
consistent snapshot of every table, engine-neutral (an archive made on SQLite restores into
PostgreSQL and the other way), and every stored file.

- :mod:`.values`: a column's values to JSON and back, by the column's type;
- :mod:`.archive`: the ZIP's layout, its manifest, writing it and checking it whole;
- :mod:`.revisions`: the schema revision of this code and of a database;
- :mod:`.snapshot`: the backup (one read transaction, then the files);
- :mod:`.restore`: every check first, then the rows in one transaction, then the files;
- :mod:`.cli`: the two commands.
"""


class BackupRefused(Exception):
    """A backup or restore that cannot be done; nothing was changed. Its message says why and
    what to do."""


class FilesNotRestored(Exception):
    """The rows were restored and committed, but storing the archive's files failed."""
