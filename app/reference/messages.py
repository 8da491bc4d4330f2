"""The organisation types' English names, listed so that extraction puts them in the catalogues.

organisation_types.yaml holds each name in English and the catalogues translate it; the start-up
check refuses a name missing here. Nothing needs this module at run time but that check.
"""


def N_(text: str) -> str:
    """Mark ``text`` for extraction without translating it (Babel's default keyword)."""
    return text


ORGANISATION_TYPE_NAMES = frozenset({
    N_("Government ministry or agency"),
    N_("Civil society organisation or NGO"),
    N_("Women's union or association"),
    N_("Youth union or association"),
    N_("Mass organisation (member of the national front)"),
    N_("Academia or research institute"),
    N_("UN agency or international organisation"),
    N_("Private sector"),
    N_("Media"),
    N_("Other"),
})
