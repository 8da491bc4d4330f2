"""Shared data, helpers and fixtures of the certificate rendering tests."""
import json
import re
import subprocess
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from helpers import ARTIFACTS
from PIL import Image, ImageDraw

from app import ROOT
from app.certificates import layouts, rendering
from app.certificates.models import Certificate, CertificateSettings
from app.courses.models import CourseOrganisation
from app.i18n.multilingual import MultilingualText as T
from app.organisations import logos
from app.organisations.models import Organisation
from app.pdf import render_pdf_string
from app.registrations.operations import Person, register
from app.typography import ZWSP, break_words, missing_glyphs

VERIFY = "https://lokakarya.example.org/verify/"

COURSE_TITLE = T(
    en="Strengthening implementation and localization of the ASEAN RPA WPS at national level",
    vi="Tăng cường thực hiện và địa phương hóa Kế hoạch Hành động Khu vực ASEAN về Phụ nữ, Hòa "
       "bình và An ninh ở cấp quốc gia",
    id="Penguatan pelaksanaan dan lokalisasi RPA ASEAN tentang Perempuan, Perdamaian, dan "
       "Keamanan di tingkat nasional",
    ms="Memperkukuh pelaksanaan dan penyetempatan RPA ASEAN mengenai Wanita, Keamanan dan "
       "Keselamatan di peringkat kebangsaan",
    th="การเสริมสร้างการดำเนินการและการปรับใช้ในระดับท้องถิ่นของแผนปฏิบัติการระดับภูมิภาคอาเซียน"
       "ว่าด้วยสตรี สันติภาพ และความมั่นคงในระดับชาติ",
    km="ការពង្រឹងការអនុវត្ត និងការធ្វើមូលដ្ឋានីយកម្មនៃផែនការសកម្មភាពថ្នាក់តំបន់អាស៊ានស្តីពីស្ត្រី"
       "សន្តិភាព និងសន្តិសុខនៅថ្នាក់ជាតិ",
    lo="ການເສີມສ້າງການຈັດຕັ້ງປະຕິບັດ ແລະ ການຫັນເປັນທ້ອງຖິ່ນຂອງແຜນປະຕິບັດງານລະດັບພາກພື້ນອາຊຽນ"
       "ວ່າດ້ວຍແມ່ຍິງ ສັນຕິພາບ ແລະ ຄວາມໝັ້ນຄົງໃນລະດັບຊາດ",
    my="အမျိုးသားအဆင့်တွင် အမျိုးသမီးများ၊ ငြိမ်းချမ်းရေးနှင့် လုံခြုံရေးဆိုင်ရာ "
       "အာဆီယံဒေသဆိုင်ရာလုပ်ငန်းစီမံချက်ကို အကောင်အထည်ဖော်ခြင်းနှင့် ဒေသန္တရပြုခြင်းကို "
       "အားကောင်းစေခြင်း",
    pt="Reforçar a implementação e a localização do PAR da ASEAN sobre Mulheres, Paz e Segurança "
       "a nível nacional",
)

# (case, country, certificate language, person): realistic names in each tradition (invented).
PEOPLE = [
    ("vi", "VN", "vi", dict(full_name="NGUYEN THI HA", family_name="Nguyễn", given_names="Thị Hà",
                            name_order="family_first", native_name="Nguyễn Thị Hà",
                            position="Chuyên viên", organisation="Bộ Ngoại giao")),
    ("id", "ID", "id", dict(full_name="Wahyuni", name_order="single",
                            position="Analis Kebijakan", organisation="KemenPPPA")),
    ("th", "TH", "th", dict(full_name="SOMYING SIRIWATTANAKUL", family_name="Siriwattanakul",
                            given_names="Somying", native_name="สมหญิง ศิริวัฒนกุล",
                            position="Policy and Plan Analyst",
                            organisation="Ministry of Interior")),
    ("km", "KH", "km", dict(full_name="SOK CHANTHIDA", family_name="Sok", given_names="Chanthida",
                            name_order="family_first", native_name="សុខ ចាន់ធីតា",
                            position="Deputy Director",
                            organisation="Ministry of Women's Affairs")),
    ("lo", "LA", "lo", dict(full_name="BOUASONE PHOMMAVONG", family_name="Phommavong",
                            given_names="Bouasone", native_name="ບົວສອນ ພົມມະວົງ",
                            position="Technical Officer", organisation="Lao Women's Union")),
    ("my", "MM", "my", dict(full_name="Khin Mar Aye", name_order="single", honorific="Daw",
                            native_name="ခင်မာအေး", position="Assistant Director",
                            organisation="Ministry of Social Welfare, Relief and Resettlement")),
    ("ms-MY", "MY", "ms", dict(full_name="Siti Aisyah binti Abdullah", name_order="single",
                               honorific="Datin", position="Ketua Penolong Setiausaha",
                               organisation="Kementerian Luar Negeri")),
    ("ms-BN", "BN", "ms", dict(full_name="Dayang Nurul Huda binti Haji Ahmad", name_order="single",
                               honorific="Pengiran", position="Pegawai Tadbir",
                               organisation="Kementerian Hal Ehwal Luar Negeri")),
    ("fil", "PH", "fil", dict(full_name="MARIA CRISTINA REYES DELA CRUZ", family_name="Dela Cruz",
                              given_names="Maria Cristina Reyes", position="Senior Peace Officer",
                              organisation="OPAPRU")),
    ("en-SG", "SG", "en", dict(full_name="TAN WEI LING", family_name="Tan", given_names="Wei Ling",
                               name_order="family_first", position="Deputy Director",
                               organisation="Ministry of Foreign Affairs")),
    ("tet", "TL", "tet", dict(full_name="Maria da Costa dos Santos", name_order="single",
                              position="Diretora Nacional", organisation="SEII")),
    ("pt", "TL", "pt", dict(full_name="Joaquim Soares Guterres", name_order="single",
                            position="Assessor",
                            organisation="Ministério dos Negócios Estrangeiros")),
]
LATIN = {"vi", "id", "ms-MY", "ms-BN", "fil", "en-SG", "tet", "pt"}
TITLES = {"vi": "Giấy chứng nhận", "id": "Sertifikat", "ms-MY": "Sijil Penyertaan",
          "ms-BN": "Sijil Penyertaan", "fil": "Sertipiko ng Paglahok", "tet": None,
          "pt": "Certificado de Participação", "en-SG": None}
# Share of native text pdftotext gives back, in order. WeasyPrint alone gave (names / course
# titles) th 88% / 97%, km 82% / 85% (Noto Serif Khmer), lo 100% / 98%, my 100% / 86%; with
# the /ActualText spans app.typography adds it is exact: never let it fall.
FLOORS = {"th": 1.0, "km": 1.0, "lo": 1.0, "my": 1.0}
EXTRACTION = ARTIFACTS / "extraction.json"


@cache
def png_bytes(size=(240, 120), colour=(0, 114, 188)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def signature_png(colour=(29, 58, 122)) -> bytes:
    """A pen stroke on a transparent ground, as signatures are uploaded (SVG no longer is)."""
    image = Image.new("RGBA", (320, 100), (0, 0, 0, 0))
    points = [(10, 80), (40, 20), (80, 15), (110, 60), (160, 95), (190, 40), (240, 10), (310, 70)]
    ImageDraw.Draw(image).line(points, fill=(*colour, 255), width=5, joint="curve")
    buffer = BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


SIGNATURE = signature_png()


def pdf_text(pdf: bytes, tmp_path: Path, *args: str) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(["pdftotext", *args, str(source), "-"], capture_output=True, check=True)
    return unicodedata.normalize("NFC", out.stdout.decode("utf-8"))


def flat(text: str) -> str:
    return " ".join(text.replace(ZWSP, "").split())


def squeeze(text: str) -> str:
    """Text without any spacing: lines may break between words that have no space."""
    return "".join(text.replace(ZWSP, "").split())


def pdf_fonts(pdf: bytes, tmp_path: Path) -> list[tuple[str, bool]]:
    source = tmp_path / "fonts.pdf"
    source.write_bytes(pdf)
    lines = subprocess.run(["pdffonts", str(source)], capture_output=True, check=True,
                           text=True).stdout.splitlines()[2:]
    return [(line.split()[0], line.split()[-5] == "yes") for line in lines]


def page_count(pdf: bytes, tmp_path: Path) -> int:
    source = tmp_path / "pages.pdf"
    source.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(source)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def save_png(pdf: bytes, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(source),
                    str(ARTIFACTS / name)], check=True)
    source.unlink()
    return ARTIFACTS / f"{name}.png"


_LINE = re.compile(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r'(.*?)</line>', re.S)


def text_lines(pdf: bytes, tmp_path: Path) -> tuple[tuple[float, float], list]:
    """The page size and every line of text pdftotext finds on the first page, as
    ((x0, y0, x1, y1), words) in points from the top left; a word box spans what its font says
    its letters may reach (ascent to descent), not just the ink of the letters drawn."""
    layout = pdf_text(pdf, tmp_path, "-bbox-layout", "-l", "1")
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', layout).groups()
    return (float(size[0]), float(size[1])), [
        (tuple(float(v) for v in match.groups()[:4]),
         " ".join(re.findall(r"<word [^>]*>([^<]*)</word>", match.group(5))))
        for match in _LINE.finditer(layout)]


def overlaps(lines: list, slack: float = 0.1) -> list[tuple]:
    """Pairs of lines whose boxes overlap by more than ``slack`` points both ways."""
    found = []
    for index, (a, words_a) in enumerate(lines):
        for b, words_b in lines[index + 1:]:
            wide = min(a[2], b[2]) - max(a[0], b[0])
            tall = min(a[3], b[3]) - max(a[1], b[1])
            if wide > slack and tall > slack:
                found.append((round(tall, 2), words_a[:50], words_b[:50]))
    return found


def recovered_share(native: str, latin: str, text: str) -> float:
    """The share of ``native``'s characters that pdftotext gives back, in order, from the lines
    printed under the Latin name (poppler may split one line where marks stack)."""
    lines = text.replace(ZWSP, "").splitlines()
    start = next(i for i, line in enumerate(lines) if latin in " ".join(line.split()))
    segment = []
    for line in lines[start + 1:]:
        if re.search(r"[A-Za-z]", line):
            break
        segment.append(line)
    return lcs(native.replace(" ", ""), "".join(segment).replace(" ", "")) / \
        len(native.replace(" ", ""))


def lcs(a: str, b: str) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


# --- Fixtures -------------------------------------------------------------------------------

@pytest.fixture
def course(db, make_course, make_user):
    trainer = make_user(email="certificates@example.org")
    course = make_course(trainer=trainer, slug="jakarta-2025-certs", title=COURSE_TITLE,
                         city={"en": "Jakarta", "th": "จาการ์ตา", "km": "ហ្សាការតា", "lo": "ຈາກາຕາ",
                               "my": "ဂျကာတာ", "pt": "Jacarta"},
                         start_date=date(2025, 4, 9), end_date=date(2025, 4, 11),
                         second_languages=["vi", "id", "th", "km", "lo", "my", "ms", "fil", "pt"])
    demo = ROOT / "app/demo_logos"
    organisers = [Organisation(name=T(en="ASEAN Institute for Peace and Reconciliation"),
                               acronym="ASEAN-IPR",
                               logo=logos.store((demo / "asean-ipr.png").read_bytes())),
                  Organisation(name=T(en="UN Women Indonesia"), acronym="UN Women",
                               logo=logos.store((demo / "un-women.png").read_bytes()))]
    donors = [Organisation(name=T(en="Government of Canada"), acronym="Canada",
                           logo=logos.store(png_bytes())),
              Organisation(name=T(en="Government of the Republic of Korea"), acronym="ROK")]
    course.organisation_links = [
        *[CourseOrganisation(organisation=o, role="organiser", position=i)
          for i, o in enumerate(organisers)],
        *[CourseOrganisation(organisation=o, role="donor", position=i)
          for i, o in enumerate(donors)]]
    signature = logos.store(SIGNATURE)
    db.session.add(CertificateSettings(
        course=course, signatory1_name="Dr. Ayu Lestari", signatory1_image=signature,
        signatory1_title=T(en="Executive Director, ASEAN-IPR", vi="Giám đốc Điều hành, ASEAN-IPR",
                           id="Direktur Eksekutif, ASEAN-IPR", th="ผู้อำนวยการบริหาร ASEAN-IPR"),
        signatory2_name="Maria Fernanda Santos", signatory2_image=None,
        signatory2_title=T(en="Representative, UN Women Indonesia",
                           id="Perwakilan, UN Women Indonesia"),
        issue_place=T(en="Jakarta", pt="Jacarta")))
    db.session.commit()
    return course


def certify(course, db, country: str, language: str, number: int, full: bool = True,
            **person) -> Certificate:
    email = f"p{number}@example.org"
    registration = register(course, Person(sex="female", age_group="35-44", country=country,
                                           organisation_type="government", email=email,
                                           certificate_language=language, **person), notify=False)
    certificate = Certificate(registration=registration, number=f"IPR-2025-{number:03d}",
                              second_language=language, hours=Decimal("20" if full else "14.5"),
                              full_hours=full, attendance_rate=Decimal("100" if full else "72.5"),
                              issued_at=datetime(2025, 4, 11, 3, 0, tzinfo=UTC))
    db.session.add(certificate)
    db.session.flush()
    return certificate


@pytest.fixture
def certificates(course, db):
    made = {case: certify(course, db, country, language, n, **person)
            for n, (case, country, language, person) in enumerate(PEOPLE, start=1)}
    db.session.commit()
    return made
