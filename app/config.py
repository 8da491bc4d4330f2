"""Settings from the environment, with safe defaults for the embedded set-up."""
import os
import secrets
import sys
from pathlib import Path

from flask import Flask

from .links import DEFAULT_BASE_URL, LOOPBACK_HOSTS, BadBaseURL, base_host, normalise_base_url

TRUE = {"1", "true", "yes", "on"}


def configure(app: Flask, overrides: dict | None = None) -> None:
    """Fill ``app.config`` from environment variables, then ``overrides``."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ
    https = env.get("LOKAKARYA_HTTPS", "").lower() in TRUE
    secret_key = env.get("SECRET_KEY") or (overrides or {}).get("SECRET_KEY")

    app.config.update(
        SECRET_KEY=secret_key or _instance_secret(instance),
        # Whether the key is this machine's own file: then no other server or worker shares it.
        SECRET_KEY_FROM_INSTANCE=not secret_key,
        SQLALCHEMY_DATABASE_URI=database_url(env.get("DATABASE_URL"), instance),
        REDIS_URL=env.get("REDIS_URL") or None,
        # Production is recognised by DATABASE_URL: without it the app runs the embedded default
        # (SQLite in instance/, `make run`), which may keep a loopback BASE_URL.
        PRODUCTION=bool(env.get("DATABASE_URL")),
        # The site's public address: every absolute link (emails, QR codes, certificates,
        # calendars) is made from it by app.links.external_url, never from the request's Host.
        BASE_URL=env.get("BASE_URL") or None,
        # Hosts the app answers for (Flask refuses others with 400); None: derived from BASE_URL.
        TRUSTED_HOSTS=_host_list(env.get("TRUSTED_HOSTS")),
        # Registrations of courses that ended longer ago are anonymised by `participants anonymise`.
        RETENTION_DAYS=int(env.get("RETENTION_DAYS", 730)),
        UPLOAD_FOLDER=env.get("UPLOAD_FOLDER") or str(instance / "uploads"),
        # Where kept files go (app/storage): unset, the UPLOAD_FOLDER; s3://bucket/prefix, an
        # S3-compatible object store shared by every app server and worker.
        STORAGE_URL=env.get("STORAGE_URL") or None,
        # An S3-compatible service's address (MinIO, Ceph, another cloud's): unset, boto3's own
        # (AWS, or AWS_ENDPOINT_URL). Credentials and region: the AWS variables or files.
        S3_ENDPOINT_URL=env.get("S3_ENDPOINT_URL") or None,
        # The store's address as browsers reach it, for signed download links (default: the above).
        S3_PUBLIC_ENDPOINT_URL=env.get("S3_PUBLIC_ENDPOINT_URL") or None,
        # Stored files this large or larger are downloaded from the storage's short-lived signed
        # address (a redirect) where it offers one; smaller ones, and local files, pass through.
        STORAGE_SIGNED_URL_MIN_BYTES=int(env.get("STORAGE_SIGNED_URL_MIN_BYTES",
                                                 8 * 1024 * 1024)),
        MAX_CONTENT_LENGTH=int(env.get("MAX_UPLOAD_BYTES", 8 * 1024 * 1024)),
        # Imports (participants, speakers, working groups): the rows a CSV or XLSX file may hold
        # below its header, counted as it is read (app/registrations/tables.py).
        IMPORT_MAX_ROWS=int(env.get("IMPORT_MAX_ROWS", 5000)),
        MAX_LOGO_BYTES=1024 * 1024,
        # Uploaded images (logos, photos, signatures): the pixels a header may declare, checked
        # before decoding (app/organisations/logos.py).
        MAX_IMAGE_SIDE=int(env.get("MAX_IMAGE_SIDE", 4096)),
        MAX_IMAGE_MEGAPIXELS=int(env.get("MAX_IMAGE_MEGAPIXELS", 16)),
        # Rendered agenda and worksheet PDFs, by content (app/pdf/cache.py): the folder may be
        # emptied at any time; past the size, the least recently served go first.
        PDF_CACHE_FOLDER=env.get("PDF_CACHE_FOLDER") or str(instance / "cache" / "pdf"),
        PDF_CACHE_MAX_BYTES=int(env.get("PDF_CACHE_MAX_MB", 500)) * 1024 * 1024,
        PDF_CACHE_MAX_AGE_DAYS=int(env.get("PDF_CACHE_MAX_AGE_DAYS", 30)),
        # Seconds a request waits for a country pack being rendered before "being prepared".
        PDF_WAIT_SECONDS=float(env.get("PDF_WAIT_SECONDS", 2)),
        # Sessions: HttpOnly always; Secure once the app is served over TLS.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_SECURE=https,
        REMEMBER_COOKIE_HTTPONLY=True,
        PREFERRED_URL_SCHEME="https" if https else "http",
        HTTPS=https,
        WTF_CSRF_TIME_LIMIT=None,  # A form left open over lunch must still submit.
        # Each form checks its own token, so a refused form comes back with what was typed;
        # views without a form call csrf.protect().
        WTF_CSRF_CHECK_DEFAULT=False,
        # Mail (used by registration); unset server means the in-app outbox.
        MAIL_SERVER=env.get("MAIL_SERVER") or None,
        MAIL_PORT=int(env.get("MAIL_PORT", 25)),
        MAIL_USERNAME=env.get("MAIL_USERNAME") or None,
        MAIL_PASSWORD=env.get("MAIL_PASSWORD") or None,
        MAIL_USE_TLS=env.get("MAIL_USE_TLS", "").lower() in TRUE,
        MAIL_DEFAULT_SENDER=env.get("MAIL_DEFAULT_SENDER", "lokakarya@localhost"),
        # Rate limits (Flask-Limiter): shared counters in Redis when configured.
        RATELIMIT_STORAGE_URI=env.get("REDIS_URL") or "memory://",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_KEY_PREFIX="lokakarya",
        RATELIMIT_STRATEGY="moving-window",
        # Public forms, per client address (sent forms only; verification on every request).
        # A venue's or a ministry's network shows many people under one address: be generous.
        REGISTRATION_RATE_LIMIT=env.get("REGISTRATION_RATE_LIMIT",
                                        "10 per minute;30 per hour;100 per day"),
        NOMINATION_RATE_LIMIT=env.get("NOMINATION_RATE_LIMIT", "10 per minute;30 per hour"),
        CHECKIN_RATE_LIMIT=env.get("CHECKIN_RATE_LIMIT", "120 per minute"),
        VERIFY_RATE_LIMIT=env.get("VERIFY_RATE_LIMIT", "30 per minute;300 per hour"),
        # The JSON API (/api/v1/): per token (or per address without one), and per address.
        API_RATE_LIMIT=env.get("API_RATE_LIMIT", "300 per minute"),
        API_ADDRESS_RATE_LIMIT=env.get("API_ADDRESS_RATE_LIMIT", "600 per minute"),
        # Registrations from one email address in 24 hours, all courses together (public form).
        REGISTRATION_DAILY_CAP=int(env.get("REGISTRATION_DAILY_CAP", 3)),
        # Staff sign-in (app/auth/throttle.py). Attempts per client address (passwords and
        # second-factor codes; beyond: the 429 page); failures per account from one address
        # (then refused with the usual message while the owner elsewhere still gets in), and
        # per account from all addresses together. No account is ever locked.
        LOGIN_RATE_LIMIT=env.get("LOGIN_RATE_LIMIT", "10 per minute;100 per hour"),
        LOGIN_ACCOUNT_ADDRESS_LIMIT=env.get("LOGIN_ACCOUNT_ADDRESS_LIMIT", "5 per 15 minutes"),
        LOGIN_ACCOUNT_LIMIT=env.get("LOGIN_ACCOUNT_LIMIT", "50 per hour"),
        SIGNIN_CODE_ACCOUNT_LIMIT=env.get("SIGNIN_CODE_ACCOUNT_LIMIT", "10 per hour;30 per day"),
        SIGNIN_CODE_SECONDS=int(env.get("SIGNIN_CODE_SECONDS", 300)),  # password done, code due
        # Password reset by email: requests per client address, emails per address asked for,
        # and how long a link works (seconds).
        PASSWORD_RESET_RATE_LIMIT=env.get("PASSWORD_RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        PASSWORD_RESET_ACCOUNT_LIMIT=env.get("PASSWORD_RESET_ACCOUNT_LIMIT", "3 per hour"),
        PASSWORD_RESET_MAX_AGE=int(env.get("PASSWORD_RESET_MAX_AGE", 3600)),
        # Who may read /metrics without signing in as an admin (app/metrics.py): the client's
        # address as the app sees it (the proxy's report only with LOKAKARYA_PROXY_FIX).
        METRICS_ALLOWED_NETWORKS=env.get("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1"),
        DEFAULT_SECOND_LANGUAGES=("vi", "id"),
        BABEL_DEFAULT_LOCALE="en",
        BABEL_DEFAULT_TIMEZONE="UTC",
    )
    if overrides:
        app.config.update(overrides)
    configure_links(app, explicit_hosts="TRUSTED_HOSTS" in (overrides or {}))


def configure_links(app: Flask, explicit_hosts: bool = False) -> None:
    """Check BASE_URL (required in production) and derive TRUSTED_HOSTS from it."""
    config = app.config
    if not config.get("BASE_URL"):
        if config["PRODUCTION"]:
            raise SystemExit("BASE_URL is not set: in production (DATABASE_URL set) every link in "
                             "emails, certificates and calendars is made from it. Set it to the "
                             "site's public address, e.g. BASE_URL=https://training.example.org")
        config["BASE_URL"] = DEFAULT_BASE_URL
    try:
        config["BASE_URL"] = normalise_base_url(config["BASE_URL"])
    except BadBaseURL as exc:
        raise SystemExit(str(exc))
    hosts = config.get("TRUSTED_HOSTS")
    if hosts is None:
        hosts = [base_host(config["BASE_URL"])]
        if not config["PRODUCTION"]:
            hosts += LOOPBACK_HOSTS
    if config.get("TESTING") and not explicit_hosts:
        hosts = [*hosts, "localhost"]  # the test client's default host
    config["TRUSTED_HOSTS"] = list(dict.fromkeys(hosts))


def loopback_notice(app: Flask) -> str | None:
    """What the server says on its terminal when its links only work on this machine."""
    if base_host(app.config["BASE_URL"]) not in LOOPBACK_HOSTS:
        return None
    return (f"BASE_URL is {app.config['BASE_URL']}: links in emails, QR codes and certificates work "
            "on this machine only. Set BASE_URL to the site's public address to share them.")


def secret_key_notice(app: Flask) -> str | None:
    """What a production server says on its terminal when its SECRET_KEY is its own file."""
    if not (app.config["PRODUCTION"] and app.config.get("SECRET_KEY_FROM_INSTANCE")):
        return None
    return ("SECRET_KEY is not set: this machine signs sessions, forms, check-in codes and reset "
            "links with its own key (instance/secret_key). Set one SECRET_KEY for every app server "
            "and worker, or a user signed in on one server is a stranger to the next.")


def _host_list(value: str | None) -> list[str] | None:
    """``TRUSTED_HOSTS`` from the environment: comma-separated host names (``.example.org``: subdomains)."""
    if not value:
        return None
    return [host.strip().lower() for host in value.split(",") if host.strip()]


def database_url(url: str | None, instance: Path) -> str:
    """Return the SQLAlchemy URL: ``url`` normalised, or SQLite in the instance folder."""
    if not url:
        return f"sqlite:///{instance / 'lokakarya.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance: Path) -> str:
    """Read the instance's secret key, generating it once on first start."""
    path = instance / "secret_key"
    if not path.exists():
        # Write aside, then link into place: concurrent workers agree on one key.
        tmp = path.with_name(f"secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
