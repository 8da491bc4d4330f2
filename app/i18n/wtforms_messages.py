"""WTForms' built-in messages, listed so that extraction puts them in our catalogues.

The app's forms take WTForms' messages from the ``messages`` domain
(:class:`app.forms.BuiltInMessages`), so they must be in it; nothing imports this module at run
time.
"""
from flask_babel import lazy_gettext as _l, lazy_ngettext

MESSAGES = [
    _l("This field is required."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Not a valid choice."),
    _l("Not a valid date value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be at least %(min)d characters long."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be equal to %(other_name)s."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Invalid Choice: could not coerce."),
    lazy_ngettext("'%(value)s' is not a valid choice for this field.",
                  "'%(value)s' are not valid choices for this field.", 1),
]
