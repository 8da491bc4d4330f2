import os
from test_certificate_rendering import *  # noqa

def test_dump(certificates, tmp_path):
    for case in os.environ.get("CASES", "km").split(","):
        c = certificates[case]
        pdf = rendering.render_certificate(c, verify_url=VERIFY + c.code)
        Path(f"/tmp/proto/{case}.pdf").write_bytes(pdf)
        save_png(pdf, f"certificate-{case}")
