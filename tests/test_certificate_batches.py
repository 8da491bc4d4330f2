"""Certificates given bad input (names, wording, layouts, logos), and many certificates at once."""
from certificate_support import *  # noqa: F403 - the shared data, helpers and fixtures
from app.certificates import batch, layout_checks  # noqa: E402
from helpers import store_logo_file  # noqa: E402

# --- Bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("case, name, native", [
    ("controls", "Siti\u0007 Aisyah\u001b binti\u202e Abdullah\u000b", ""),
    ("long-latin", "Maria " * 49 + "Santos", "สมหญิง " * 42),
    ("no-spaces", "A" * 300, "ការពង្រឹង" * 33),
    ("mixed", "Nguyễn สมหญิง សុខ ບົວສອນ ခင်မာအေး Khin", "Nguyễn สมหญิง សុខ ບົວສອນ ခင်မာအေး"),
    ("emoji-cjk", "Tan 🧑\u200d🌾 Wei Ling 😀", "陈伟玲 🇸🇬"),
])
def test_bad_names_give_a_sane_one_page_certificate(course, db, tmp_path, caplog, case, name,
                                                    native):
    caplog.set_level("WARNING", logger="weasyprint")
    certificate = certify(course, db, "SG", "en", 90, full_name=name[:300], name_order="single",
                          native_name=native[:300])
    pdf = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
    assert page_count(pdf, tmp_path) == 1
    text = pdf_text(pdf, tmp_path)
    assert not re.search(r"[\x00-\x08\x0b\x0e-\x1f\u202a-\u202e]", text)
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert "Certificate of Participation" in text and certificate.number in text
    if case == "controls":
        assert "Siti Aisyah binti Abdullah" in flat(text)
    if case == "emoji-cjk":
        assert "Tan Wei Ling 😀" in flat(text) and "陈" not in text  # dropped, never a box
    save_png(pdf, f"certificate-bad-{case}")


def test_a_500_character_name_shrinks_and_stays_on_one_page(certificates, tmp_path):
    from dataclasses import replace

    found = rendering.facts(certificates["th"], VERIFY)
    pdf = rendering.render_facts([replace(found, name="Somying " * 62 + "Jaidee",
                                          native_name="สมหญิง ใจดี " * 45)])
    assert page_count(pdf, tmp_path) == 1
    assert "Certificate of Participation" in pdf_text(pdf, tmp_path)
    save_png(pdf, "certificate-bad-500-characters")


def test_the_default_layout_has_wording_in_every_language():
    report = layout_checks.validate_layout("default")
    assert report.ok, report.errors
    assert report.missing == {}


def test_missing_wording_falls_back_to_english_and_validation_says_where(course, db, tmp_path,
                                                                         monkeypatch):
    import shutil

    import yaml

    shutil.copytree(ROOT / "certificate_layouts/default", tmp_path / "partial")
    spec = yaml.safe_load((tmp_path / "partial/layout.yaml").read_text(encoding="utf-8"))
    for key in ("title", "certify"):
        del spec["fields"][key]["default"]["my"]
    (tmp_path / "partial/layout.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False),
                                                  encoding="utf-8")
    monkeypatch.setattr(layouts, "LAYOUTS", tmp_path)
    report = layout_checks.validate_layout("partial")
    assert report.ok, report.errors
    assert report.missing == {"my": ["title", "certify"]}

    course.certificate_settings.layout = "partial"
    certificate = certify(course, db, "MM", "my", 91, full_name="Khin Mar Aye", name_order="single")
    text = flat(pdf_text(rendering.render_certificate(certificate, verify_url=VERIFY), tmp_path))
    assert text.count("This is to certify that") == 1  # once, not repeated as a fallback
    assert "2025 ဧပြီ 9–11" in text  # the dates still come in Myanmar's own format

    settings = course.certificate_settings
    settings.title = T(en="Certificate of Participation", my="အောင်လက်မှတ်")
    report = layout_checks.validate_layout("partial", settings)
    assert "certify" in report.missing["my"] and "title" not in report.missing["my"]


def test_html_in_wording_is_escaped_and_never_fetched(course, certificates, db, tmp_path,
                                                      monkeypatch):
    from app.pdf import AppFetcher

    settings = course.certificate_settings
    settings.title = T(en='<img src="file:///etc/passwd">Certificate <b>of</b> Participation',
                       vi='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">Giấy chứng nhận')
    settings.wording = T(en='has participated in <style>@import url(http://127.0.0.1:9/y.css)'
                            '</style>')
    db.session.commit()
    asked = []
    resolve = AppFetcher.resolve
    monkeypatch.setattr(AppFetcher, "resolve", lambda self, url: asked.append(url) or
                        resolve(self, url))
    pdf = rendering.render_certificate(certificates["vi"], verify_url=VERIFY)
    text = squeeze(pdf_text(pdf, tmp_path, "-raw"))  # in drawing order: columns stay apart
    assert squeeze('<img src="file:///etc/passwd">Certificate <b>of</b> Participation') in text
    assert squeeze("@import url(http://127.0.0.1:9/y.css)") in text
    assert not [url for url in asked if "127.0.0.1" in url or url.startswith("file:")], asked
    assert b"root:" not in pdf


@pytest.mark.parametrize("template, problem", [
    ("{{ certificates[0].name.text|safe }}", "safe"),
    ("{{ certificates.__class__.__mro__ }}", "__class__"),
    ("{{ secret_key }}", "secret_key"),
    ("{% for c in certificates %}{{ c.t.nope }}{% endfor %}", "nope"),
])
def test_unsafe_or_broken_layouts_are_reported(tmp_path, monkeypatch, template, problem):
    import shutil

    shutil.copytree(ROOT / "certificate_layouts/default", tmp_path / "custom")
    (tmp_path / "custom/template.html").write_text(template, encoding="utf-8")
    monkeypatch.setattr(layouts, "LAYOUTS", tmp_path)
    report = layout_checks.validate_layout("custom", languages=("en", "th"))
    assert not report.ok and problem in " ".join(report.errors), report.errors


def test_a_layout_stylesheet_fetches_nothing_from_elsewhere(course, certificates, db, tmp_path,
                                                           monkeypatch):
    import shutil

    from app.pdf import AppFetcher

    shutil.copytree(ROOT / "certificate_layouts/default", tmp_path / "custom")
    with open(tmp_path / "custom/theme.css", "a", encoding="utf-8") as theme:
        theme.write(".certificate { background: url(http://127.0.0.1:9/bg.png) }\n"
                    ".name { background-image: url(file:///etc/passwd) }\n")
    monkeypatch.setattr(layouts, "LAYOUTS", tmp_path)
    course.certificate_settings.layout = "custom"
    db.session.commit()
    asked = {}
    resolve = AppFetcher.resolve
    monkeypatch.setattr(AppFetcher, "resolve",
                        lambda self, url: asked.setdefault(url, resolve(self, url)))
    pdf = rendering.render_certificate(certificates["km"], verify_url=VERIFY)
    assert page_count(pdf, tmp_path) == 1
    assert asked["http://127.0.0.1:9/bg.png"] is None and asked["file:///etc/passwd"] is None


def test_a_logo_file_that_is_not_an_image_is_left_out(course, certificates, tmp_path, caplog):
    organisation = course.organisation_links[0].organisation
    store_logo_file(organisation.logo, b"<html>not an image</html>")
    pdf = rendering.render_certificate(certificates["vi"], verify_url=VERIFY)
    assert page_count(pdf, tmp_path) == 1
    assert "Nguyễn Thị Hà" in flat(pdf_text(pdf, tmp_path))


def test_layout_names_cannot_leave_the_layouts_folder():
    for name in ("../app", "default/../../etc", "", "x" * 41):
        assert not layout_checks.validate_layout(name).ok


# --- Many at once ---------------------------------------------------------------------------

def test_partial_hours_and_the_stacked_arrangement(course, db, tmp_path):
    course.certificate_settings.arrangement = "stacked"
    certificate = certify(course, db, "VN", "vi", 92, full=False, full_name="Tran Van Minh",
                          family_name="Trần", given_names="Văn Minh", name_order="family_first")
    pdf = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
    text = flat(pdf_text(pdf, tmp_path))
    assert "attended 14.5 of 20 contact hours" in text and "tham dự 14,5/20 giờ" in text
    assert "Trần Văn Minh" in text and page_count(pdf, tmp_path) == 1
    save_png(pdf, "certificate-vi-stacked")


def test_many_certificates_make_one_document_and_split_into_individual_pdfs(
        certificates, course, db, tmp_path):
    ordered = list(certificates.values())
    merged = rendering.render_many(ordered, lambda c: VERIFY + c.code)
    assert page_count(merged, tmp_path) == len(ordered)
    singles = rendering.render_each(ordered, lambda c: VERIFY + c.code)
    assert len(singles) == len(ordered)
    for certificate, single in zip(ordered, singles):
        assert page_count(single, tmp_path) == 1
        assert certificate.registration.certificate_name in flat(pdf_text(single, tmp_path))
        assert all(embedded for _name, embedded in pdf_fonts(single, tmp_path))


@pytest.mark.parametrize("workers", [1, 2])
def test_the_bulk_path_writes_each_pdf_and_the_merged_one(certificates, course, db, tmp_path,
                                                          workers):
    course.certificate_settings.pdfa = True
    db.session.commit()
    ordered = list(certificates.values())
    seen = []
    merged, paths = batch.render_batch(ordered, lambda c: VERIFY + c.code, tmp_path / "out",
                                           workers=workers, chunk=5,
                                           progress=lambda done, total: seen.append((done, total)))
    assert [path.name for path in paths] == [f"{c.number}.pdf" for c in ordered]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        sorted([merged.name, *(path.name for path in paths)])  # no chunk files left behind
    assert page_count(merged.read_bytes(), tmp_path) == len(ordered)
    assert seen[-1] == (len(ordered), len(ordered)) and len(seen) == 3
    whole = flat(pdf_text(merged.read_bytes(), tmp_path))
    assert whole.index("IPR-2025-001") < whole.index("IPR-2025-012")
    for certificate, path in zip(ordered, paths):
        data = path.read_bytes()
        assert page_count(data, tmp_path) == 1
        assert certificate.registration.certificate_name in flat(pdf_text(data, tmp_path))
        assert b"pdfaid:part" in data or b"pdfaid:part" in _xmp(data)


def _xmp(pdf: bytes) -> bytes:
    import pikepdf

    with pikepdf.open(BytesIO(pdf)) as document:
        return document.Root.Metadata.read_bytes()


def test_a_print_run_looks_exactly_like_single_certificates(certificates, db, tmp_path):
    """Print runs stack a person layer onto a background laid out once per group; the pages
    must come out as the single certificate does, pixel for pixel (nearly: anti-aliasing)."""
    from PIL import ImageChops, ImageStat

    ordered = [certificates[case] for case in ("th", "km", "vi", "my")]
    _merged, paths = batch.render_batch(ordered, lambda c: VERIFY + c.code, tmp_path / "run",
                                            workers=1)
    for certificate, path in zip(ordered, paths):
        single = rendering.render_certificate(certificate, verify_url=VERIFY + certificate.code)
        images = []
        for name, data in (("single", single), ("stacked", path.read_bytes())):
            (tmp_path / f"{name}.pdf").write_bytes(data)
            subprocess.run(["pdftoppm", "-png", "-r", "50", "-gray", "-singlefile",
                            str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
            images.append(Image.open(tmp_path / f"{name}.png"))
        difference = ImageStat.Stat(ImageChops.difference(*images)).mean[0]
        assert difference < 0.5, (certificate.second_language, difference)
