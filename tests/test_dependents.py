"""`destroy()` follows every `dependent:` option the platform declares, on real trees of rows.

Generated over the behaviour catalog's 393 options: each is built (owner, target, and for
`destroy` a grandchild under the target's own first option), the owner destroyed, and the rows
left compared with what the option says. Also: the outcomes the declaration order decides, cycles,
refusals that change nothing, and one statement per association level whatever the row count.
"""
import pytest

import peewee
import powernode
from factory import make
from linking import build, catalog_associations, ensure_table, key_of, platform_association, reload, rows_of, use
from powernode.behaviour.associations import HasMany, column
from powernode.behaviour.dependents import dependents_of, restrict_message
from powernode.errors import ValidationError

DEPENDENTS = [(model, a) for model, a in catalog_associations() if a.get("dependent")]
EVERY_MODEL = powernode.registry.models_of(tuple(powernode.installed.default_names()))


@pytest.fixture(scope="module")
def everything(server):
    name = server.copy(server.template(server.selectable))
    db = powernode.connect(server.url(name), namespaces=server.selectable)
    yield db
    db.close()
    server.drop_database(name)


@pytest.fixture
def rows(everything):
    use(everything)
    with everything.atomic() as transaction:
        yield everything
        transaction.rollback()


def test_the_catalog_has_393_options():
    options = [a["dependent"]["symbol"] for _, a in DEPENDENTS]
    assert {option: options.count(option) for option in set(options)} == {
        "destroy": 311, "nullify": 70, "restrict_with_error": 8, "delete_all": 4}


def test_the_options_that_cannot_act_are_listed():
    from test_associations import doc_table

    idle = {(model, a["name"], a["dependent"]["symbol"]) for model, a in DEPENDENTS
            if platform_association(model, a) is None and _table_only(model, a["name"]) is None}
    documented = {tuple(row[:3]) for row in doc_table("`destroy()` and the 393 `dependent:` options")}
    assert idle == documented and len(DEPENDENTS) - len(idle) == 389


@pytest.mark.parametrize("model, a", DEPENDENTS, ids=[f"{m}.{a['name']}" for m, a in DEPENDENTS])
def test_dependent_option_on_a_real_tree(rows, model, a):
    association = platform_association(model, a) or _table_only(model, a["name"])
    if association is None:
        pytest.skip("the platform's own association cannot reach rows here: docs/associations.md")
    _needs_namespaces(rows, association)
    if association.table is not None:
        return _table_only_option(rows, association)
    owner, target = build(association)
    grandchild, child_option = _grandchild(association, target)
    models = {type(owner), type(target)} | ({type(grandchild)} if grandchild is not None else set())
    before = {m: rows_of(m) for m in models}
    option = association.dependent
    target_key_column = column(type(target), association.foreign_key)

    if option == "restrict_with_error":
        with pytest.raises(ValidationError) as refused:
            reload(owner).destroy()
        assert refused.value.errors == {"base": [restrict_message(association)]}
        assert key_of(refused.value.record) == key_of(owner)
        assert {m: rows_of(m) for m in models} == before  # nothing changed
        return
    if option == "nullify" and not target_key_column.null:
        with pytest.raises(peewee.IntegrityError):  # the platform's UPDATE fails the same way
            reload(owner).destroy()
        assert {m: rows_of(m) for m in models} == before
        return

    assert reload(owner).destroy() == 1
    assert key_of(owner) not in rows_of(type(owner))
    if option == "nullify":
        left = reload(target)
        assert left.__data__[target_key_column.name] is None
        if association.foreign_type:
            assert getattr(left, column(type(target), association.foreign_type).name) is None
        return
    assert key_of(target) not in rows_of(type(target))  # destroy and delete_all
    if grandchild is not None:
        _assert_followed(child_option, grandchild)


def test_the_declaration_order_decides_account_destroy(rows):
    """`Account` reaches `ai_providers` before `ai_agents`: a provider that still has agents refuses."""
    Account, Provider, Agent = (powernode.registry.get(n) for n in ("Account", "Ai::Provider", "Ai::Agent"))
    _needs_namespaces(rows, Account.ai_providers)
    account = make(Account)
    provider = make(Provider, account=account)
    agent = make(Agent, account=account, provider=provider)
    user = make(powernode.models["User"], account=account)
    tables = [Account, Provider, Agent, powernode.models["User"]]
    before = {m: rows_of(m) for m in tables}
    with pytest.raises(ValidationError) as refused:
        account.destroy()
    assert refused.value.errors == {"base": ["Cannot delete record because dependent agents exist"]}
    assert refused.value.record == provider
    assert {m: rows_of(m) for m in tables} == before  # users (declared first) were destroyed, then rolled back

    agent.destroy()  # without the agent, the providers go, and the account
    assert account.destroy() == 1
    assert {key_of(provider), key_of(user), key_of(account)}.isdisjoint(
        rows_of(Provider) | rows_of(powernode.models["User"]) | rows_of(Account))


@pytest.mark.parametrize("owner_name, child_name, restrict_name", [
    pytest.param(m._meta.rails_name, c.name, r.name, id=f"{m._meta.rails_name}.{c.name}.{r.name}")
    for m in EVERY_MODEL
    for c in dependents_of(m) if c.dependent == "destroy" and c.table is None
    for r in dependents_of(c.target_model) if r.dependent == "restrict_with_error"])
def test_a_restrict_under_a_destroy_refuses_unless_an_earlier_option_removed_its_rows(
        rows, owner_name, child_name, restrict_name):
    owner_model = powernode.registry.get(owner_name)
    child_association = getattr(owner_model, child_name)
    _needs_namespaces(rows, child_association)
    restrict = getattr(child_association.target_model, restrict_name)
    _needs_namespaces(rows, restrict)
    owner, child = build(child_association)
    _, grandchild = build(restrict, owner=child)
    options = dependents_of(owner_model)
    # the owner's own association to the grandchild's rows, declared before or after the child's
    direct = next((d for d in options if d.table is None and not d.through and d.target_model is restrict.target_model),
                  None)
    if direct is not None:
        type(grandchild).update({column(type(grandchild), direct.foreign_key): owner.get_id()}).where(
            type(grandchild)._meta.primary_key == grandchild.get_id()).execute()
    earlier = direct is not None and options.index(direct) < options.index(child_association)
    if earlier:
        assert reload(owner).destroy() == 1
    else:
        with pytest.raises(ValidationError) as refused:
            reload(owner).destroy()
        assert refused.value.errors == {"base": [restrict_message(restrict)]}
        assert key_of(refused.value.record) == key_of(child)
        assert key_of(owner) in rows_of(owner_model)


SELF_DESTROYING = [(m._meta.rails_name, a.name) for m in EVERY_MODEL
                   for a in dependents_of(m) if a.dependent == "destroy" and a.table is None and a.target_model is m]


@pytest.mark.parametrize("model_name, name", SELF_DESTROYING, ids=[f"{m}.{n}" for m, n in SELF_DESTROYING])
def test_a_tree_of_one_model_goes_depth_first_and_a_cycle_ends(rows, model_name, name):
    association = getattr(powernode.registry.get(model_name), name)
    _needs_namespaces(rows, association)
    root, child = build(association)
    _, grandchild = build(association, owner=child)
    key = column(association.model, association.foreign_key)
    if key.null:  # close a cycle: the root hangs under its own grandchild
        type(root).update({key: grandchild.get_id()}).where(type(root)._meta.primary_key == root.get_id()).execute()
    assert reload(root).destroy() == 1
    assert rows_of(association.model).isdisjoint({key_of(root), key_of(child), key_of(grandchild)})


def _first_destroyed_collection(model):
    return next((a.name for a in dependents_of(model) if a.dependent == "destroy" and a.table is None and a.collection),
                None)


OWNERS = sorted((m._meta.rails_name, _first_destroyed_collection(m))
                for m in EVERY_MODEL if _first_destroyed_collection(m))


@pytest.mark.parametrize("model_name, name", OWNERS, ids=[f"{m}.{n}" for m, n in OWNERS])
def test_statements_do_not_grow_with_the_rows(rows, model_name, name):
    """Set-based: destroying an owner with three children issues as many statements as with one."""
    association = getattr(powernode.registry.get(model_name), name)
    _needs_namespaces(rows, association)
    counts = []
    for children in (1, 3):
        owner, _ = build(association)
        for _ in range(children - 1):
            build(association, owner=owner)
        with counting(rows) as issued:
            reload(owner).destroy()
        counts.append(issued[0])
    assert counts[0] == counts[1]


def test_destroy_all_is_one_transaction(rows):
    Account, Storage = powernode.models["Account"], powernode.models["FileManagement::Storage"]
    free, blocked = make(Account), make(Account)
    make(powernode.models["FileManagement::Object"], storage=make(Storage, account=blocked))  # a storage refuses
    both = Account.select().where(Account.id.in_([free.id, blocked.id]))
    with pytest.raises(ValidationError):
        Account.destroy_all(both)
    assert both.count() == 2  # the free one was rolled back with the refusal
    assert Account.destroy_all(Account.select().where(Account.id == free.id)) == 1


def test_delete_instance_keeps_peewee_meaning(rows):
    Account, User = powernode.models["Account"], powernode.models["User"]
    account = make(Account)
    make(User, account=account)
    with pytest.raises(peewee.IntegrityError):  # users.account_id has no ON DELETE: the database refuses
        with rows.atomic():
            account.delete_instance()
    assert account.destroy() == 1 and account.users.count() == 0


def test_habtm_join_rows_go_with_the_row(rows):
    Skill = powernode.registry.get("Ai::Skill")
    _needs_namespaces(rows, Skill.mcp_servers)
    skill, server = build(Skill.mcp_servers)
    assert [row.id for row in skill.mcp_servers] == [server.id]
    skill.destroy()
    assert rows.execute_sql("SELECT count(*) FROM ai_skills_mcp_servers").fetchone()[0] == 0
    assert key_of(server) in rows_of(type(server))


def _table_only(model, name):
    found = getattr(powernode.registry.get(model), name, None)
    return found if isinstance(found, HasMany) and found.table is not None else None


def _table_only_option(rows, association):
    """An option on a table this package has no model for (the doorkeeper gem's): its rows go."""
    ensure_table(association.table)
    owner = make(association.model)
    columns = [c for c in _table_columns(association.table) if c["name"] == association.foreign_key or not c["null"]]
    values = {c["name"]: owner.get_id() if c["name"] == association.foreign_key else _filler(c) for c in columns}
    table = peewee.Table(association.table)
    table.insert({peewee.Column(table, k): v for k, v in values.items()}).execute(rows)
    assert owner.destroy() == 1
    assert rows.execute_sql(f'SELECT count(*) FROM "{association.table}"').fetchone()[0] == 0


def _table_columns(table):
    from linking import SCHEMA

    return SCHEMA[table]["columns"]


def _filler(column_):
    import datetime
    import uuid

    sql_type = column_["sql_type"]
    if sql_type == "uuid":
        return uuid.uuid4()
    if sql_type.startswith("timestamp"):
        return datetime.datetime(2026, 1, 1)
    if sql_type in ("integer", "bigint"):
        return 1
    return f"v_{column_['name']}"


def _grandchild(association, target):
    """For `destroy`: a row under the target through the target's own first option (not a refusal)."""
    if association.dependent != "destroy":
        return None, None
    for child_option in dependents_of(type(target)):
        if child_option.table is not None or child_option.dependent == "restrict_with_error":
            continue
        if child_option.target_model._meta.database is None:
            continue
        if child_option.dependent == "nullify" and not column(child_option.target_model,
                                                              child_option.foreign_key).null:
            continue
        _, grandchild = build(child_option, owner=target)
        return grandchild, child_option
    return None, None


def _assert_followed(option, grandchild):
    if option.dependent in ("destroy", "delete_all"):
        assert key_of(grandchild) not in rows_of(type(grandchild))
    else:
        assert reload(grandchild).__data__[column(type(grandchild), option.foreign_key).name] is None


def _needs_namespaces(db, association):
    models = [association.model] + ([] if association.table else [association.target_model])
    missing = {m._meta.namespace for m in models} - set(db.namespaces)
    if missing:
        pytest.skip(f"needs the {', '.join(sorted(missing))} namespace, which needs pgvector (this server lacks it)")


class counting:
    """Counts the statements a database runs inside a `with` block: `with counting(db) as issued`."""

    def __init__(self, database):
        self.database, self.issued = database, [0]

    def __enter__(self):
        original = self.original = self.database.execute_sql

        def execute_sql(sql, params=None, *args, **kwargs):
            self.issued[0] += 1
            return original(sql, params, *args, **kwargs)

        self.database.execute_sql = execute_sql
        return self.issued

    def __exit__(self, *exc):
        del self.database.execute_sql


def test_a_row_without_an_id_cannot_be_destroyed_alone(rows):
    UserRole = powernode.models["UserRole"]
    link = make(UserRole)
    with pytest.raises(powernode.DeclarationError, match=r"^UserRole has no primary key .*: use UserRole.delete\(\)$"):
        link.destroy()
