"""A course's certificates, and checking any certificate by its code (public)."""
from ...web.limits import limited
from .. import resources
from ..gate import public
from ..schemas import CertificatePageSchema, CertificateSchema, PageArgsSchema, VerificationSchema
from .common import LINK_HEADER, PREFIX, TOKEN, bp, paged, refusals


@bp.route(PREFIX + "/courses/<slug>/certificates", tags=["Certificates"])
@bp.arguments(PageArgsSchema, location="query", error_status_code=400)
@bp.response(200, CertificatePageSchema, headers=LINK_HEADER)
@refusals(*TOKEN, 404)
def certificates(args, slug: str):
    """Certificates

    Every certificate issued for the course, by id: valid, revoked or replaced.
    """
    course = resources.managed_course(slug)
    return paged(resources.certificates(course, args["limit"], args.get("cursor")), args["limit"])


@bp.route(PREFIX + "/courses/<slug>/certificates/<int:certificate_id>", tags=["Certificates"])
@bp.response(200, CertificateSchema)
@refusals(*TOKEN, 404)
def certificate(slug: str, certificate_id: int):
    """One certificate"""
    return resources.certificate_of(resources.managed_course(slug), certificate_id)


@bp.route(PREFIX + "/certificates/verify/<code>", tags=["Certificates"])
@bp.doc(security=[])
@bp.response(200, VerificationSchema)
@refusals(404, 429)
@public
@limited("VERIFY_RATE_LIMIT", sent_forms_only=False)  # as the page /verify/<code>
def verify(code: str):
    """Verify a certificate

    What the public page /verify/<code> (the certificate's QR code) shows. Needs no token.
    """
    return resources.verification(code)
