"""Every namespace: any subset migrates, seed names resolve, key relationships navigate both ways."""
import json

import pytest

import powernode
from factory import make
from platform_schema import REFERENCE_DIR, platform_tables
from powernode.errors import MissingExtension
from powernode.behaviour.associations import HasMany, column, declared_associations
from powernode.registry import ModelsView
from powernode.introspect import snapshot
from powernode.references import Reference

NEEDS_PGVECTOR = {"ai"}
SEED = json.loads((REFERENCE_DIR / "seed-models.json").read_text())


def _selectable(server):
    return [ns for ns in powernode.installed.names()
            if ns != "core" and (server.has_pgvector or ns not in NEEDS_PGVECTOR)]


def test_each_namespace_alone_migrates_with_core(server):
    for namespace in _selectable(server):
        name = server.create_database()
        try:
            db = powernode.connect(server.url(name), namespaces=[namespace])
            report = powernode.migrate(db)
            assert report.applied == {"core": ["0001_core_tables"],
                                      namespace: [f"0001_{namespace}_tables"]}, namespace
            models = powernode.registry.models_of((namespace,))
            tables = snapshot(db).tables
            assert {m._meta.table_name for m in models} <= tables, namespace
            db.close()
        finally:
            server.drop_database(name)


def test_cross_namespace_foreign_keys_appear_when_the_other_side_migrates(database_url, vector_namespaces_ok):
    reference = {t["table"]: t for t in platform_tables()}
    namespace_of = {t["table"]: t["namespace"] for t in reference.values()}
    between = {(t["table"], k["column"]) for t in reference.values() for k in t["foreign_keys"]
               if k["to_table"] in reference
               and {namespace_of[t["table"]], namespace_of[k["to_table"]]} == {"ai", "devops"}}
    assert len(between) >= 10 and {namespace_of[t] for t, _ in between} == {"ai", "devops"}  # both directions

    def keys(db):
        return {(table, fk.column) for (table, _), fk in snapshot(db).foreign_keys.items()}

    db = powernode.connect(database_url, namespaces=["ai"])
    powernode.migrate(db)
    assert not keys(db) & between
    ai_devops_columns = {c for (t, c) in between if namespace_of[t] == "ai"}
    assert ai_devops_columns <= {c for (t, c) in snapshot(db).columns if namespace_of.get(t) == "ai"}

    db = powernode.connect(database_url, namespaces=["ai", "devops"])
    report = powernode.migrate(db)
    assert report.applied == {"core": [], "ai": [], "devops": ["0001_devops_tables"]}
    assert between <= keys(db)


OPTIONAL = {"trading", "marketing", "baas", "business"}  # the platform's optional extensions


def test_all_default_namespaces_together(database_url, vector_namespaces_ok):
    db = powernode.connect(database_url)  # the default selection: every installed namespace but the optional ones
    report = powernode.migrate(db)
    assert set(report.applied) == set(powernode.installed.names()) - OPTIONAL
    assert len(snapshot(db).tables) == len(powernode.registry.models_of(db.namespaces)) + 1  # + history
    extension_tables = {t["table"] for t in platform_tables(OPTIONAL)}
    assert len(extension_tables) == 92 and not extension_tables & snapshot(db).tables


def test_optional_namespaces_are_selected_only_by_name():
    installed = powernode.installed
    assert OPTIONAL <= set(installed.names())
    assert all(installed[name].optional for name in OPTIONAL)
    assert not OPTIONAL & set(installed.select(None)) and not OPTIONAL & set(installed.default_names())
    assert installed.select(["trading"]) == ("core", "trading")
    assert set(installed.select(["ai", "business"])) == {"core", "ai", "business"}
    models = ModelsView(powernode.registry)
    with pytest.raises(KeyError, match="Trading::Order"):
        models["Trading::Order"]  # not selected by default
    models.select(["trading"])
    assert models["Trading::Order"]._meta.table_name == "trading_orders"
    assert models["Account"]._meta.table_name == "accounts"


def test_vector_namespace_on_a_server_without_pgvector_fails_clearly(server, database_url):
    if server.has_pgvector:
        pytest.skip("this server has pgvector; the failure needs one without (PostgreSQL 15 here)")
    db = powernode.connect(database_url, namespaces=["ai", "chat"])
    report = powernode.migrator.migrate(db, raise_on_failure=False)
    assert isinstance(report.failed["ai"], MissingExtension)
    assert "'vector'" in str(report.failed["ai"]) and "pgvector" in str(report.failed["ai"])
    assert report.applied["chat"] == ["0001_chat_tables"]
    assert "ai_agents" not in snapshot(db).tables  # the failed migration left nothing behind
    with pytest.raises(MissingExtension):
        powernode.migrate(db)


def test_every_seed_name_resolves():
    names = [m["model"] for ns in SEED["namespaces"].values() for area in ns["areas"].values() for m in area]
    assert len(names) == 185
    models = ModelsView(powernode.registry)  # the default selection, whatever a test selected last
    for name in names:
        model = models[name]
        assert model._meta.rails_name == powernode.installed.canonical(name)


def test_seed_namespaces_exist_as_plugins():
    assert set(SEED["namespaces"]) <= set(powernode.installed.names())


@pytest.fixture
def everything(every_rows):
    """Every namespace this server can hold (all of them where pgvector is installed)."""
    return every_rows


def _needs(everything, *names):
    missing = [n for n in names if powernode.installed.namespace_of(n) not in everything.namespaces]
    if missing:
        pytest.skip(f"{', '.join(missing)} needs pgvector, which this server lacks")


@pytest.mark.parametrize("first, second", SEED["key_relationships"])
def test_key_relationship_navigates_both_ways(everything, first, second):
    _needs(everything, first, second)
    one, other = powernode.models[first], powernode.models[second]
    for owner, owned in ((one, other), (other, one)):  # "Subscription -> Plan": the key is on the first
        links = [f for f in owned._meta.sorted_fields if isinstance(f, Reference) and f.rel_model is owner]
        if links:
            link = next((f for f in links if not f.null), links[0])
            parent = make(owner)
            child = make(owned, **{link.name: parent})
            assert getattr(owned.get_by_id(child.id), link.name) == parent
            assert [row.id for row in getattr(parent, _way_back(owner, link))] == [child.id]
            return
    # many-to-many through a join model: user.roles / role.users, role.permissions / permission.roles
    forward, backward = _through(one, other), _through(other, one)
    a, b = make(one), make(other)
    links = forward.through_association()
    make(links.target_model, **{column(links.target_model, links.foreign_key).name: a, forward.source: b})
    assert [row.id for row in getattr(a, forward.name)] == [b.id]
    assert [row.id for row in getattr(b, backward.name)] == [a.id]


def _way_back(owner, link):
    """The has_many on `owner` that reads `link`'s rows: the platform's declaration, else the back-reference."""
    declared = [a.name for a in declared_associations(owner)
                if isinstance(a, HasMany) and not a.through and a.target_model is link.model
                and a.foreign_key == link.column_name]
    return declared[0] if declared else link.backref


def _through(model, target):
    """The has_many :through on `model` whose rows are `target`'s."""
    for association in declared_associations(model):
        if isinstance(association, HasMany) and association.through and association.target_model is target:
            return association
    raise AssertionError(f"{model._meta.rails_name} has no way to {target._meta.rails_name}")


def test_nearest_orders_by_cosine_distance_and_checks_the_dimension(everything):
    _needs(everything, "Ai::KnowledgeGraphNode")
    Node = powernode.models["Ai::KnowledgeGraphNode"]
    account = make(powernode.models["Account"])
    axis = [[1.0 if i == k else 0.0 for i in range(1536)] for k in range(3)]
    for k, vector in enumerate(axis):
        make(Node, account=account, embedding=vector, name=f"node{k}")
    probe = [0.9, 0.1] + [0.0] * 1534
    found = list(Node.nearest(probe, k=2).where(Node.account == account))
    assert [n.name for n in found] == ["node0", "node1"] and found[0].distance < found[1].distance
    with pytest.raises(ValueError, match="1536 dimensions, got 3"):
        Node.nearest([1.0, 2.0, 3.0])
    assert Node.select().where(Node.account == account).count() == 3  # the connection is still usable
