"""`python -m powernode` / `powernode`: migrate, seed, status, rollback, check, lint, makemigration, rls,
distribute, server.

Every failure is one line on stderr and a non-zero exit: 1 when the command
ran and failed, 2 for usage, configuration and connection errors.
"""
import argparse
import json
import os
import sys

import peewee

from . import embedded
from .errors import ConfigurationError, DatabaseUnavailable, DeclarationError, PowernodeError

EXIT_FAILED, EXIT_USAGE = 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ConfigurationError(f"{message} (see 'powernode --help')")


def _parser():
    parser = _Parser(prog="powernode", description="The Powernode data model on PostgreSQL.")
    commands = parser.add_subparsers(dest="command", metavar="command", parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--database", metavar="URL",
                        help="postgresql:// URL (default: $DATABASE_URL, else the embedded server)")
    common.add_argument("--namespace", metavar="A,B",
                        help="namespaces to act on (default: all installed but the optional ones; "
                             "core is always included)")

    migrate = commands.add_parser("migrate", parents=[common], help="apply pending migrations")
    migrate.add_argument("--allow-destructive", action="store_true",
                         help="let upgrades drop tables and columns that hold data, narrow types, delete rows "
                              "a new NOT NULL refuses (refused otherwise, naming what they would destroy)")
    commands.add_parser("status", parents=[common], help="list migrations per namespace")
    seed = commands.add_parser("seed", parents=[common], help="upsert the platform's reference data and verify it")
    seed.add_argument("--supplementary", action="store_true",
                      help="also the reference data the platform ships but its db:seed does not load")
    seed.add_argument("--demo", action="store_true", help="also the platform's development tenant")
    rollback = commands.add_parser("rollback", parents=[common], help="revert the last migration")
    rollback.add_argument("--to", metavar="NAME", help="revert every migration applied after NAME")
    check = commands.add_parser("check", parents=[common],
                                help="compare the database with the models (exit 1 when it cannot serve them)")
    check.add_argument("--json", action="store_true", help="print the differences as JSON")
    lint = commands.add_parser("lint", parents=[common], help="audit the database against the platform's conventions "
                               "(exit 1 on a departure the reviewed list does not accept)")
    lint.add_argument("--json", action="store_true", help="print the findings as JSON")
    lint.add_argument("--accepted", metavar="FILE",
                      help="the reviewed departures to accept (default: the platform's, bundled)")
    lint.add_argument("--strict", action="store_true", help="accept nothing: report every departure")
    make = commands.add_parser("makemigration", parents=[common],
                               help="write a migration for the difference between the models and the database")
    make.add_argument("name", help="what the migration does, e.g. add_widget_color")
    make.add_argument("--directory", help="where to write it (default: the namespace's migrations folder)")
    rls = commands.add_parser("rls", parents=[common], help="row-level security per account: enable, disable, status")
    rls.add_argument("action", choices=["enable", "disable", "status"])
    distribute = commands.add_parser("distribute", parents=[common], help="plan a Citus distribution by account_id")
    distribute.add_argument("--plan", action="store_true", help="print the DDL and what Citus would refuse")
    distribute.add_argument("--catalog", action="store_true", help="read the live database, not the models")
    distribute.add_argument("--json", action="store_true", help="print the plan as JSON")
    server = commands.add_parser("server", help="the embedded PostgreSQL: start, stop or show its URL")
    server.add_argument("action", choices=["start", "stop", "url"])
    server.add_argument("--replicas", type=int, metavar="N", help="with start: also N streaming standbys")
    return parser


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            raise ConfigurationError(f"no command given: use one of {', '.join(COMMANDS)} "
                                     "(see 'powernode --help')")
        code = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's shutdown
        return code
    except BrokenPipeError:  # `powernode status | head -1`: the reader left; what ran is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return _fail("the output was closed before everything was written (broken pipe)", EXIT_FAILED)
    except (ConfigurationError, DatabaseUnavailable, DeclarationError) as exc:
        return _fail(exc, EXIT_USAGE)
    except PowernodeError as exc:
        return _fail(exc, EXIT_FAILED)
    except peewee.PeeweeException as exc:  # the database refused something: its first line says what
        return _fail(f"database error: {str(exc).strip().splitlines()[0]}", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_FAILED)


def _fail(message, code) -> int:
    print(f"powernode: error: {message}", file=sys.stderr)
    return code


def _selected(args):
    """The --namespace names, or None for the default selection (all installed but the optional ones)."""
    if args.namespace is None:
        return None
    names = [name.strip() for name in args.namespace.split(",")]
    if not all(names):
        raise ConfigurationError(f"--namespace {args.namespace!r} has an empty name: give names separated by "
                                 "commas, e.g. --namespace ai,devops (core is always included)")
    return names


def _connect(args, load_models=True):
    import powernode

    namespaces = _selected(args)
    powernode.installed.select(namespaces)  # a bad name fails before any server starts
    url = args.database or os.environ.get("DATABASE_URL")
    if not url:
        url = embedded.start()
        print(f"embedded PostgreSQL at {embedded.data_dir()}; psql '{url}'", file=sys.stderr)
    return powernode.connect(url, namespaces=namespaces, load_models=load_models)


def _migrate(args) -> int:
    from .migrator import migrate

    db = _connect(args, load_models=False)  # migrations carry their own DDL: no model modules needed
    report = migrate(db, raise_on_failure=False, allow_destructive=args.allow_destructive)
    for namespace, names in report.applied.items():
        for name in names:
            print(f"applied {namespace}/{name}")
    if not any(report.applied.values()) and report.ok:
        print(f"up to date ({', '.join(db.namespaces)})")
    for namespace, reason in report.skipped.items():
        print(f"powernode: skipped {namespace}: {reason}", file=sys.stderr)
    for error in report.failed.values():
        _fail(error, EXIT_FAILED)
    return 0 if report.ok else EXIT_FAILED


def _seed(args) -> int:
    from .migrator import unmigrated
    from .seeding import print_progress, seed

    db = _connect(args)
    pending = unmigrated(db)
    if "core" in pending:
        raise ConfigurationError("the database is not migrated: run `powernode migrate` first")
    if pending:
        print(f"powernode: skipped the seeds of {', '.join(pending)}: not migrated (see `powernode status`)",
              file=sys.stderr)
        db.namespaces = tuple(ns for ns in db.namespaces if ns not in pending)
    report = seed(db, supplementary=args.supplementary, demo=args.demo, progress=print_progress)
    for table in report.tables:
        changes = ", ".join(f"{count} {what}" for what, count in
                            (("new", table.inserted), ("updated", table.updated), ("removed", table.deleted)) if count)
        print(f"{table.section:<13} {table.model:<34} {table.rows:>6} rows{'  (' + changes + ')' if changes else ''}")
    for warning in report.warnings:
        print(f"warning: {warning}")
    failed = [name for name, ok in report.checks.items() if not ok]
    print(f"verified {len(report.checks) - len(failed)}/{len(report.checks)} checks; "
          f"{report.changed} rows changed ({', '.join(db.namespaces)})")
    if failed:
        return _fail(f"seed verification failed: {'; '.join(failed)}", EXIT_FAILED)
    return 0


def _status(args) -> int:
    from .migrator import file_version, recorded_versions, status

    db = _connect(args, load_models=False)
    rows, recorded, at = status(db), recorded_versions(db), {}
    for namespace, migration in rows:
        version = recorded.get((namespace, migration.name)) or file_version(migration.path) or "-"
        when = migration.applied.strftime("%Y-%m-%d %H:%M:%S") if migration.applied else "pending"
        print(f"{namespace:<16} {migration.name:<40} {version:<15} {when}")
        if migration.applied:
            at[namespace] = version
    versions = sorted(set(at.values()))
    if not versions:
        print("schema version: none (nothing migrated)")
    elif len(versions) == 1:
        print(f"schema version: {versions[0]}")
    else:  # namespaces upgraded separately
        print("schema versions: " + ", ".join(f"{ns} {v}" for ns, v in at.items()))
    return 0


def _rollback(args) -> int:
    from .migrator import rollback

    reverted = rollback(_connect(args, load_models=False), to=args.to)
    for name in reverted:
        print(f"reverted {name}")
    if not reverted:
        print("nothing to roll back")
    return 0


def _check(args) -> int:
    from .registry import registry
    from .schema_check import check
    from .value_check import value_notes

    db = _connect(args)
    models = registry.models_of(db.namespaces)
    result = check(db, models)
    result.differences += value_notes(db, models)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        _print_grouped(result.differences, lambda d: ("" if d.blocking else "note: ") + d.describe())
        print(("compatible" if result.compatible else "NOT compatible")
              + f": {sum(d.blocking for d in result.differences)} blocking, "
              + f"{sum(not d.blocking for d in result.differences)} notes ({', '.join(db.namespaces)})")
    return 0 if result.compatible else EXIT_FAILED


def _lint(args) -> int:
    from .lint import accepted, lint
    from .registry import registry

    reviewed = frozenset() if args.strict else accepted(args.accepted)
    db = _connect(args)
    findings = lint(db, registry.models_of(db.namespaces))
    new = [f for f in findings if f not in reviewed]
    if args.json:
        print(json.dumps([dict(f.as_dict(), accepted=f in reviewed) for f in findings], indent=2))
    else:
        _print_grouped(new, lambda f: f"{f.kind}: {f.column or ''} {f.detail or ''}".rstrip())
        print(f"{len(findings)} findings: {len(findings) - len(new)} on the reviewed list, {len(new)} new")
    return EXIT_FAILED if new else 0


def _makemigration(args) -> int:
    from .makemigration import plan, render
    from .migrator import NamespaceRunner
    from .plugins import installed
    from .registry import registry

    db = _connect(args)
    targets = db.namespaces  # what `check` compares: the selection, core and dependencies included
    written = 0
    for namespace in targets:
        up, down, notes = plan(db, registry.models_of((namespace,)), context=registry.models_of(db.namespaces))
        if not up:
            continue
        directory = args.directory or installed[namespace].migrations_dir
        if directory is None:
            raise ConfigurationError(f"namespace {namespace!r} has no migrations folder: pass --directory")
        runner = NamespaceRunner(db, namespace, directory)
        try:
            print(runner.create(args.name, body=render(args.name, up, down, notes)))
        except OSError as exc:
            raise ConfigurationError(f"cannot write the {namespace} migration into {directory} ({exc.strerror}): "
                                     "pass --directory with a folder you can write") from None
        written += 1
    if not written:
        print("the database matches the models: nothing to write")
    return 0


def _print_grouped(items, describe):
    table = None
    for item in sorted(items, key=lambda i: i.table):
        if item.table != table:
            table = item.table
            print(table)
        print(f"  {describe(item)}")


def _rls(args) -> int:
    from . import rls
    from .plugins import installed
    from .registry import registry
    from .signing import key_from

    db = _connect(args)
    models = registry.models_of(installed.names())  # ownership is judged over every installed model
    if args.action == "enable":
        changed = rls.enable(db, key=key_from(required=False), models=models)
        print(f"row-level security enabled; policies written on {changed} tables")
        return _print_rls_status(rls.status(db, models), per_table=False)
    if args.action == "disable":
        print(f"row-level security disabled on {rls.disable(db)} tables")
        return 0
    return _print_rls_status(rls.status(db, models))


def _print_rls_status(states, per_table=True) -> int:
    """One line per table, then the counts; exit 1 while an account-owned table is unprotected."""
    for state in states if per_table else ():
        print(f"{state.table:<44} {state.state:<12} {state.detail}")
    counts = {kind: sum(state.state == kind for state in states) for kind in ("protected", "global", "unprotected")}
    print(", ".join(f"{count} {kind}" for kind, count in counts.items()))
    if counts["unprotected"]:
        return _fail(f"{counts['unprotected']} account-owned tables have no row-level security: "
                     "run `powernode rls enable`", EXIT_FAILED)
    return 0


def _server(args) -> int:
    from . import standbys

    if args.replicas is not None and args.action != "start":
        raise ConfigurationError("--replicas goes with 'server start'")
    if args.action == "stop":
        for path in standbys.stop():
            print(f"stopped standby {path.name.rsplit('-', 1)[1]}")
        print(f"stopped the embedded PostgreSQL at {embedded.data_dir()}" if embedded.stop()
              else f"no embedded server runs at {embedded.data_dir()}")
    elif args.action == "url":
        print("\n".join([embedded.start(), *standbys.urls()]))
    else:
        url = embedded.start()
        print(f"embedded PostgreSQL at {embedded.data_dir()}; psql '{url}'")
        replica_urls = standbys.start(args.replicas or 0)
        for number, replica_url in enumerate(replica_urls, 1):
            print(f"standby {number} at {standbys.standby_dir(number)}; psql '{replica_url}'")
        if replica_urls:
            print(f"export POWERNODE_REPLICA_URLS='{','.join(replica_urls)}'")
    return 0


def _distribute(args) -> int:
    from .citus import command

    return command(args, _connect, _selected(args))


COMMANDS = {"migrate": _migrate, "seed": _seed, "status": _status, "rollback": _rollback, "check": _check, "lint": _lint,
            "makemigration": _makemigration, "rls": _rls, "distribute": _distribute, "server": _server}
