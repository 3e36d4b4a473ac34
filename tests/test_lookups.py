"""Lookups by primary key: the SQL rendered once per model, tenant() still applied, misses without values."""
import pytest

import powernode


def test_key_lookups_reuse_their_sql_and_keep_the_tenant_boundary(core_db):
    Account, User = powernode.models["Account"], powernode.models["User"]
    a, b = Account.create(name="Acme"), Account.create(name="Beta")
    ada = User.create(account=a, email="ada@a.test", name="Ada", password_digest="x")
    User._meta.__dict__.pop("key_lookups", None)

    assert User.get_by_id(ada.id).email == "ada@a.test"
    assert User.get(User.id == ada.id).name == "Ada"
    assert User.get_by_id(str(ada.id)).id == ada.id                # as peewee: the key's text works too
    assert User.get_by_id(ada.id).account.name == "Acme"           # belongs_to: Account.get(Account.id == ...)
    with powernode.tenant(a):
        assert User.get_by_id(ada.id).id == ada.id
    with powernode.tenant(b):
        with pytest.raises(User.DoesNotExist) as missed:
            User.get_by_id(ada.id)                                 # another account's row: not found
        with pytest.raises(User.DoesNotExist):
            User.get(User.id == ada.id)
    assert str(ada.id) not in str(missed.value) and ada.id.hex not in str(missed.value)
    assert "no User matches the query" in str(missed.value)
    assert len(User._meta.key_lookups) == 2                       # one statement plain, one scoped
    with pytest.raises(powernode.InvalidValue):
        User.get_by_id("not a key")
    assert User.get(User.email == "ada@a.test").id == ada.id      # other lookups: peewee's path
