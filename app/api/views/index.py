"""The API's index, its OpenAPI document, and its interactive docs from the app's own files."""
from pathlib import Path

import flask_swagger_ui
from flask import current_app, jsonify, render_template, send_from_directory, url_for

from ..gate import public
from ..schemas import IndexSchema
from ..spec import TITLE, VERSION
from .common import PREFIX, bp, refusals

# Swagger UI as flask-swagger-ui ships it: only its files are used, served from here.
SWAGGER_UI = Path(flask_swagger_ui.__file__).parent / "dist"
DOCS_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js")


@bp.route(PREFIX + "/", tags=["Index"])
@bp.doc(security=[])
@bp.response(200, IndexSchema)
@refusals(429)
@public
def root():
    """The API's index

    Where the OpenAPI document, the docs and the collections are. Needs no token.
    """
    return {"name": TITLE, "version": VERSION, "links": {
        "openapi": url_for(".openapi"), "docs": url_for(".docs"), "courses": url_for(".courses"),
        "verify": url_for(".verify", code="CODE").replace("CODE", "{code}"),
        "tokens": url_for(".tokens")}}


@bp.route(PREFIX + "/openapi.json", tags=["Index"])
@bp.doc(security=[])
@bp.response(200, {"type": "object"}, description="An OpenAPI 3.1 document")
@refusals(429)
@public
def openapi():
    """This API's OpenAPI 3.1 document

    Needs no token.
    """
    return jsonify(current_app.extensions["lokakarya-api"].spec.to_dict())


@bp.page_route(PREFIX + "/docs")
@public
def docs():
    """Swagger UI over the OpenAPI document; its script and style are the app's own files."""
    return render_template("api/docs.html", spec_url=url_for(".openapi"), assets=DOCS_ASSETS)


@public
def docs_asset(name: str):
    return send_from_directory(SWAGGER_UI, name, max_age=24 * 3600)


for _asset in DOCS_ASSETS:  # one fixed address each: nothing else of the folder is served
    bp.page_route(f"{PREFIX}/docs/{_asset}", defaults={"name": _asset})(docs_asset)
