"""Registrations at scale: a paginated, sortable list whose links keep the filters, "all N
matching" bulk changes, a constant number of queries per page, and imports that follow a Status
column with the form's rules and emails."""
import io
import re
from datetime import date, datetime, timezone
from html import unescape

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.i18n import _, use_language
from app.mail.models import OutboxMessage
from app.registrations import listing, operations
from app.registrations.exchange import import_rows, read_table, write_csv
from app.registrations.labels import STATUS_LABELS
from app.registrations.models import Registration
from app.registrations.operations import Person
from helpers import count

COUNTRIES = ("VN", "TH", "KH")
HEADER = "Full name,Sex,Age group,Country,Type of organisation,Organisation,Email,Language,Status\n"


def people(db, course, number, start=0, country=None, **overrides):
    """Register ``number`` people, named so that their order by name is their number's."""
    made = []
    for index in range(start, start + number):
        made.append(operations.register(course, Person(
            full_name=f"Person {index:03d}", sex="female", age_group="35-44",
            country=country or COUNTRIES[index % 3], organisation_type="cso", organisation="Example",
            email=f"p{index:03d}@example.org", **overrides), notify=False))
    db.session.commit()
    return made


@pytest.fixture
def course(make_course, make_user):
    return make_course(trainer=make_user(email="scale@example.org"), slug="scale-2030",
                       start_date=date(2030, 4, 9), end_date=date(2030, 4, 11))


@pytest.fixture
def url(course, login):
    login(course.trainers[0])
    return "/manage/courses/scale-2030/registrations/"


def names(page: str) -> list[str]:
    return re.findall(r'/registrations/\d+">(Person \d+)</a>', page)


def links(page: str) -> list[str]:
    """The page links of the pager, in order, as written."""
    pager = page.split('<nav class="pager"', 1)[1].split("</nav>", 1)[0]
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', pager)]


def test_the_list_shows_fifty_a_page_and_counts_what_matches(client, db, course, url):
    people(db, course, 120)
    page = client.get(url + "?sort=name").get_data(as_text=True)
    assert names(page) == [f"Person {n:03d}" for n in range(50)]
    assert "120 registrations match." in page and "Page 1 of 3" in page
    second = client.get(url + "?sort=name&page=2").get_data(as_text=True)
    assert names(second) == [f"Person {n:03d}" for n in range(50, 100)]
    assert len(names(client.get(url + "?sort=name&per=100").get_data(as_text=True))) == 100
    assert len(names(client.get(url + "?sort=name&per=200").get_data(as_text=True))) == 120


def test_out_of_range_pages_and_bad_sizes_fall_back(client, db, course, url):
    people(db, course, 120)
    last = client.get(url + "?sort=name&page=999").get_data(as_text=True)
    assert names(last) == [f"Person {n:03d}" for n in range(100, 120)] and "Page 3 of 3" in last
    for bad in ("page=abc", "page=-4", "page=0", "page=99999999999999999999"):
        response = client.get(url + "?sort=name&" + bad)
        assert response.status_code == 200
        assert len(names(response.get_data(as_text=True))) in (20, 50)
    assert names(client.get(url + "?sort=name&page=abc").get_data(as_text=True))[0] == "Person 000"
    for per in ("7", "abc", "5000", ""):
        assert len(names(client.get(url + f"?sort=name&per={per}").get_data(as_text=True))) == 50
    empty = client.get(url + "?country=LA&page=3").get_data(as_text=True)
    assert "0 registrations match." in empty and "No registration matches." in empty


def test_page_links_keep_filters_search_and_sort(client, db, course, url):
    people(db, course, 120, country="VN")
    page = client.get(url + "?country=VN&q=person&sort=name&order=desc&per=50").get_data(as_text=True)
    assert names(page)[:2] == ["Person 119", "Person 118"]
    hrefs = links(page)
    assert hrefs and all("country=VN" in h and "q=person" in h and "sort=name" in h
                         and "order=desc" in h for h in hrefs)
    assert any("page=2" in h for h in hrefs) and any("page=3" in h for h in hrefs)
    nxt = next(h for h in hrefs if "page=2" in h)
    assert names(client.get(nxt).get_data(as_text=True))[0] == "Person 069"
    # The filter form carries the sort; the column headings keep the filters.
    assert '<input type="hidden" name="sort" value="name">' in page
    heading = unescape(re.search(r'<a href="([^"]+)">Country</a>', page).group(1))
    assert "country=VN" in heading and "q=person" in heading and "sort=country" not in heading


@pytest.mark.parametrize("sort", listing.SORTS)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_is_stable_across_pages(client, db, course, url, sort, order):
    made = people(db, course, 110)
    for index, registration in enumerate(made):  # many ties, so the tie-breaker decides
        registration.status = ("approved", "pending", "waitlisted")[index % 3]
        registration.submitted_at = datetime(2030, 1, 1 + index % 4, tzinfo=timezone.utc)
        registration.certificate_name = f"Person {index // 10:03d}"
    db.session.commit()
    seen = []
    for number in (1, 2, 3):
        page = client.get(url + f"?sort={sort}&order={order}&page={number}").get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'name="selected" value="(\d+)"', page)]
    assert sorted(seen) == sorted(r.id for r in made)  # every row once, none twice
    rank = {"country": lambda r: r.country, "name": lambda r: r.certificate_name,
            "status": lambda r: ("pending", "approved", "waitlisted").index(r.status),
            "submitted": lambda r: r.submitted_at}[sort]
    by_id = {r.id: r for r in made}
    keys = [rank(by_id[i]) for i in seen]
    assert keys == sorted(keys, reverse=order == "desc")
    # Ties: by name, then by id in the sort's direction, so that pages never shift.
    flip = -1 if order == "desc" else 1
    expected = sorted(made, key=lambda r: (r.certificate_name, flip * r.id))
    expected.sort(key=rank, reverse=order == "desc")  # stable: keeps the tie order
    assert seen == [r.id for r in expected]


def test_select_all_matching_changes_exactly_the_filtered_set_after_confirming(
        client, db, course, url):
    vietnam = people(db, course, 70, country="VN")
    thailand = people(db, course, 30, start=70, country="TH")
    vietnam[0].full_name, vietnam[0].search_name = "Somebody Else", "somebody else"
    db.session.commit()
    filtered = url + "?country=VN&q=person"
    form = {"everyone": "y", "status": "approved", "reason": "Welcome"}
    confirm = client.post(filtered, data=form)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Change the status of 69 registrations to “Approved”?" in page
    assert 'name="expected" value="69"' in page
    assert {r.status for r in vietnam + thailand} == {"pending"}  # nothing yet
    stale = client.post(filtered, data={**form, "expected": "68"})  # the set changed meanwhile
    assert stale.status_code == 200 and "has changed" in stale.get_data(as_text=True)
    assert count(OutboxMessage) == 0
    done = client.post(filtered, data={**form, "expected": "69"})
    assert done.status_code == 302 and done.headers["Location"].endswith("?country=VN&q=person")
    for registration in vietnam + thailand:
        db.session.refresh(registration)
    assert [r.status for r in vietnam[1:]] == ["approved"] * 69  # on every page
    assert vietnam[0].status == "pending" and {r.status for r in thailand} == {"pending"}
    assert count(OutboxMessage) == 69  # the usual status emails
    assert "69 registrations changed." in client.get(done.headers["Location"]).get_data(as_text=True)


def test_select_all_matching_keeps_the_waitlist_rules(client, db, course, url):
    course.capacity, course.requires_approval = 4, False
    db.session.commit()
    placed = people(db, course, 4, country="KH")
    waiting = people(db, course, 3, start=4, country="TH")
    assert [r.status for r in placed + waiting] == ["approved"] * 4 + ["waitlisted"] * 3
    form = {"everyone": "y", "status": "cancelled", "reason": ""}
    client.post(url + "?country=KH", data={**form, "expected": "4"})
    for registration in placed + waiting:
        db.session.refresh(registration)
    assert {r.status for r in placed} == {"cancelled"}
    assert {r.status for r in waiting} == {"approved"}  # promoted as places became free


def test_ticked_rows_only_change_without_select_all(client, db, course, url):
    made = people(db, course, 60)
    response = client.post(url + "?sort=name&page=2", data={
        "selected": [str(made[55].id), str(made[57].id)], "status": "declined", "reason": ""})
    assert response.status_code == 302 and "page=2" in response.headers["Location"]
    statuses = {r.id: r.status for r in db.session.scalars(sa.select(Registration))}
    assert sorted(i for i, s in statuses.items() if s == "declined") == [made[55].id, made[57].id]


def statements(db, client, path) -> int:
    sent = []

    def record(*args):
        sent.append(args[2])

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(sent)


@pytest.mark.parametrize("query", ["", "?country=VN&q=person", "?sort=name&per=200",
                                   "?status=pending&sort=submitted&order=desc"])
def test_a_page_costs_the_same_queries_for_5_or_50_rows(client, db, course, url, query):
    people(db, course, 5, country="VN")
    few = statements(db, client, url + query)
    people(db, course, 60, start=5, country="VN")
    duplicate = people(db, course, 1, start=65, country="VN")[0]
    duplicate.email = "p010@example.org"  # a possible duplicate on the page
    db.session.commit()
    assert statements(db, client, url + query) == few


def test_possible_duplicates_are_flagged_on_the_page(client, db, course, url):
    made = people(db, course, 60, country="VN")
    twin = operations.register(course, Person(
        full_name="PERSON 001", sex="male", age_group="25-34", country="VN", organisation_type="cso",
        email="twin@example.org"), notify=False)
    same_email = operations.register(course, Person(
        full_name="Another Name", sex="male", age_group="25-34", country="TH",
        organisation_type="cso", email="p059@example.org"), notify=False)
    db.session.commit()
    flagged = listing.duplicate_ids(course, made[:5])
    assert flagged == {made[1].id}
    assert listing.duplicate_ids(course) == {made[1].id, twin.id, made[59].id, same_email.id}
    first = client.get(url + "?sort=name").get_data(as_text=True)
    row = first.split(f'value="{made[1].id}"', 1)[1].split("</tr>", 1)[0]
    assert "Possible duplicate" in row
    # Page 1: "Another Name", "PERSON 001", "Person 000"…"Person 047"; page 2 ends with 059.
    assert first.count("Possible duplicate") == 3
    assert client.get(url + "?sort=name&page=2").get_data(as_text=True).count(
        "Possible duplicate") == 1
    twin.status = "cancelled"  # a cancelled registration is no one's duplicate
    db.session.commit()
    assert listing.duplicate_ids(course, made[:5]) == set()


def test_select_all_on_this_page_is_a_script_of_our_own(client, db, course, url):
    people(db, course, 3)
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<p [^>]*id="select-page-box" hidden>', page)  # shown by the script
    script = re.search(r'<script src="(/static/js/registrations-list\.js[^"]*)"', page).group(1)
    assert "select-page" in client.get(script).get_data(as_text=True)


# Import with a Status column

def rows_csv(*rows: str) -> list[dict]:
    return read_table("people.csv", (HEADER + "".join(row + "\n" for row in rows)).encode())


def test_import_follows_status_capacity_and_the_waitlist(db, make_course):
    course = make_course(capacity=2, requires_approval=True)
    report = import_rows(course, rows_csv(
        "Ha,female,35-44,VN,cso,VWU,ha@example.org,vi,approved",
        "Somchai,male,45-54,TH,cso,FFW,somchai@example.org,th,Approved",
        "Dara,male,35-44,KH,cso,CCHR,dara@example.org,km,APPROVED",
        "Siti,female,25-34,ID,cso,AMAN,siti@example.org,id,pending approval",
        "Lan,female,25-34,VN,cso,VWU,lan@example.org,vi,declined",
        "Maria,female,25-34,TL,cso,Fokupers,maria@example.org,pt,On the waitlist",
        "Noi,female,25-34,LA,cso,LWU,noi@example.org,lo,"))
    assert report.ok and (report.imported, report.waitlisted) == (7, 4)
    assert [(note.row, note.column) for note in report.notes] == [(4, "Status"), (5, "Status"),
                                                                 (8, "Status")]
    assert "Row 4, Status" in str(report.notes[0]) and "waitlist" in str(report.notes[0])
    db.session.commit()
    statuses = dict(db.session.execute(sa.select(Registration.email, Registration.status)).all())
    assert statuses == {"ha@example.org": "approved", "somchai@example.org": "approved",
                        "dara@example.org": "waitlisted", "siti@example.org": "waitlisted",
                        "lan@example.org": "declined", "maria@example.org": "waitlisted",
                        "noi@example.org": "waitlisted"}


def test_import_follows_the_country_quota(db, make_course):
    course = make_course(country_quota=1, requires_approval=False)
    report = import_rows(course, rows_csv(
        "Ha,female,35-44,VN,cso,VWU,ha@example.org,vi,approved",
        "Lan,female,25-34,VN,cso,VWU,lan@example.org,vi,approved",
        "Somchai,male,45-54,TH,cso,FFW,somchai@example.org,th,approved"))
    assert report.ok and [note.row for note in report.notes] == [3]
    assert dict(db.session.execute(sa.select(Registration.email, Registration.status)).all()) == {
        "ha@example.org": "approved", "lan@example.org": "waitlisted",
        "somchai@example.org": "approved"}


def test_imported_people_are_emailed_in_their_own_language(app, db, make_course):
    course = make_course(capacity=1, requires_approval=True)
    import_rows(course, rows_csv(
        "Ha,female,35-44,VN,cso,VWU,ha@example.org,vi,approved",
        "Somchai,male,45-54,TH,cso,FFW,somchai@example.org,th,approved",
        "Lan,female,25-34,VN,cso,VWU,lan@example.org,vi,declined",
        "Ana,female,25-34,TL,cso,Fokupers,ana@example.org,en,cancelled"))
    db.session.commit()
    messages = {m.recipient: m for m in db.session.scalars(sa.select(OutboxMessage))}
    assert set(messages) == {"ha@example.org", "somchai@example.org"}  # not declined, cancelled
    for email, language, status in [("ha@example.org", "vi", "approved"),
                                    ("somchai@example.org", "th", "waitlisted")]:
        message = messages[email]
        with app.test_request_context(), use_language(language):
            label = str(STATUS_LABELS[status])
            received = _("Registration received: %(title)s", title="|").split("|")[0]
        assert message.language == language and label in message.body
        assert received != "Registration received: " and message.subject.startswith(received)
        registration = db.session.scalar(sa.select(Registration).where(Registration.email == email))
        assert registration.token in message.body


def test_a_row_without_a_language_reads_the_courses(db, make_course):
    course = make_course(working_language="vi")
    report = import_rows(course, read_table("people.csv", (
        "Full name,Sex,Age group,Country,Type of organisation,Email\n"
        "Ha,female,35-44,VN,cso,ha@example.org\n").encode()))
    assert report.ok
    db.session.commit()
    assert db.session.scalar(sa.select(OutboxMessage.language)) == "vi"


def test_status_labels_in_other_languages_and_codes_are_accepted(app, db, make_course):
    course = make_course()
    with app.test_request_context(), use_language("vi"):
        declined = str(STATUS_LABELS["declined"])
    assert declined != "Declined"
    report = import_rows(course, rows_csv(
        f"Ha,female,35-44,VN,cso,VWU,ha@example.org,vi,{declined.upper()}",
        "Somchai,male,45-54,TH,cso,FFW,somchai@example.org,th,  Waitlisted "))
    assert report.ok, [str(p) for p in report.problems]
    assert sorted(db.session.scalars(sa.select(Registration.status))) == ["declined", "waitlisted"]


def test_an_invalid_status_imports_nothing_and_says_where(db, make_course):
    course = make_course()
    report = import_rows(course, rows_csv(
        "Ha,female,35-44,VN,cso,VWU,ha@example.org,vi,approved",
        "Somchai,male,45-54,TH,cso,FFW,somchai@example.org,th,maybe later"))
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [(3, "Status")]
    assert "maybe later" in str(report.problems[0]) and "approved" in str(report.problems[0])
    db.session.rollback()
    assert count(Registration) == 0 and count(OutboxMessage) == 0


def test_an_export_imports_with_its_statuses(db, make_course):
    course = make_course(requires_approval=True)
    made = [operations.register(course, Person(
        full_name=name, sex="female", age_group="35-44", country="VN", organisation_type="cso",
        email=f"p{index:03d}@example.org"), notify=False)
        for index, name in enumerate(["Ana", "Binh", "Chau"])]
    operations.change_status(made[1], "approved", notify=False)
    operations.change_status(made[2], "declined", notify=False)
    db.session.commit()
    stream = io.BytesIO()
    write_csv(course, stream)
    other = make_course(requires_approval=True)
    assert import_rows(other, read_table("export.csv", stream.getvalue())).ok
    assert sorted(other.registrations.with_entities(Registration.email, Registration.status)) == [
        ("p000@example.org", "pending"), ("p001@example.org", "approved"),
        ("p002@example.org", "declined")]


def test_the_import_page_documents_status_and_reports_the_waitlist(client, db, course, login):
    course.capacity = 1
    db.session.commit()
    login(course.trainers[0])
    url = "/manage/courses/scale-2030/registrations/import"
    help_text = client.get(url).get_data(as_text=True)
    assert "Status (optional)" in help_text and "waitlisted" in help_text
    assert "Required columns: Full name, Sex, Age group, Country" in help_text
    data = (HEADER + "Ha,female,35-44,VN,cso,VWU,ha@example.org,vi,approved\n"
            "Sok,male,35-44,KH,cso,CCHR,sok@example.org,km,approved\n").encode()
    response = client.post(url, data={"file": (io.BytesIO(data), "people.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "2 registrations imported." in page
    assert "Row 3, Status" in page and count(Registration) == 2
    bad = HEADER + "Lan,female,25-34,VN,cso,VWU,lan@example.org,vi,confirmed\n"
    response = client.post(url, data={"file": (io.BytesIO(bad.encode()), "people.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "Row 2, Status" in response.get_data(as_text=True)
    assert count(Registration) == 2


def test_the_day_someone_registered_is_the_venues(client, db, course, url):
    made = people(db, course, 1)
    made[0].submitted_at = datetime(2030, 1, 1, 20, 0, tzinfo=timezone.utc)  # 2 Jan in Jakarta
    db.session.commit()
    assert "<td>1/2/30</td>" in client.get(url).get_data(as_text=True)


def test_the_command_line_import_names_the_rows_put_on_the_waitlist(runner, db, make_course,
                                                                     tmp_path):
    make_course(slug="cli-2030", capacity=1)
    people_file = tmp_path / "people.csv"
    people_file.write_text(HEADER + "Ha,female,35-44,VN,cso,VWU,ha@example.org,vi,approved\n"
                           "Sok,male,35-44,KH,cso,CCHR,sok@example.org,km,approved\n")
    result = runner.invoke(args=["participants", "import", "cli-2030", str(people_file)])
    assert result.exit_code == 0, result.output
    assert "(1 on the waitlist)" in result.output and "Row 3, Status" in result.output
    assert count(OutboxMessage) == 2
