"""A third-party namespace, installed as a distribution with an entry point, migrates like a bundled one."""
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import run_cli

PLUGIN = {
    "powernode_demo/__init__.py": '''
        from pathlib import Path
        from powernode import Namespace

        plugin = Namespace("demo", rails_module="Demo", table_prefix="demo_", models="powernode_demo.models",
                           migrations=Path(__file__).parent / "migrations", model_names=("Demo::Widget",))
    ''',
    "powernode_demo/models.py": '''
        from powernode import PowernodeModel, Reference
        from powernode.fields import JSONBField, StringField, TimestampField, utcnow

        class Widget(PowernodeModel):
            account = Reference("Account", column_name="account_id", on_delete="cascade", backref="demo_widgets")
            name = StringField()
            settings = JSONBField(default=dict)
            created_at = TimestampField(precision=6, default=utcnow)
            updated_at = TimestampField(precision=6, default=utcnow)

            class Meta:
                table_name = "demo_widgets"
                rails_name = "Demo::Widget"
    ''',
    "powernode_demo/migrations/0001_widgets.py": '''
        from powernode.ddl import foreign_keys, table_statements
        from powernode.schema_ops import add_foreign_keys, drop_tables, execute

        def up(migrator, db):
            from powernode_demo.models import Widget  # a real plugin would freeze this DDL in the file
            for statement in table_statements(db, Widget):
                execute(db, statement)
            add_foreign_keys(db, foreign_keys(Widget))

        def down(migrator, db):
            drop_tables(db, ["demo_widgets"])
    ''',
    "powernode_demo-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: powernode-demo\nVersion: 0.1\n",
    "powernode_demo-0.1.dist-info/entry_points.txt": "[powernode]\ndemo = powernode_demo:plugin\n",
}

USE = '''
import sys, powernode
db = powernode.connect(sys.argv[1], namespaces=["demo"])
account = powernode.models["Account"].create(name="Acme")
widget = powernode.models["Demo::Widget"].create(account=account, name="w")
print(widget.account.name, [w.name for w in account.demo_widgets], sorted(powernode.installed.names())[:3])
'''


@pytest.fixture
def site(tmp_path):
    for path, text in PLUGIN.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return tmp_path


def test_installed_plugin_migrates_and_its_models_work(site, database_url):
    env = {"PYTHONPATH": str(site)}
    code, out, err = run_cli("migrate", "--database", database_url, "--namespace", "demo", env=env)
    assert code == 0, err
    assert out.splitlines() == ["applied core/0001_core_tables", "applied demo/0001_widgets"]

    result = subprocess.run([sys.executable, "-c", USE, database_url], capture_output=True, text=True,
                            env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Acme ['w'] ['account', 'ai', 'baas']"  # every installed one, optional too


def test_without_the_distribution_the_namespace_is_unknown(database_url):
    code, _, err = run_cli("migrate", "--database", database_url, "--namespace", "demo")
    assert code == 2 and "unknown namespace 'demo'" in err
