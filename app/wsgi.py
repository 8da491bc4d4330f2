"""The WSGI entry point for production servers (``gunicorn app.wsgi:app``)."""
import sys

from . import create_app, freeze_startup_objects, logs
from .config import loopback_notice, secret_key_notice
from .database import check_connection

logs.configure_process()
app = create_app()
problem = check_connection(app)
if problem:
    print(problem, file=sys.stderr)
    sys.exit(1)
for notice in (loopback_notice(app), secret_key_notice(app)):
    if notice:
        print(notice, file=sys.stderr)
freeze_startup_objects()
