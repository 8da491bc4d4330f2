"""The bulk issue, run by ``app.jobs``: on the RQ worker, or in the app process without Redis."""
import zipfile
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ..database import utcnow
from ..extensions import db
from ..registrations.models import Registration
from .models import Certificate, IssueJob

def job_folder(job: IssueJob) -> Path:
    path = Path(current_app.instance_path) / "certificates" / str(job.course_id) / str(job.id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def verify_url_for(certificate: Certificate) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + f"/verify/{certificate.code}"


def run(job_id: int) -> None:
    """Issue to everyone eligible, then render one PDF for printing and a ZIP of individual ones."""
    from .operations import issue_all_eligible
    from .rendering import render_batch

    job = db.session.get(IssueJob, job_id)
    job.state = "running"
    db.session.commit()
    try:
        issue_all_eligible(job_course(job), by=None)
        db.session.commit()
        certificates = db.session.scalars(sa.select(Certificate).join(Registration).where(
            Registration.course_id == job.course_id, Certificate.status == "valid")
            .order_by(Registration.country, Registration.certificate_name)).all()
        job.total = len(certificates)
        db.session.commit()

        def progress(done: int, total: int) -> None:
            job.done = done
            db.session.commit()

        folder = job_folder(job)
        # Both cores on the RQ worker; inside the web process (no Redis) one, never forking it.
        workers = 2 if current_app.config.get("REDIS_URL") else 1
        _merged, paths = render_batch(certificates, verify_url_for, folder, workers=workers,
                                      progress=progress)
        with zipfile.ZipFile(folder / "certificates.zip", "w", zipfile.ZIP_STORED) as archive:
            for path in paths:  # PDFs are compressed already
                archive.write(path, path.name)
        job.done, job.state, job.finished_at = len(certificates), "finished", utcnow()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        job = db.session.get(IssueJob, job_id)
        job.state, job.error, job.finished_at = "failed", str(exc)[:500], utcnow()
        db.session.commit()
        raise


def job_course(job: IssueJob):
    from ..courses.models import Course

    return db.session.get(Course, job.course_id)

