"""The reference course's monitoring and evaluation, as demo data: the knowledge test before
and after (most took both, a few missed the post-test), the end-of-day and end-of-course
evaluations (anonymous: answers with no person, receipts apart) with a few open answers in the
participants' own languages, and the action-plan follow-up three months on (most teams
answered) and six months on (a few). Deterministic (a seeded draw) and made once: each part is
left alone when it exists already."""
import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .evaluation import questionnaires
from .evaluation.models import (EvaluationReceipt, EvaluationResponse, KnowledgeAttempt,
                                QuestionnaireWindow)
from .extensions import db
from .followup import operations as followup
from .followup.models import ActionUpdate, FollowUpRound
from .registrations.models import Registration
from .toolkit.teams import fills_worksheets

SEED = 20250409

# Open answers as participants wrote them, by language: (day: most useful, change tomorrow),
# (course: most valuable, what to change). People writing another language left them empty.
OPEN = {
    "vi": ("Bài tập cây vấn đề rất hữu ích cho công việc của tôi.", "Cần thêm thời gian cho thảo luận nhóm.",
           "Xây dựng kế hoạch hành động cùng đoàn Việt Nam.", "Nên gửi tài liệu trước khóa học."),
    "id": ("Latihan pohon masalah sangat membantu pekerjaan saya.", "Perlu lebih banyak waktu untuk diskusi kelompok.",
           "Menyusun rencana aksi bersama tim negara.", "Materi sebaiknya dikirim sebelum pelatihan."),
    "th": ("แบบฝึกหัดเรื่องตัวชี้วัดมีประโยชน์มาก", "ควรมีเวลาอภิปรายกลุ่มมากขึ้น",
           "การแลกเปลี่ยนประสบการณ์กับประเทศอื่นในอาเซียน", "อยากให้ส่งเอกสารล่วงหน้า"),
    "km": ("លំហាត់ផែនទីភាគីពាក់ព័ន្ធមានប្រយោជន៍ណាស់។", "សូមបន្ថែមពេលវេលាសម្រាប់ការពិភាក្សាជាក្រុម។",
           "ការរៀបចំផែនការសកម្មភាពជាមួយក្រុមប្រទេស។", ""),
    "fil": ("Napakalaking tulong ng pagsasanay sa problem tree.", "Sana mas mahaba ang oras para sa talakayan ng grupo.",
            "Ang pagbuo ng action plan kasama ang aming delegasyon.", "Ipadala sana ang mga materyales bago ang kurso."),
    "ms": ("Latihan peta pihak berkepentingan sangat berguna.", "Perlukan lebih banyak masa untuk perbincangan kumpulan.",
           "", ""),
    "en": ("The indicator exercise: we will reuse it in our ministry.", "Fewer slides after lunch, more group work.",
           "Writing the action plan with my country team.", "Share the worksheets a week before the course."),
}

# The follow-up: the statuses given at the first round, in turn; who answered each round (the others were asked and did not), and a few notes.
FIRST = ("in_progress", "not_started", "in_progress", "done", "not_started", "in_progress", "dropped")
ANSWERED = {1: ("VN", "ID", "TH", "PH", "KH", "LA"), 2: ("VN", "TH", "PH")}
NOTES = {
    ("VN", 1): ("in_progress", "Bản thảo đã gửi lấy ý kiến các vụ, dự kiến ban hành tháng 9.", ""),
    ("ID", 1): ("in_progress", "Konsultasi publik pertama di Palu selesai; draf RAD P3AKS sedang disusun.",
                "https://www.example.org/demo/rad-p3aks-sulteng-konsultasi.pdf"),
    ("TH", 2): ("done", "อบรมอาสาสมัครสันติภาพหญิงครบ 120 คนแล้ว", ""),
    ("PH", 1): ("in_progress", "Two of five municipal WPS plans adopted (Cotabato City, Marawi).",
                "https://www.example.org/demo/barmm-municipal-wps-plans"),
    ("VN", 2): ("done", "Kế hoạch đã được Bộ trưởng ký ban hành ngày 26/9.",
                "https://www.example.org/demo/moha-nap-wps-plan.pdf"),
}


def seed(course) -> None:
    """Add what is missing of the course's test results, evaluations and follow-up."""
    people = list(db.session.scalars(sa.select(Registration).where(
        Registration.course_id == course.id, fills_worksheets()).order_by(Registration.id)))
    if not people:
        return
    zone = ZoneInfo(course.timezone)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(QuestionnaireWindow)
                             .where(QuestionnaireWindow.course_id == course.id)):
        _windows(course, zone)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(KnowledgeAttempt)
                             .where(KnowledgeAttempt.course_id == course.id)):
        _knowledge(course, people, zone)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(EvaluationReceipt)
                             .where(EvaluationReceipt.course_id == course.id)):
        _evaluations(course, people)
    if not db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpRound)
                             .where(FollowUpRound.course_id == course.id)):
        _follow_up(course, zone)
    db.session.flush()


def at(zone: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    """A moment at the venue, in UTC (as stored)."""
    return datetime.combine(day, time(hour, minute), zone).astimezone(timezone.utc)


def window_times(course, zone) -> dict[str, tuple[datetime, datetime]]:
    start, end = course.start_date, course.end_date
    times = {"pre": (at(zone, start - timedelta(days=7), 9), at(zone, start, 8, 45)),
             "post": (at(zone, end, 15, 30), at(zone, end + timedelta(days=7), 17)),
             "course": (at(zone, end, 16), at(zone, end + timedelta(days=7), 17))}
    for number in range((end - start).days + 1):
        day = start + timedelta(days=number)
        times[f"day-{number + 1}"] = (at(zone, day, 16, 30), at(zone, day, 23, 59))
    return times


def _windows(course, zone) -> None:
    for name, (opened, closed) in window_times(course, zone).items():
        db.session.add(QuestionnaireWindow(course_id=course.id, name=name, opened_at=opened, closed_at=closed))


def answer_test(rng: random.Random, test, chance: float) -> dict:
    """One person's answers: each question right with ``chance``, else a wrong option."""
    answers = {}
    for spec in test.fields:
        right = test.correct[spec.name]
        wrong = [value for value, _label in spec.options if value != right]
        answers[spec.name] = right if rng.random() < chance else rng.choice(wrong)
    return answers


def _knowledge(course, people, zone) -> None:
    """Pre-test for all but two (mean about 50 %), post-test for all but four of those (about 78 %)."""
    test = questionnaires.get("knowledge")
    rng = random.Random(SEED)
    times = window_times(course, zone)
    skip_pre = {person.id for person in people[5::17]}
    skip_post = {person.id for person in people[3::9]}
    for person in people:
        before = min(0.9, max(0.15, rng.gauss(0.5, 0.15)))
        after = min(0.98, before + max(0.05, rng.gauss(0.28, 0.1)))
        for phase, chance in (("pre", before), ("post", after)):
            if person.id in (skip_pre if phase == "pre" else skip_post | skip_pre):
                continue
            answers = answer_test(rng, test, chance)
            opened, closed = times[phase]
            moment = opened + (closed - opened) * rng.uniform(0.55, 0.98) if phase == "pre" else \
                opened + timedelta(minutes=rng.randint(5, 90))
            db.session.add(KnowledgeAttempt(
                course_id=course.id, registration_id=person.id, phase=phase, answers=answers,
                score=test.score(answers), out_of=len(test.correct), language=person.language,
                submitted_at=moment))


def scale(rng: random.Random, mean: float) -> int:
    return min(5, max(1, round(rng.gauss(mean, 0.7))))


def _evaluations(course, people) -> None:
    """Each survey answered by most (fewer on the last day), anonymously when the course says so."""
    rng = random.Random(SEED + 1)
    day, whole = questionnaires.get("day"), questionnaires.get("course")
    days = (course.end_date - course.start_date).days + 1
    surveys = [(f"day-{n}", day, 0.85 - 0.07 * (n - 1), 3.9 + 0.2 * n) for n in range(1, days + 1)]
    surveys.append(("course", whole, 0.78, 4.3))
    written = set()  # (language, open question): each text once
    for key, survey, share, mean in surveys:
        for person in people:
            if rng.random() > share:
                continue
            answers = {}
            for position, spec in enumerate(survey.fields):
                if spec.type.name == "scale":
                    answers[spec.name] = scale(rng, mean)
                elif spec.type.name == "choice":
                    answers[spec.name] = rng.choice([value for value, _label in spec.options])
                else:
                    answers[spec.name] = open_answer(person.language, key, spec.name, written, rng)
            db.session.add(EvaluationResponse(
                course_id=course.id, survey=key, answers=answers, language=person.language,
                registration_id=None if course.evaluations_anonymous else person.id))
            db.session.add(EvaluationReceipt(registration_id=person.id, survey=key, course_id=course.id))


def open_answer(language: str, survey: str, question: str, written: set, rng: random.Random) -> str:
    """A text from :data:`OPEN` in the person's language, once each, to about a third of people."""
    texts = OPEN.get(language)
    slot = {"most_useful": 0, "improve": 1, "most_valuable": 2, "suggestions": 3}.get(question)
    if not texts or slot is None or rng.random() > 0.35:
        return ""
    if slot < 2 and survey != "day-1":
        slot_key = (language, survey, question)  # the day surveys: one text per language and day
    else:
        slot_key = (language, question)
    if slot_key in written or not texts[slot]:
        return ""
    written.add(slot_key)
    return texts[slot]


def _follow_up(course, zone) -> None:
    """Both rounds sent on their default dates; the teams of :data:`ANSWERED` gave a status to
    every action (moving forward between rounds), the others did not answer."""
    rng = random.Random(SEED + 2)
    plans = {sheet.country: sheet for sheet in followup.team_plans(course)}
    members = {}
    for person in db.session.scalars(sa.select(Registration).where(
            Registration.course_id == course.id, fills_worksheets()).order_by(Registration.id)):
        members.setdefault(person.country, person)
    before = {}
    for number in (1, 2):
        due = followup.default_due(course, number)
        found = FollowUpRound(course_id=course.id, number=number, due_on=due, sent_at=at(zone, due, 9))
        db.session.add(found)
        db.session.flush()
        for country in ANSWERED[number]:
            sheet = plans.get(country)
            if sheet is None:
                continue
            moment = at(zone, due + timedelta(days=rng.randint(1, 12)), rng.randint(9, 17))
            for index, row in enumerate(followup.plan_rows(sheet)):
                earlier = before.get((sheet.id, row["row_id"]))
                status = FIRST[len(before) % len(FIRST)] if earlier is None else next_status(rng, earlier)
                note, link = "", ""
                if index == 0 and (country, number) in NOTES:
                    status, note, link = NOTES[(country, number)]
                before[(sheet.id, row["row_id"])] = status
                db.session.add(ActionUpdate(
                    round_id=found.id, worksheet_id=sheet.id, row_id=row["row_id"], status=status,
                    note=note, evidence_url=link, updated_by_id=members[country].id, updated_at=moment))


def next_status(rng: random.Random, earlier: str) -> str:
    """A plausible status three months on from ``earlier``."""
    if earlier == "not_started":
        return rng.choices(["not_started", "in_progress", "dropped"], [40, 50, 10])[0]
    if earlier == "in_progress":
        return rng.choices(["in_progress", "done"], [50, 50])[0]
    return earlier
