"""The signed-in staff member's API tokens: create one (shown once), see them, revoke one."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ...extensions import db
from ...forms import protect, render_form
from ...i18n import _, _l
from .. import operations
from ..forms import SCOPE_LABELS, TokenForm
from .common import bp

STATE_LABELS = {"active": _l("Active"), "expired": _l("Expired"), "revoked": _l("Revoked")}


@bp.page_route("/manage/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """A new token's secret is on this answer only (never in a redirect, a flash or the session);
    a token is revoked by a POST naming it."""
    user = current_user._get_current_object()
    if request.method == "POST" and "revoke" in request.form:
        protect()
        token = operations.token_of(user, request.form["revoke"])
        if token is None:
            abort(404)
        operations.revoke_token(token, user)
        db.session.commit()
        flash(_("The token is revoked: it no longer works."), "success")
        return redirect(url_for(".tokens"))
    form, created, secret = TokenForm(), None, None
    if form.validate_on_submit():
        created, secret = operations.create_token(user, form.name.data, form.scope.data,
                                                  form.expiry_days())
        db.session.commit()
        form = TokenForm(formdata=None)
    return render_form("api/tokens.html", form, tokens=operations.tokens_of(user), created=created,
                       secret=secret, state=operations.state, scope_labels=SCOPE_LABELS,
                       state_labels=STATE_LABELS)
