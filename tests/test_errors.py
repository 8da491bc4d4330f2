"""Error pages in the reader's language."""


def test_not_found_page_is_translated(client):
    response = client.get("/no/such/page?lang=vi")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_server_errors_show_a_translated_page(client, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(client.application.view_functions, "core.index", boom)
    monkeypatch.setitem(client.application.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/?lang=id")
    assert response.status_code == 500
    assert '<html lang="id">' in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)
