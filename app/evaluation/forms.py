"""The trainers' evaluation settings. (The questionnaires' own forms are built from their
definitions by :func:`app.toolkit.forms.build`.)"""
from wtforms import BooleanField, IntegerField, RadioField
from wtforms.validators import InputRequired, NumberRange

from ..forms import Form, choices
from ..i18n import _l


class SettingsForm(Form):
    anonymous = RadioField(
        _l("Evaluation answers are"), validators=[InputRequired()],
        choices=choices([("yes", _l("Anonymous: nothing links an answer to the person who gave it")),
                         ("no", _l("Named: each answer keeps who gave it"))]))
    post_test_early = BooleanField(_l("Participants may take the post-test before the pre-test "
                                      "closes"))
    report_threshold = IntegerField(
        _l("Smallest group shown as a percentage"),
        validators=[InputRequired(), NumberRange(1, 100)],
        description=_l("Below this number of people, results and reports show counts, not "
                       "percentages, so that no one can be picked out of a small group. "
                       "From 1 to 100; 5 unless you change it."))
