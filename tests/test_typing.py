"""mypy --strict (and pyright) on small programs that use the models: the generated stubs give every attribute its type.

The packages are laid out as an install would lay them (site-packages folders named `powernode`
and `powernode_plugins`, in a throwaway environment), so mypy reads them as a user's program
does: through py.typed and the .pyi stubs, with errors inside the package not reported.
"""
import ast
import json
import re
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GOOD = '''
from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from typing_extensions import assert_type

import powernode
from powernode.behaviour.money import Money
from powernode.core.models import Account, Invoice, Role, User
from powernode.typed import Column, Expression, Query
from powernode_plugins.ai.models import Agent, KnowledgeGraphNode


def users_of(account: Account) -> list[str]:
    return [user.email for user in account.users.where(User.status == "active")]


def check(user: User, agent: Agent, invoice: Invoice) -> None:
    assert_type(user.email, str)
    assert_type(user.locked_until, datetime | None)
    assert_type(user.failed_login_attempts, int)
    assert_type(user.id, UUID)
    assert_type(user.account, Account)
    assert_type(user.account_id, UUID)
    assert_type(agent.account, Account)
    assert_type(user.status, Literal["active", "inactive", "suspended"])
    assert_type(invoice.subtotal, Money | None)
    user.failed_login_attempts = 3
    user.locked_until = None
    user.account = agent.account
    user.account = agent.account_id
    user.password = "correct horse"
    assert_type(user.authenticate("correct horse"), User | Literal[False])
    assert_type(User.email, Column[str])
    assert_type(User.email == "ada@acme.test", Expression)
    query = User.select().where((User.email == "x") & (User.failed_login_attempts > 2) | User.locked_until.is_null())
    assert_type(query, Query[User])
    assert_type(User.active(), Query[User])
    assert_type(Invoice.overdue(Invoice.select()).first(), Invoice | None)
    assert_type(invoice.may_finalize(), bool)
    for role in user.roles:
        assert_type(role, Role)
    assert_type(User.get_or_none(User.email == "x"), User | None)
    assert_type(User.create(email="x", account=user.account, password="correct horse", status="active"), User)
    assert_type(User(email="x", account_id=user.account_id, locked_until=None), User)
    assert_type(KnowledgeGraphNode.nearest([0.0] * 1536, k=3), Query[KnowledgeGraphNode])
    assert_type(user.validate(), dict[str, list[str]])
    total: Decimal = invoice.subtotal.amount if invoice.subtotal else Decimal(0)
    dynamic = powernode.models["Ai::Agent"]   # the dynamic mapping stays usable (untyped)
    print(total, dynamic)
'''

BAD = '''
from powernode.core.models import User
from powernode_plugins.ai.models import Agent


def check(user: User, agent: Agent) -> None:
    print(user.emial)
    user.failed_login_attempts = "x"
    count: int = user.locked_until
    user.status = "actve"
    user.account = agent
    name: int = agent.account.name
    for role in user.roles:
        print(role.nmae)
    User.active(Agent.select())
    User.create(emial="ada@acme.test")
    User(failed_login_attempts="3")
'''

# (line in BAD, part of mypy's message)
EXPECTED = [
    (6, '"User" has no attribute "emial"; maybe "email"?'),
    (7, 'Incompatible types in assignment (expression has type "str", variable has type "int")'),
    (8, 'Incompatible types in assignment (expression has type "datetime | None", variable has type "int")'),
    (9, 'Incompatible types in assignment (expression has type "Literal[\'actve\']", variable has type '
         '"Literal[\'active\', \'inactive\', \'suspended\']")'),
    (10, 'Incompatible types in assignment (expression has type "Agent", variable has type "Account | UUID")'),
    (11, 'Incompatible types in assignment (expression has type "str", variable has type "int")'),
    (13, '"Role" has no attribute "nmae"'),
    (14, 'Argument 1 to "active" of "User" has incompatible type "Query[Agent]"; expected "Query[User] | None"'),
    (15, 'Unexpected keyword argument "emial" for "create" of "User"'),
    (16, 'Argument "failed_login_attempts" to "User" has incompatible type "str"; expected "int"'),
]


@pytest.fixture(scope="module")
def checker(tmp_path_factory):
    """mypy --strict with this checkout installed as a site-packages would hold it."""
    base = tmp_path_factory.mktemp("typing")
    env = base / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    packages = next((env / "lib").glob("python3*/site-packages"))
    (packages / "powernode").symlink_to(ROOT / "powernode")
    (packages / "powernode_plugins").symlink_to(ROOT / "plugins")
    (packages / "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")  # peewee, typing_extensions
    python = env / "bin" / "python"

    def check(name, source, tool="mypy"):
        program = base / f"{name}.py"
        program.write_text(textwrap.dedent(source).lstrip("\n"))
        if tool == "pyright":
            command = [sys.executable, "-m", "pyright", "--pythonpath", str(python), "--outputjson", str(program)]
        else:
            command = [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(python), "--cache-dir",
                       str(base / "cache"), "--no-error-summary", "--show-error-codes", str(program)]
        result = subprocess.run(command, capture_output=True, text=True, cwd=base)
        return result.returncode, result.stdout + result.stderr

    return check


def test_a_typed_program_using_the_models_passes_strict(checker):
    code, output = checker("good", GOOD)
    assert code == 0, output


def every_models_module():
    """A typed program naming one model from every models module, by its module and its namespace's path."""
    import powernode

    modules = {}
    for namespace in powernode.installed.names():
        for model in powernode.registry.models_of((namespace,)):
            modules.setdefault(model.__module__, []).append(model.__name__)
    lines = ["from typing_extensions import assert_type"]
    for number, (module, names) in enumerate(sorted(modules.items())):
        name = min(names)
        paths = [module] + ([module.rsplit(".", 1)[0]] if not module.endswith(".models") else [])
        for path in paths:  # an area module, and the namespace's models package that re-exports it
            alias = f"M{number}{'p' if path != module else ''}"
            lines += [f"from {path} import {name} as {alias}",
                      f"assert_type({alias}.select().first(), {alias} | None)"]
    return len(modules), "\n".join(lines) + "\n"


def test_every_namespace_models_module_is_typed(checker):
    count, program = every_models_module()
    assert count >= 40
    code, output = checker("every_module", program)
    assert code == 0, output


def test_mistakes_on_the_models_are_errors(checker):
    code, output = checker("bad", BAD)
    assert code == 1, output
    errors = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^bad\.py:(\d+): error: (.*)$", output, re.M)]
    for line, message in EXPECTED:
        assert any(at == line and message in text for at, text in errors), f"line {line}: {message}\n{output}"
    assert len(errors) == len(EXPECTED), output


def test_pyright_reads_the_same_types(checker):
    code, output = checker("good", GOOD, tool="pyright")
    assert code == 0 and json.loads(output)["summary"]["errorCount"] == 0, output
    code, output = checker("bad", BAD, tool="pyright")
    errors = [d for d in json.loads(output)["generalDiagnostics"] if d["severity"] == "error"]
    assert sorted(d["range"]["start"]["line"] + 1 for d in errors) == [line for line, _ in EXPECTED], output
    assert "emial" in errors[0]["message"] and '"Literal[\'x\']" is not assignable to "int"' in errors[1]["message"]


def test_the_base_stub_declares_every_public_attribute_of_the_base_classes():
    from powernode.model import Discardable, PowernodeModel, VectorSearch

    tree = ast.parse((ROOT / "powernode" / "model.pyi").read_text())
    declared = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            functions = (ast.FunctionDef, ast.AsyncFunctionDef)
            declared[node.name] = {item.name if isinstance(item, functions) else item.target.id
                                   for item in node.body if isinstance(item, (*functions, ast.AnnAssign))}
    for cls in (PowernodeModel, Discardable, VectorSearch):
        public = {name for name in dir(cls) if not name.startswith("_")} - set(dir(object))
        assert public - declared[cls.__name__] == set(), f"declare these in powernode/model.pyi ({cls.__name__})"


def test_stubs_and_py_typed_are_packaged():
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    data = config["options.package_data"]
    assert "py.typed" in data["powernode"] and "*.pyi" in data["powernode"] and "core/*.pyi" in data["powernode"]
    assert "py.typed" in data["powernode_plugins"] and "*/models/*.pyi" in data["powernode_plugins"]
    for models in [ROOT / "powernode/core/models.py", *ROOT.glob("plugins/*/models.py"),
                   *ROOT.glob("plugins/*/models/*.py")]:
        if models.name != "__init__.py":
            assert models.with_suffix(".pyi").exists(), f"{models} has no stub: run tools/generate.py"
