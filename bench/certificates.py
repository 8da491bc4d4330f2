"""How fast certificates come out: WeasyPrint's floor, the naive path, and our bulk path.

    .venv/bin/python bench/certificates.py            # 300 certificates, 2 workers
    .venv/bin/python bench/certificates.py --count 60 --workers 2

(a) floor: COUNT minimal one-page documents (one line of Latin text, no images), each written
    to its own PDF in one process with a reused font configuration;
(b) naive: COUNT certificates rendered one by one (render_certificate), each to its own file;
(c) bulk: the same COUNT bilingual certificates, mixing all eleven countries' languages, as the
    bulk issue job makes them (render_batch): the individual PDFs and the merged print file,
    on both cores, many pages per document, each group's shared background laid out once.

Each is reported with its wall time, time per certificate and peak memory (resident set:
VmHWM, reset between phases; for (c) also the largest worker process). The last line is
``bulk/floor=<c/a> naive/bulk=<b/c>`` (wall-time ratios). Everything is written to a
temporary directory (a SQLite database, uploads, the PDFs) that is removed at the end.
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# (country, certificate language, person): one per country, names in each tradition (invented).
PEOPLE = [
    ("VN", "vi", dict(full_name="NGUYEN THI HA", family_name="Nguyễn", given_names="Thị Hà",
                      name_order="family_first", native_name="Nguyễn Thị Hà",
                      position="Chuyên viên", organisation="Bộ Ngoại giao")),
    ("ID", "id", dict(full_name="Wahyuni", name_order="single", position="Analis Kebijakan",
                      organisation="KemenPPPA")),
    ("TH", "th", dict(full_name="Somying Siriwattanakul", family_name="Siriwattanakul",
                      given_names="Somying", native_name="สมหญิง ศิริวัฒนกุล",
                      position="Policy and Plan Analyst", organisation="Ministry of Interior")),
    ("KH", "km", dict(full_name="Sok Chanthida", family_name="Sok", given_names="Chanthida",
                      name_order="family_first", native_name="សុខ ចាន់ធីតា",
                      position="Deputy Director", organisation="Ministry of Women's Affairs")),
    ("LA", "lo", dict(full_name="Bouasone Phommavong", family_name="Phommavong",
                      given_names="Bouasone", native_name="ບົວສອນ ພົມມະວົງ",
                      position="Technical Officer", organisation="Lao Women's Union")),
    ("MM", "my", dict(full_name="Khin Mar Aye", name_order="single", honorific="Daw",
                      native_name="ခင်မာအေး", position="Assistant Director",
                      organisation="Ministry of Social Welfare, Relief and Resettlement")),
    ("MY", "ms", dict(full_name="Siti Aisyah binti Abdullah", name_order="single",
                      honorific="Datin", position="Ketua Penolong Setiausaha",
                      organisation="Kementerian Luar Negeri")),
    ("BN", "ms", dict(full_name="Dayang Nurul Huda binti Haji Ahmad", name_order="single",
                      position="Pegawai Tadbir", organisation="Kementerian Hal Ehwal Luar Negeri")),
    ("PH", "fil", dict(full_name="Maria Cristina Reyes Dela Cruz", family_name="Dela Cruz",
                       given_names="Maria Cristina Reyes", position="Senior Peace Officer",
                       organisation="OPAPRU")),
    ("SG", "en", dict(full_name="Tan Wei Ling", family_name="Tan", given_names="Wei Ling",
                      name_order="family_first", position="Deputy Director",
                      organisation="Ministry of Foreign Affairs")),
    ("TL", "tet", dict(full_name="Maria da Costa dos Santos", name_order="single",
                       position="Diretora Nacional", organisation="SEII")),
]

TITLE = {
    "en": "Strengthening implementation and localization of the ASEAN RPA WPS at national level",
    "vi": "Tăng cường thực hiện và địa phương hóa Kế hoạch Hành động Khu vực ASEAN về Phụ nữ, Hòa "
          "bình và An ninh ở cấp quốc gia",
    "id": "Penguatan pelaksanaan dan lokalisasi RPA ASEAN tentang Perempuan, Perdamaian, dan "
          "Keamanan di tingkat nasional",
    "th": "การเสริมสร้างการดำเนินการและการปรับใช้ในระดับท้องถิ่นของแผนปฏิบัติการระดับภูมิภาคอาเซียน"
          "ว่าด้วยสตรี สันติภาพ และความมั่นคงในระดับชาติ",
    "km": "ការពង្រឹងការអនុវត្ត និងការធ្វើមូលដ្ឋានីយកម្មនៃផែនការសកម្មភាព"
          "ថ្នាក់តំបន់អាស៊ានស្តីពីស្ត្រីសន្តិភាព និងសន្តិសុខនៅថ្នាក់ជាតិ",
    "lo": "ການເສີມສ້າງການຈັດຕັ້ງປະຕິບັດ ແລະ ການຫັນເປັນທ້ອງຖິ່ນຂອງແຜນປະຕິບັດງານລະດັບພາກພື້ນອາຊຽນ"
          "ວ່າດ້ວຍແມ່ຍິງ ສັນຕິພາບ ແລະ ຄວາມໝັ້ນຄົງໃນລະດັບຊາດ",
    "my": "အမျိုးသားအဆင့်တွင် အမျိုးသမီးများ၊ ငြိမ်းချမ်းရေးနှင့် လုံခြုံရေးဆိုင်ရာ "
          "အာဆီယံဒေသဆိုင်ရာလုပ်ငန်းစီမံချက်ကို အကောင်အထည်ဖော်ခြင်းနှင့် ဒေသန္တရပြုခြင်းကို "
          "အားကောင်းစေခြင်း",
}


def memory() -> dict[str, int]:
    """Resident and peak resident memory of this process, in kB (Linux)."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM")}


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current resident set
    except OSError:
        pass


def setup(folder: Path, count: int):
    """An app on a fresh SQLite database with one course and ``count`` certificates."""
    from app import create_app
    from app.auth.operations import create_user
    from app.certificates.models import Certificate, CertificateSettings
    from app.courses.models import CourseOrganisation
    from app.courses.operations import CourseDetails, create_course
    from app.extensions import db
    from app.i18n.multilingual import MultilingualText as T
    from app.organisations import logos
    from app.organisations.models import Organisation
    from app.registrations.operations import Person, register

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": None,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "UPLOAD_FOLDER": str(folder / "uploads")})
    context = app.app_context()
    context.push()
    db.create_all()
    trainer = create_user("bench@example.org", "Bench Trainer", "correct horse battery",
                          role="trainer")
    course = create_course(trainer, CourseDetails(
        title=T(TITLE), start_date=date(2025, 4, 9), end_date=date(2025, 4, 11),
        city=T(en="Jakarta"), country="ID", timezone="Asia/Jakarta", contact_hours=Decimal("20")))
    logo_dir = Path(__file__).resolve().parent.parent / "app" / "demo_logos"
    organisers = [
        Organisation(name=T(en="ASEAN Institute for Peace and Reconciliation"), acronym="ASEAN-IPR",
                     logo=logos.store((logo_dir / "asean-ipr.png").read_bytes())),
        Organisation(name=T(en="UN Women Indonesia"), acronym="UN Women",
                     logo=logos.store((logo_dir / "un-women.png").read_bytes()))]
    course.organisation_links = [CourseOrganisation(organisation=o, role="organiser", position=i)
                                 for i, o in enumerate(organisers)]
    db.session.add(CertificateSettings(
        course=course, signatory1_name="Dr. Ayu Lestari",
        signatory1_title=T(en="Executive Director, ASEAN-IPR", vi="Giám đốc Điều hành, ASEAN-IPR"),
        signatory2_name="Maria Fernanda Santos",
        signatory2_title=T(en="Representative, UN Women Indonesia")))
    certificates = []
    for n in range(count):
        country, language, person = PEOPLE[n % len(PEOPLE)]
        registration = register(course, Person(
            sex="female", age_group="35-44", country=country, organisation_type="government",
            email=f"p{n}@example.org", certificate_language=language, **person), notify=False)
        certificates.append(Certificate(
            registration=registration, number=f"IPR-2025-{n + 1:04d}", second_language=language,
            hours=Decimal("20"), full_hours=True, attendance_rate=Decimal("100"),
            issued_at=datetime(2025, 4, 11, 3, tzinfo=UTC)))
        db.session.add(certificates[-1])
    db.session.commit()
    return app, certificates


def verify_url_for(certificate) -> str:
    return f"https://lokakarya.example.org/verify/{certificate.code}"


def phase(name: str, count: int, run) -> float:
    reset_peak()
    before = memory()
    started = time.perf_counter()
    extra = run() or ""
    wall = time.perf_counter() - started
    after = memory()
    grown = (after["VmHWM"] - before["VmRSS"]) / 1024
    print(f"({name}) {wall:7.2f} s  {wall / count * 1000:6.1f} ms/certificate  "
          f"peak RSS {after['VmHWM'] / 1024:6.0f} MB (+{grown:.0f}){extra}", flush=True)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lokakarya-bench-"))
    try:
        app, certificates = setup(folder, args.count)
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration

        from app.certificates.rendering import render_batch, render_certificate

        def floor():
            font_config = FontConfiguration()
            out = folder / "floor"
            out.mkdir()
            for n in range(args.count):
                HTML(string=f"<p>Certificate of Participation {n}</p>").write_pdf(
                    out / f"{n}.pdf", font_config=font_config)

        def naive():
            out = folder / "naive"
            out.mkdir()
            for certificate in certificates:
                (out / f"{certificate.number}.pdf").write_bytes(
                    render_certificate(certificate, verify_url=verify_url_for(certificate)))

        def bulk():
            out = folder / "bulk"
            merged, singles = render_batch(certificates, verify_url_for, out, workers=args.workers)
            worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            size = sum(path.stat().st_size for path in singles) / len(singles) / 1024
            return (f"; largest worker {worker:.0f} MB; {len(singles)} PDFs of {size:.0f} kB on "
                    f"average + {merged.name} {merged.stat().st_size / 1024 / 1024:.1f} MB")

        print(f"{args.count} certificates, {args.workers} workers, {os.cpu_count()} CPUs")
        a = phase("a floor", args.count, floor)
        b = phase("b naive", args.count, naive)
        c = phase("c bulk ", args.count, bulk)
        print(f"bulk/floor={c / a:.2f} naive/bulk={b / c:.2f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
