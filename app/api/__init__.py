"""The JSON API under /api/v1/, its OpenAPI document and personal API tokens.

``models`` (the tokens) and ``operations`` (making, revoking and recognising them); ``gate`` (what
every /api/ request goes through: no cookies, the Bearer token, rate limits); ``resources`` (what
the views read and change, through the pages' own operations and rights); ``schemas`` and
``validation`` (marshmallow); ``pagination`` (cursors); ``problems`` (RFC 9457 errors); ``spec``
(the OpenAPI document); ``views`` (the routes, the token page and the docs page).
"""
