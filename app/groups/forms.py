"""The forms of the working groups page (the members' select lists are read by the view)."""
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..forms import Form, Visible, choices
from ..i18n import _l
from .operations import NAME_LENGTH

GROUPING_LABELS = {"country": _l("Country teams: one worksheet per country (the default)"),
                   "groups": _l("Working groups: one worksheet per group below")}
RULE_LABELS = {"ministry": _l("By ministry or agency"),
               "organisation_type": _l("By type of organisation"),
               "country": _l("By country"),
               "province": _l("By province"),
               "mixed": _l("Mixed: countries and sexes spread evenly over the groups"),
               "random": _l("Random")}


class GroupingForm(Form):
    grouping = RadioField(_l("Team worksheets are filled by"), choices=choices(GROUPING_LABELS.items()),
                          validators=[InputRequired()])


class GenerateForm(Form):
    by = SelectField(_l("Make the groups"), choices=choices(RULE_LABELS.items()))
    groups = IntegerField(_l("Number of groups"), validators=[Optional(), NumberRange(1, 200)],
                          description=_l("For mixed groups."))
    size = IntegerField(_l("People per group"), validators=[Optional(), NumberRange(1, 500)],
                        description=_l("For random groups."))
    seed = IntegerField(_l("Draw number"), validators=[Optional(), NumberRange(0, 999_999)],
                        description=_l("The same number draws the same random groups again. Leave "
                                       "it empty for a new draw."))
    confirm = BooleanField(_l("Replace the present groups"))


class NameForm(Form):
    name = StringField(_l("Name"), validators=[Visible(), InputRequired()],
                       render_kw={"maxlength": NAME_LENGTH})


class ImportForm(Form):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()],
                     description=_l("A column “Email” or “ID” for each participant and a column "
                                    "“Group” with the name of their group. Groups that do not "
                                    "exist yet are made. Nothing changes unless every row is right."))
