"""The JSON API under /api/v1/ (``index``, ``courses``, ``registrations``, ``attendance``,
``worksheets``, ``certificates``) and the API token page (``tokens``), on one blueprint.

Registering the blueprint on an app (``app.register_blueprint(bp)``, as every feature) also
installs the API there: its OpenAPI document (flask-smorest), the cookieless sessions and token
check of app/api/gate.py, and its problem details for errors.
"""
from flask import Flask, current_app
from werkzeug.exceptions import HTTPException

from ...extensions import limiter
from .. import gate, problems
from ..spec import LokakaryaApi
from . import attendance, certificates, courses, index, registrations, tokens, worksheets  # noqa: F401
from .common import bp

# Per token (or, without one, per address), and per address whatever the token.
limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api-token",
                     key_func=gate.token_key)(bp)
limiter.shared_limit(lambda: current_app.config["API_ADDRESS_RATE_LIMIT"], scope="api-address",
                     key_func=gate.address_key)(bp)


def install(app: Flask) -> None:
    """Describe the blueprint's routes in the app's OpenAPI document; put the gate in front."""
    api = LokakaryaApi(app)
    app.extensions["lokakarya-api"] = api
    app.extensions["flask-smorest"]["blp_name_to_api"][bp.name] = api
    bp.register_views_in_doc(api, app, api.spec, name=bp.name, parameters=None)
    app.session_interface = gate.CookielessApi(app.session_interface)
    app.before_request(gate.authenticate)
    app.register_error_handler(problems.ApiProblem, problems.from_api_problem)
    app.register_error_handler(HTTPException, problem_or_default)


def problem_or_default(error: HTTPException):
    """HTTP errors that app/core/errors.py has no page for (401, 409, 415, 422…): problems under
    /api/, Werkzeug's default answer elsewhere, as before."""
    return problems.from_http_exception(error) if problems.is_api_request() else error


bp.record_once(lambda state: install(state.app))
