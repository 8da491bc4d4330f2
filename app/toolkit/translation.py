"""The toolkit's own gettext domain: module strings (titles, help, labels, options, worked
examples), extracted from the module files by :mod:`.extract`."""
from ..i18n import TRANSLATIONS, LanguageDomain

domain = LanguageDomain(str(TRANSLATIONS), domain="toolkit")


def translate(text: str) -> str:
    """A module string in the reader's language (English when not yet translated)."""
    return domain.gettext(text) if text else text
