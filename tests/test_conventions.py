"""The platform's foreign-key conventions, over every registered model and over the package's own API."""
import subprocess
import sys
from pathlib import Path

import peewee
from hypothesis import given, settings, strategies as st

import powernode
from powernode.references import Reference

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.deviations import deviations  # noqa: E402


def all_models():
    registry = powernode.registry
    return registry.models_of(powernode.installed.names())


def references(model):
    return [f for f in model._meta.sorted_fields if isinstance(f, Reference)]


def test_every_reference_is_a_uuid_resolvable_by_its_rails_name():
    count = 0
    for model in all_models():
        for field in references(model):
            count += 1
            assert field.field_type == "UUID", (model, field.name)
            assert isinstance(field, Reference), f"{model._meta.rails_name}.{field.name} -> {field.target}"
            assert powernode.registry.get(field.target) is field.rel_model
            assert field.column_name.endswith("_id")
    assert count >= 904


def test_every_reference_foreign_key_is_a_reference_field():
    from platform_schema import platform_tables

    tables = {t["table"]: t for t in platform_tables(powernode.installed.names())}  # the extensions' too
    by_table = {m._meta.table_name: m for m in all_models()}
    checked = 0
    for table in tables.values():
        for key in table["foreign_keys"]:
            field = by_table[table["table"]]._meta.columns[key["column"]]
            assert isinstance(field, Reference) and field.enforced, (table["table"], key)
            assert field.rel_model._meta.table_name == key["to_table"]
            checked += 1
    assert checked == 904  # every foreign key of the reference


def test_reference_deviations_are_the_reviewed_list():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "deviations.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_reviewed_list_counts_what_the_reference_readme_counts():
    found = deviations(all_models())
    assert len(found["reference_without_leading_index"]) == 18
    # the platform's join tables created with id: false (ai_skills_mcp_servers is the business extension's)
    assert found["table_without_primary_key"] == ["ai_skills_mcp_servers", "role_permissions", "user_roles",
                                                  "worker_roles"]


TARGETS = ["Account", "User", "Ai::Agent", "Ai::Provider", "Devops::Pipeline", "SupplyChain::Sbom"]
PREFIX = {"Ai": "ai_", "Devops": "devops_"}

words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10)


@settings(max_examples=60, deadline=None)
@given(table=words, target=st.sampled_from(TARGETS), role=st.one_of(st.none(), words),
       unique=st.booleans(), on_delete=st.sampled_from([None, "cascade", "nullify", "restrict"]))
def test_references_declared_through_the_api_follow_the_conventions(table, target, role, unique, on_delete):
    module, _, name = target.rpartition("::")
    column = PREFIX.get(module, "") + (role or peewee.make_snake_case(name)) + "_id"
    attrs = {
        "owner": Reference(target, column_name=column, unique=unique, on_delete=on_delete, null=True),
        "Meta": type("Meta", (), {"table_name": f"t_{table}", "rails_name": f"Probe::{table.title()}"}),
    }
    model = type(f"Probe{table.title()}", (powernode.PowernodeModel,), attrs)
    powernode.registry.get(target)  # load the target's namespace
    with powernode.registry.temporary(model):
        field = model._meta.fields["owner"]
        assert isinstance(field, Reference) and field.rel_model is powernode.registry.get(target)
        assert all(not items for items in deviations([model]).values())
        (spec,) = model._meta.index_specs
        assert spec.columns == [column] and spec.unique == unique
