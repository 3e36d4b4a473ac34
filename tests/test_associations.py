"""Every association the platform declares navigates by its Rails name, with real rows, both ways.

Generated over the behaviour catalog: each of its 1,232 associations is either navigable (and then
built with real rows and read, its inverse too where one exists) or listed in docs/associations.md
with the reason it cannot be.
"""
import collections
import re
from pathlib import Path

import pytest

import powernode
from conftest import SUMMARY
from factory import make
from linking import (BEHAVIOUR, build, use, by_foreign_key, catalog_associations, inverses, key_of, kind,
                     platform_association, reload, stored_classes)
from powernode.behaviour.associations import BelongsTo, HasAndBelongsToMany, HasMany
from powernode.errors import ConfigurationError, DeclarationError
from powernode.references import Reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "associations.md"
ASSOCIATIONS = catalog_associations()
IDS = [f"{model}.{a['name']}" for model, a in ASSOCIATIONS]
MACROS = ("belongs_to", "has_many", "has_one", "has_and_belongs_to_many")


@pytest.fixture(scope="module")
def everything(server):
    """One database with every namespace this server holds, for the whole module (each test rolls back)."""
    name = server.copy(server.template(server.selectable))
    db = powernode.connect(server.url(name), namespaces=server.selectable)
    yield db
    db.close()
    server.drop_database(name)


@pytest.fixture
def rows(everything):
    use(everything)  # a test that connected elsewhere may have bound the models to its database
    with everything.atomic() as transaction:
        yield everything
        transaction.rollback()


def test_every_platform_association_is_navigable_or_listed():
    listed = {tuple(row[:2]) for row in doc_table("Not navigable")}
    navigable, totals = collections.Counter(), collections.Counter()
    for model, a in ASSOCIATIONS:
        found = platform_association(model, a)
        assert (found is None) == ((model, a["name"]) in listed), f"{model}.{a['name']}"
        for group in {a["macro"], kind(a)}:
            totals[group] += 1
            navigable[group] += found is not None
    assert len(ASSOCIATIONS) == 1232
    SUMMARY.append(f"associations navigable: {sum(navigable[m] for m in MACROS)}/1232 (" + ", ".join(
        f"{group} {navigable[group]}/{totals[group]}" for group in (*MACROS, "through", "polymorphic")) + ")")


def test_the_foreign_key_stands_in_for_classes_the_platform_does_not_define():
    found = {(model, a["name"], a["resolved_class"], platform_association(model, a).target)
             for model, a in ASSOCIATIONS if by_foreign_key(model, a)}
    assert found == {tuple(row) for row in doc_table("Navigable by the schema's foreign key")}


def test_scoped_associations_are_listed_and_marked():
    scoped = {(model, a["name"], a["resolved_class"], (a.get("dependent") or {}).get("symbol", ""))
              for model, a in ASSOCIATIONS if a.get("scope")}
    assert scoped == {tuple(row) for row in doc_table("Scopes the catalog cannot show")}
    for model, a in ASSOCIATIONS:
        found = platform_association(model, a)
        if a.get("scope") and found is not None:
            assert found.platform_scope, f"{model}.{a['name']}"


def test_back_reference_names_taken_on_their_target_are_listed():
    models = powernode.registry.models_of(tuple(powernode.installed.default_names()))
    renamed = {(f.rel_model._meta.rails_name, f.backref, f"{m._meta.table_name}.{f.column_name}")
               for m in models for f in m._meta.sorted_fields
               if isinstance(f, Reference) and f.backref not in ("+", "!", m._meta.table_name)}
    assert renamed == {tuple(row[:3]) for row in doc_table("Naming")}


def test_a_reference_on_a_platform_belongs_to_key_has_its_name():
    for model, a in ASSOCIATIONS:
        generated = powernode.registry.get(model)
        if a["macro"] != "belongs_to" or a.get("polymorphic") or generated is None:
            continue
        field = generated._meta.columns.get(a["resolved_foreign_key"])
        if isinstance(field, Reference):
            assert field.name == a["name"], f"{model}.{a['name']}"


def test_the_platforms_destroy_callbacks_are_listed():
    grouped = collections.defaultdict(list)
    for model, entry in sorted(BEHAVIOUR.items()):
        for callback in entry["callbacks"].get("listed", []):
            if callback["chain"] == "destroy":
                where = callback["defined_at"].split(":")[0].removeprefix("server/app/models/")
                grouped[(callback["kind"], callback["method"], where)].append(model)
    documented = {(row[0], row[1].strip("`"), row[2].strip("`")): re.findall(r"`([^`]+)`", row[3])
                  for row in doc_table("Destroy callbacks that are platform code", raw=True)}
    assert documented == dict(grouped)


@pytest.mark.parametrize("model, a", ASSOCIATIONS, ids=IDS)
def test_association_navigates_with_real_rows(server, rows, model, a):
    association = platform_association(model, a)
    if association is None:
        pytest.skip("not navigable: docs/associations.md says why")
    _needs_namespaces(association)
    if getattr(association, "polymorphic", False):
        for stored in stored_classes(association):
            owner, target = build(association, stored=stored)
            assert key_of(getattr(reload(owner), a["name"])) == key_of(target)
            assert type(getattr(reload(owner), a["name"])) is stored
        return
    owner, target = build(association)
    owner = reload(owner)
    found = getattr(owner, a["name"])
    if association.collection:
        assert [key_of(row) for row in found] == [key_of(target)]
        if found.model._meta.primary_key:  # a query: it composes
            assert found.where(found.model._meta.primary_key != target.get_id()).count() == 0
    else:
        assert not hasattr(found, "where"), "a single association reads a row, not a query"
        assert key_of(found) == key_of(target)
    for name in inverses(association):
        back = getattr(reload(target), name)
        back_rows = list(back) if hasattr(back, "where") else [back]
        assert key_of(owner) in [key_of(row) for row in back_rows], f"inverse {name}"


def test_the_factory_builds_a_row_of_every_model_with_its_parents(rows):
    for name in powernode.models:
        with rows.atomic() as each:
            row = make(powernode.models[name])
            assert key_of(row) in {key_of(found) for found in type(row).select()}, name
            each.rollback()


def test_a_polymorphic_has_many_reads_only_rows_of_its_type(rows):
    Page, File = powernode.models["Page"], powernode.models["FileManagement::Object"]
    page = make(Page)
    mine = make(File, attachable_id=page.id, attachable_type="Page")
    make(File, attachable_id=page.id, attachable_type="SupplyChain::Sbom")  # same id, another class
    assert [row.id for row in page.file_objects] == [mine.id]
    assert reload(mine).attachable == page


def test_a_has_many_composes_with_where_and_with_tenant(rows):
    Account, User = powernode.models["Account"], powernode.models["User"]
    acme, other = make(Account), make(Account)
    ada, grace = make(User, account=acme), make(User, account=acme)
    assert acme.users.where(User.id == grace.id).count() == 1
    assert sorted(u.id for u in acme.users) == sorted([ada.id, grace.id])
    with powernode.tenant(other):
        assert acme.users.count() == 0  # the tenant boundary applies to association reads too
    with powernode.tenant(acme):
        assert acme.users.count() == 2


def test_has_one_is_a_row_or_none(rows):
    Attestation = powernode.models["SupplyChain::Attestation"]
    attestation = make(Attestation)
    assert attestation.build_provenance is None
    provenance = make(powernode.models["SupplyChain::BuildProvenance"], attestation=attestation)
    assert attestation.build_provenance == provenance


def test_a_polymorphic_belongs_to_refuses_an_unknown_class_in_one_line(rows):
    File = powernode.models["FileManagement::Object"]
    row = make(File, attachable_id=make(powernode.models["Account"]).id, attachable_type="Nowhere::Thing")
    with pytest.raises(DeclarationError, match=r"names 'Nowhere::Thing', which no installed namespace defines$"):
        reload(row).attachable
    row.attachable = None
    assert (row.attachable_id, row.attachable_type) == (None, None)


def test_a_has_and_belongs_to_many_needs_the_platform_join_table(rows):
    Skill = powernode.registry.get("Ai::Skill")
    _needs_namespaces(Skill.mcp_servers)
    skill = make(Skill)
    assert rows.execute_sql("SELECT to_regclass('ai_skills_mcp_servers')").fetchone()[0] is None  # not ours to build
    with pytest.raises(ConfigurationError, match="reads the join table ai_skills_mcp_servers, which this database"):
        skill.mcp_servers


def test_an_association_into_a_namespace_not_selected_says_so(migrated):
    db = migrated([])
    Account = powernode.models["Account"]
    account = make(Account)
    with pytest.raises(ConfigurationError) as raised:
        account.ai_agents
    assert str(raised.value) == ("Account.ai_agents reads Ai::Agent, whose namespace (ai) this connection did "
                                 "not select: add it to connect(namespaces=...)")
    db.close()


def test_a_table_without_a_model_here_says_so(rows):
    application = make(powernode.models["OauthApplication"])
    with pytest.raises(ConfigurationError) as raised:
        application.access_tokens
    assert str(raised.value) == ("OauthApplication.access_tokens reads Doorkeeper::AccessToken (table "
                                 "oauth_access_tokens), which this package has no model for; query that table directly")


def test_associations_are_read_only(rows):
    account = make(powernode.models["Account"])
    with pytest.raises(AttributeError, match="read-only"):
        account.users = []


def test_generated_declarations_follow_the_platform_order():
    for model in powernode.registry.models_of(tuple(powernode.installed.default_names())):
        declared = [a.name for a in vars(model).values() if isinstance(a, (HasMany, BelongsTo, HasAndBelongsToMany))
                    and not a.derived]
        entry = {a["name"]: a["declared_index"] for owner, a in ASSOCIATIONS if owner == model._meta.rails_name}
        assert [entry[name] for name in declared] == sorted(entry[name] for name in declared), model


def doc_table(section, raw=False):
    """The rows of the table in a section of docs/associations.md, cells stripped of backticks unless raw."""
    text = DOC.read_text().split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split(" | ") for line in text.splitlines() if line.startswith("| ")]
    rows = [[cell.strip() for cell in row] for row in rows[1:]]  # without the header
    return rows if raw else [[cell.strip("`") for cell in row] for row in rows]


def _needs_namespaces(association):
    """Skip (saying why) when the association reaches a namespace this server cannot hold."""
    db = powernode.current_database()
    models = [association.model]
    if isinstance(association, HasMany) and association.through:
        models += [association.through_association().target_model, association.source_association().model]
    if not getattr(association, "polymorphic", False):
        models.append(association.target_model)
    missing = {m._meta.namespace for m in models} - set(db.namespaces)
    if missing:
        pytest.skip(f"needs the {', '.join(sorted(missing))} namespace, which needs pgvector (this server lacks it)")

