"""The library surface: connect, select namespaces, migrate, create and navigate."""
import datetime
import uuid

import peewee
import pytest

import powernode
from powernode.ddl import foreign_keys, rails_foreign_key_name, table_statements
from powernode.errors import DatabaseUnavailable, DeclarationError, UnknownNamespace
from powernode.introspect import snapshot
from powernode.schema_items import ForeignKey
from powernode.schema_ops import add_foreign_keys, execute
from powernode.uuid7 import is_uuid7



def test_core_only_account_gets_a_uuidv7(core_rows):
    account = powernode.models["Account"].create(name="Acme")
    assert isinstance(account.id, uuid.UUID) and is_uuid7(account.id)
    stored = powernode.models["Account"].get_by_id(account.id)
    assert stored.name == "Acme" and stored.status == "active"


def test_selection_limits_the_models_mapping(core_rows):
    assert core_rows.namespaces == ("core",)
    assert "User" in powernode.models
    with pytest.raises(KeyError, match="Ai::Agent"):
        powernode.models["Ai::Agent"]
    assert len(powernode.models) == 64


def test_unknown_name_suggests_near_ones(core_rows):
    with pytest.raises(KeyError, match="did you mean.*Account"):
        powernode.models["Acount"]


def test_unknown_namespace_lists_the_installed_ones(database_url):
    with pytest.raises(UnknownNamespace, match="'nope'.*installed: core"):
        powernode.connect(database_url, namespaces=["nope"])


def test_missing_database_is_a_clear_error(server):
    with pytest.raises(DatabaseUnavailable, match="pn_missing_db"):
        powernode.connect(server.url("pn_missing_db"), namespaces=[])


def test_user_belongs_to_account_both_ways(core_rows):
    Account, User = powernode.models["Account"], powernode.models["User"]
    acme = Account.create(name="Acme")
    ada = User.create(account=acme, email="ada@acme.test", name="Ada", password_digest="x")
    assert User.get_by_id(ada.id).account == acme
    assert ada.account_id == acme.id
    assert [u.email for u in acme.users] == ["ada@acme.test"]


def test_timestamps_are_set_on_insert_and_touched_on_save(core_rows):
    Account = powernode.models["Account"]
    account = Account.create(name="Acme")
    created, first_update = account.created_at, account.updated_at
    assert isinstance(created, datetime.datetime) and created.tzinfo is None
    account.name = "Acme 2"
    account.save()
    reloaded = Account.get_by_id(account.id)
    assert reloaded.created_at == created and reloaded.updated_at > first_update


def test_bulk_update_touches_updated_at(core_rows):
    Account = powernode.models["Account"]
    account = Account.create(name="Acme")
    Account.update(name="Acme 3").where(Account.id == account.id).execute()
    assert Account.get_by_id(account.id).updated_at > account.updated_at


def test_json_defaults_are_never_shared(core_rows):
    Account = powernode.models["Account"]
    first, second = Account(name="a"), Account(name="b")
    first.settings["theme"] = "dark"
    assert second.settings == {}


def test_json_default_must_be_callable():
    with pytest.raises(TypeError, match="callable"):
        powernode.fields.JSONBField(default={})


def test_soft_delete(core_rows):
    class Note(powernode.Discardable, powernode.PowernodeModel):
        account = powernode.Reference("Account", column_name="account_id")
        body = powernode.fields.TextField()
        discarded_at = powernode.fields.TimestampField(precision=6, null=True)

        class Meta:
            table_name = "test_notes"
            rails_name = "Test::Note"

    with powernode.registry.temporary(Note):  # resolve its reference as a plugin's model would be
        Note.bind(core_rows)
        core_rows.create_tables([Note])
        account = powernode.models["Account"].create(name="Acme")
        kept, gone = Note.create(account=account, body="a"), Note.create(account=account, body="b")
        assert gone.discard() and gone.is_discarded and not gone.discard()
        assert [n.body for n in Note.kept()] == ["a"] and [n.body for n in Note.discarded()] == ["b"]
        assert gone.undiscard() and Note.discarded().count() == 0 and not kept.is_discarded


def test_reference_target_without_separator_is_refused_at_registration():
    class Broken(powernode.PowernodeModel):  # declaring alone discovers no plugins
        provider = powernode.Reference("AiProvider", column_name="ai_provider_id")

        class Meta:
            table_name = "brokens"
            rails_name = "Broken"

    with pytest.raises(DeclarationError, match="write 'Ai::Provider'"):
        powernode.registry.register(Broken, "core")
    assert "Broken" not in powernode.models


def test_reference_column_must_end_in_id():
    with pytest.raises(DeclarationError, match="_id"):
        powernode.Reference("Account", column_name="account")


def test_reference_makes_uuid_column_foreign_key_and_one_index(core_rows):
    class Gadget(powernode.PowernodeModel):
        account = powernode.Reference("Account", column_name="account_id", on_delete="cascade")

        class Meta:
            table_name = "gadgets"
            rails_name = "Gadget"

    assert isinstance(Gadget._meta.fields["account"], peewee.ForeignKeyField)
    assert Gadget._meta.fields["account"].field_type == "UUID"
    assert [i.name for i in Gadget._meta.index_specs] == ["index_gadgets_on_account_id"]

    Account = powernode.models["Account"]
    Gadget._meta.fields["account"].resolve(Account)  # what registering the model in a namespace does
    Gadget.bind(core_rows)
    for statement in table_statements(core_rows, Gadget):
        execute(core_rows, statement)
    add_foreign_keys(core_rows, foreign_keys(Gadget))

    catalog = snapshot(core_rows, ["gadgets"])
    assert catalog.columns[("gadgets", "account_id")].type == "uuid"
    assert list(catalog.foreign_keys.values()) == [
        ForeignKey(rails_foreign_key_name("gadgets", "account_id"), "gadgets", "account_id", "accounts", "CASCADE")]
    assert [(index.name, index.columns) for index in catalog.indexes.values()] == [
        ("index_gadgets_on_account_id", ("account_id",))]

    with pytest.raises(peewee.IntegrityError) as orphan, core_rows.atomic():
        Gadget.create(account=uuid.uuid4())
    assert orphan.value.constraint_name == rails_foreign_key_name("gadgets", "account_id")
    acme = Account.create(name="Acme")
    gadget = Gadget.create(account=acme)
    acme.delete_instance()
    assert not Gadget.select().where(Gadget.id == gadget.id).exists()  # ON DELETE CASCADE
