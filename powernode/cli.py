"""`python -m powernode` / `powernode`: migrate, seed, status, rollback, check, lint, makemigration, rls, server.

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
                        help="namespaces to act on (default: all installed; core is always included)")

    commands.add_parser("migrate", parents=[common], help="apply pending migrations")
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
    lint = commands.add_parser("lint", parents=[common], help="audit the database against the platform's conventions")
    lint.add_argument("--json", action="store_true", help="print the findings as JSON")
    make = commands.add_parser("makemigration", parents=[common],
                               help="write a migration for the difference between the models and the database")
    make.add_argument("name", help="what the migration does, e.g. add_widget_color")
    make.add_argument("--directory", help="where to write it (default: the namespace's migrations folder)")
    rls = commands.add_parser("rls", parents=[common], help="row-level security per account: enable, disable, status")
    rls.add_argument("action", choices=["enable", "disable", "status"])
    server = commands.add_parser("server", help="the embedded PostgreSQL: start, stop or show its URL")
    server.add_argument("action", choices=["start", "stop", "url"])
    return parser


def main(argv=None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            raise ConfigurationError(f"no command given: use one of {', '.join(COMMANDS)} "
                                     "(see 'powernode --help')")
        return COMMANDS[args.command](args)
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


def _connect(args, load_models=True):
    import powernode

    namespaces = args.namespace.split(",") if args.namespace else None
    powernode.installed.select(namespaces)  # a bad name fails before any server starts
    url = args.database or os.environ.get("DATABASE_URL")
    if not url:
        url = embedded.start()
        print(f"embedded PostgreSQL at {embedded.data_dir()}; psql '{url}'", file=sys.stderr)
    return powernode.connect(url, namespaces=namespaces, load_models=load_models)


def _migrate(args) -> int:
    from .migrator import migrate

    db = _connect(args, load_models=False)  # migrations carry their own DDL: no model modules needed
    report = migrate(db, raise_on_failure=False)
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
    from .seeding import print_progress, seed

    db = _connect(args)
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
    from .migrator import status

    rows = status(_connect(args, load_models=False))
    for namespace, migration in rows:
        when = migration.applied.strftime("%Y-%m-%d %H:%M:%S") if migration.applied else "pending"
        print(f"{namespace:<16} {migration.name:<40} {when}")
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

    db = _connect(args)
    result = check(db, registry.models_of(db.namespaces))
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        _print_grouped(result.differences, lambda d: ("" if d.blocking else "note: ") + d.describe())
        print(("compatible" if result.compatible else "NOT compatible")
              + f": {sum(d.blocking for d in result.differences)} blocking, "
              + f"{sum(not d.blocking for d in result.differences)} notes ({', '.join(db.namespaces)})")
    return 0 if result.compatible else EXIT_FAILED


def _lint(args) -> int:
    from .lint import lint

    findings = lint(_connect(args))
    if args.json:
        print(json.dumps([f.as_dict() for f in findings], indent=2))
    else:
        _print_grouped(findings, lambda f: f"{f.kind}: {f.column or ''} {f.detail or ''}".rstrip())
        print(f"{len(findings)} findings")
    return EXIT_FAILED if findings else 0


def _makemigration(args) -> int:
    from .makemigration import plan, render
    from .migrator import NamespaceRunner
    from .plugins import installed
    from .registry import registry

    db = _connect(args)
    targets = [ns for ns in db.namespaces if not args.namespace or ns in args.namespace.split(",")]
    written = 0
    for namespace in targets:
        up, down, notes = plan(db, registry.models_of((namespace,)), context=registry.models_of(db.namespaces))
        if not up:
            continue
        directory = args.directory or installed[namespace].migrations_dir
        if directory is None:
            raise ConfigurationError(f"namespace {namespace!r} has no migrations folder: pass --directory")
        runner = NamespaceRunner(db, namespace, directory)
        print(runner.create(args.name, body=render(args.name, up, down, notes)))
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

    db = _connect(args)
    if args.action == "status":
        tables, protected = rls.status(db)
        print(f"row-level security on {protected} of {tables} tables with account_id")
    else:
        count = getattr(rls, args.action)(db)
        print(f"row-level security {args.action}d on {count} tables with account_id")
    return 0


def _server(args) -> int:
    if args.action == "stop":
        print("stopped" if embedded.stop() else f"no embedded server runs at {embedded.data_dir()}")
    else:
        url = embedded.start()
        print(url if args.action == "url" else f"embedded PostgreSQL at {embedded.data_dir()}; psql '{url}'")
    return 0


COMMANDS = {"migrate": _migrate, "seed": _seed, "status": _status, "rollback": _rollback, "check": _check, "lint": _lint,
            "makemigration": _makemigration, "rls": _rls, "server": _server}
