"""The reference course (Jakarta, 9–11 April 2025), as demo data (``flask --app app seed-demo``),
and an upcoming one-day seminar whose registration is open (app/demo_seminar.py)."""
import os
import secrets
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import yaml

from . import demo_evaluation, demo_seminar
from .auth.models import User
from .auth.operations import create_user, find_user
from .courses.models import Course
from .courses.operations import CourseDetails, create_course
from .extensions import db
from .i18n.multilingual import MultilingualText as T
from .organisations import logos
from .organisations.models import Organisation
from .toolkit import demo as toolkit_demo

SLUG = "jakarta-2025-wps"
TRAINER = "trainer@example.org"
LOGOS = Path(__file__).parent / "demo_logos"

ORGANISATIONS = [
    ("ASEAN-IPR", T(en="ASEAN Institute for Peace and Reconciliation",
                    vi="Viện ASEAN vì Hòa bình và Hòa giải",
                    id="Institut ASEAN untuk Perdamaian dan Rekonsiliasi"), None, "asean-ipr.png"),
    ("UN Women", T(en="UN Women Indonesia", vi="UN Women Indonesia", id="UN Women Indonesia"),
     "ID", "un-women.png"),
    ("Canada", T(en="Government of Canada", vi="Chính phủ Canada", id="Pemerintah Kanada"), "CA", None),
    ("ROK", T(en="Government of the Republic of Korea", vi="Chính phủ Hàn Quốc",
              id="Pemerintah Republik Korea"), "KR", None),
    ("UK", T(en="Government of the United Kingdom", vi="Chính phủ Vương quốc Anh",
             id="Pemerintah Inggris"), "GB", None),
]

OBJECTIVES = [
    T(en="Build the skills of ministry focal points who draft and implement national action plans "
         "on women, peace and security, including monitoring and evaluation.",
      vi="Nâng cao kỹ năng cho cán bộ đầu mối của các bộ, ngành xây dựng và thực hiện kế hoạch hành "
         "động quốc gia về phụ nữ, hòa bình và an ninh, bao gồm theo dõi và đánh giá.",
      id="Membangun keterampilan focal point kementerian yang menyusun dan melaksanakan rencana aksi "
         "nasional tentang perempuan, perdamaian, dan keamanan, termasuk pemantauan dan evaluasi."),
    T(en="Exchange experience and good practice among ASEAN Member States.",
      vi="Trao đổi kinh nghiệm và thực tiễn tốt giữa các quốc gia thành viên ASEAN.",
      id="Bertukar pengalaman dan praktik baik antar Negara Anggota ASEAN."),
    T(en="Give practical tools and guidance for localizing the WPS agenda, including the "
         "Localisation Toolkit and Guidelines for the ASEAN RPA WPS.",
      vi="Cung cấp công cụ và hướng dẫn thực tiễn để địa phương hóa chương trình nghị sự về phụ nữ, "
         "hòa bình và an ninh, bao gồm Bộ công cụ và Hướng dẫn địa phương hóa Kế hoạch Hành động "
         "Khu vực ASEAN.",
      id="Memberikan alat dan panduan praktis untuk melokalkan agenda perempuan, perdamaian, dan "
         "keamanan, termasuk Perangkat dan Pedoman Lokalisasi RPA ASEAN tentang WPS."),
    T(en="Give resources to design and implement national action plans effectively.",
      vi="Cung cấp nguồn lực để thiết kế và thực hiện hiệu quả kế hoạch hành động quốc gia.",
      id="Memberikan sumber daya untuk merancang dan melaksanakan rencana aksi nasional secara efektif."),
    T(en="Strengthen understanding of the role of non-state actors: civil society organisations, "
         "associations, women's and youth unions, the private sector, academia, NGOs and communities.",
      vi="Tăng cường hiểu biết về vai trò của các chủ thể ngoài nhà nước: tổ chức xã hội, hiệp hội, "
         "hội phụ nữ và đoàn thanh niên, khu vực tư nhân, giới học thuật, tổ chức phi chính phủ và "
         "cộng đồng.",
      id="Memperkuat pemahaman tentang peran aktor non-negara: organisasi masyarakat sipil, asosiasi, "
         "organisasi perempuan dan pemuda, sektor swasta, akademisi, LSM, dan komunitas."),
]

COURSE = dict(
    title=T(en="Strengthening implementation and localization of the ASEAN Regional Plan of Action "
               "on Women, Peace and Security at national level",
            vi="Tăng cường thực hiện và địa phương hóa Kế hoạch Hành động Khu vực ASEAN về Phụ nữ, "
               "Hòa bình và An ninh ở cấp quốc gia",
            id="Penguatan implementasi dan lokalisasi Rencana Aksi Regional ASEAN tentang Perempuan, "
               "Perdamaian, dan Keamanan di tingkat nasional"),
    description=T(
        en="A three-day training for ministry focal points from the eleven ASEAN countries, part of "
           "the project “Empowering women for sustainable peace: preventing violence and promoting "
           "social cohesion in ASEAN”, supported by the governments of Canada, the Republic of Korea "
           "and the United Kingdom.",
        vi="Khóa tập huấn ba ngày dành cho cán bộ đầu mối của các bộ, ngành từ mười một quốc gia "
           "ASEAN, thuộc dự án “Trao quyền cho phụ nữ vì hòa bình bền vững: phòng ngừa bạo lực và "
           "thúc đẩy gắn kết xã hội ở ASEAN”, với sự hỗ trợ của Chính phủ Canada, Hàn Quốc và "
           "Vương quốc Anh.",
        id="Pelatihan tiga hari bagi focal point kementerian dari sebelas negara ASEAN, bagian dari "
           "proyek “Memberdayakan perempuan untuk perdamaian berkelanjutan: mencegah kekerasan dan "
           "mendorong kohesi sosial di ASEAN”, didukung oleh pemerintah Kanada, Republik Korea, dan "
           "Inggris."),
    start_date=date(2025, 4, 9), end_date=date(2025, 4, 11),
    city=T(en="Jakarta", vi="Jakarta", id="Jakarta"), country="ID", timezone="Asia/Jakarta",
    mode="in_person", working_language="en", second_languages=["vi", "id"],
    contact_hours=Decimal("20"),
)


def seed() -> str | None:
    """Create what is missing of the demo; return the trainer's password if it was set."""
    trainer, password = _trainer()
    organisations = [_organisation(*row) for row in ORGANISATIONS]
    course = db.session.scalar(sa.select(Course).where(Course.slug == SLUG))
    if course is None:
        details = CourseDetails(**COURSE, objectives=OBJECTIVES,
                                organiser_ids=[o.id for o in organisations[:2]],
                                donor_ids=[o.id for o in organisations[2:]])
        course = create_course(trainer, details, slug=SLUG)
    elif trainer not in course.trainers:
        course.trainers.append(trainer)
    db.session.flush()
    _participants(course, trainer)
    _agenda(course, trainer)
    _certificates(course, trainer)
    toolkit_demo.seed(course)
    demo_evaluation.seed(course)
    demo_seminar.seed(trainer)
    return password


def _participants(course: Course, trainer: User) -> None:
    """The reference course's 40 participants from the 11 countries (once)."""
    from .registrations.operations import Person, change_status, register

    if course.registrations.count():
        return
    with open(Path(__file__).parent / "registrations" / "demo_people.yaml", encoding="utf-8") as fh:
        people = yaml.safe_load(fh)
    wanted = {}
    for index, row in enumerate(people):
        status = row.pop("status")
        wanted[register(course, Person(**row), notify=False, submission_key=f"demo-{index}")] = status
    for registration, status in wanted.items():
        if status not in ("waitlisted", registration.status):
            change_status(registration, status, trainer, "", notify=False)
    # The course is full: those on the waitlist stay there.
    waitlisted = [r for r, status in wanted.items() if status == "waitlisted"]
    course.capacity = sum(r.status in ("pending", "approved") for r in wanted) - len(waitlisted)
    for registration in waitlisted:
        change_status(registration, "waitlisted", trainer, "", notify=False)
    db.session.flush()


def _trainer() -> tuple[User, str | None]:
    wanted = os.environ.get("DEMO_TRAINER_PASSWORD")
    user = find_user(TRAINER)
    if user is None:
        password = wanted or secrets.token_urlsafe(12)
        return create_user(TRAINER, "Demo Trainer", password, role="trainer"), password
    if wanted and not user.check_password(wanted):
        user.set_password(wanted)
        return user, wanted
    return user, wanted


def _organisation(acronym: str, name: T, country: str | None, logo: str | None) -> Organisation:
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.acronym == acronym))
    if organisation is None:
        organisation = Organisation(acronym=acronym, name=name, country=country, website="")
        if logo:
            organisation.logo = logos.store((LOGOS / logo).read_bytes())
        db.session.add(organisation)
        db.session.flush()
    elif logo and organisation.logo and not logos.shown_image(organisation.logo):
        # An earlier demo stored its logo as SVG, which is no longer shown: the PNG replaces it.
        logos.remove(organisation.logo)
        organisation.logo = logos.store((LOGOS / logo).read_bytes())
        db.session.flush()
    return organisation


def _agenda(course: Course, trainer: User) -> None:
    """The three-day agenda of the reference course, and attendance that leaves a few below the threshold."""
    from datetime import timedelta

    from .agenda.models import Speaker
    from .agenda.operations import SessionDetails, attendees, mark, save_session

    if course.sessions:
        return
    with open(Path(__file__).parent / "agenda" / "demo_agenda.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    speakers = {}
    for row in data["speakers"]:
        key = row.pop("key")
        speakers[key] = Speaker(course_id=course.id, **row)
        db.session.add(speakers[key])
    db.session.flush()
    for row in data["sessions"]:
        hour, minute = map(int, row["start"].split(":"))
        end_hour, end_minute = map(int, row["end"].split(":"))
        save_session(course, None, SessionDetails(
            day=course.start_date + timedelta(days=row["day"] - 1),
            start=time(hour, minute), end=time(end_hour, end_minute), title=T(row["title"]),
            kind=row["kind"], room=row.get("room", ""),
            leads=[(speakers[key].id, role) for key, role in row.get("leads", [])]))
    # Everyone attended, except three people who missed most of day 3 and one of day 2.
    people = attendees(course)
    missing = {person.id for person in people[2:len(people):12]}
    for session in course.sessions:
        if not session.counts_for_attendance:
            continue
        day = session.local(session.starts_at).date()
        for person in people:
            absent = person.id in missing and (day == course.end_date or session.room == "Room A")
            if session.room == "Room B" or absent:
                continue  # the parallel track is an alternative to Room A
            mark(session, person, method="trainer", by=trainer)


def _certificates(course: Course, trainer: User) -> None:
    """Certificates for every eligible participant, each in English and their country's language."""
    from .certificates.operations import issue_all_eligible, settings_for

    settings = settings_for(course)
    if not settings.signatory1_name:
        settings.signatory1_name, settings.signatory2_name = "Rahmat Hidayat", "Anjali Mehra"
        settings.signatory1_title = T(en="Executive Director, ASEAN-IPR", vi="Giám đốc điều hành, ASEAN-IPR",
                                      id="Direktur Eksekutif, ASEAN-IPR")
        settings.signatory2_title = T(en="Representative, UN Women Indonesia",
                                      vi="Trưởng đại diện, UN Women Indonesia",
                                      id="Perwakilan, UN Women Indonesia")
        settings.issue_place = T(en="Jakarta", vi="Jakarta", id="Jakarta")
    issue_all_eligible(course, trainer)
