"""The shape of ``app``: no import cycles, nothing importing up the layers, routes only in views,
template helpers registered once."""
import re

import grimp
import pytest
from flask import Flask

from app.web.templates import DuplicateHelper, Registry


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("app", cache_dir=None)


def cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def describe(graph, component: list[str]) -> str:
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph.find_modules_directly_imported_by(a))
             if b in component]
    return "\n  ".join(edges)


def test_the_cycle_finder_finds_a_cycle():
    class Toy:
        modules = {"a", "b", "c", "d"}
        imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

        def find_modules_directly_imported_by(self, module):
            return self.imports[module]

    assert cycles(Toy()) == [["a", "b", "c"]]


def test_no_import_cycles(graph):
    found = cycles(graph)
    assert not found, "import cycles:\n  " + "\n\n  ".join(describe(graph, c) for c in found)


VIEWS = re.compile(r"^app\.[a-z_]+\.views(\.|$)")
WEB = re.compile(r"^app\.web(\.|$)")


def layer(module: str) -> str:
    if module == "app":
        return "factory"  # create_app mounts every feature's views
    if VIEWS.match(module) or WEB.match(module):
        return "views"
    name = module.rsplit(".", 1)[-1]
    return {"models": "models", "operations": "operations"}.get(name, "below views")


def feature(module: str) -> str:
    return module.split(".")[1]


def test_nothing_imports_up_the_layers(graph):
    """Views sit on top: only views (and the factory) import views or app.web; models never
    import operations; a feature's views never import another feature's views."""
    wrong = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            upper, lower = layer(importer), layer(imported)
            if lower == "views" and upper not in ("views", "factory"):
                wrong.append(f"{importer} -> {imported} (below the views, imports a view)")
            elif upper == lower == "views" and VIEWS.match(importer) and VIEWS.match(imported) \
                    and feature(importer) != feature(imported):
                wrong.append(f"{importer} -> {imported} (another feature's views)")
            elif upper == "models" and lower == "operations":
                wrong.append(f"{importer} -> {imported} (a model imports operations)")
    assert not wrong, "\n".join(wrong)


def test_every_route_lives_in_its_features_views(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        module = app.view_functions[rule.endpoint].__module__
        assert VIEWS.match(module), f"{rule.rule} is served from {module}, not a views module"
        blueprint = rule.endpoint.split(".")[0]
        assert feature(module) == blueprint, f"{rule.endpoint} is served from {module}"


def test_a_template_helper_registered_twice_fails_at_start_up():
    registry = Registry()
    registry.add(lambda role: role, "role_label")
    with pytest.raises(DuplicateHelper, match="role_label"):
        registry.add(lambda role: role.title(), "role_label")
    clashing = Registry()
    clashing.add(lambda: "", "url_for")
    with pytest.raises(DuplicateHelper, match="url_for"):
        clashing.install(Flask(__name__))


def test_staff_roles_are_shown_in_the_readers_language(client, app, make_user, login):
    """Agenda's "role_label" (facilitator, speaker) used to replace the staff accounts' one, so
    the account pages showed "admin"/"trainer" untranslated in every language."""
    admin = make_user(role="admin", name="Admin Person")
    make_user(role="trainer", name="Trainer Person")
    login(admin)
    with app.test_request_context("/?lang=vi"):
        from flask_babel import gettext
        admin_vi, trainer_vi = gettext("Admin"), gettext("Trainer")
    assert (admin_vi, trainer_vi) == ("Quản trị viên", "Giảng viên")
    page = client.get("/manage/users/?lang=vi").get_data(as_text=True)
    assert f"<td>{trainer_vi}</td>" in page and f"<td>{admin_vi}</td>" in page
    assert "<td>trainer</td>" not in page and "<td>admin</td>" not in page
    account = client.get("/manage/account?lang=vi").get_data(as_text=True)
    assert admin_vi in account
