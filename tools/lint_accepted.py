"""Rewrite the reviewed list of the platform's convention departures that `powernode lint` accepts.

    python tools/lint_accepted.py          # rewrite powernode/lint_accepted.txt
    python tools/lint_accepted.py --check  # exit 1 if it differs from what a fresh migrate shows

Migrates every namespace into a fresh database on a temporary embedded PostgreSQL 18 and
lists what `lint` finds there. Review the change before committing it: a line added here
is a departure `lint` stops reporting.
"""
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "powernode" / "lint_accepted.txt"


def current() -> str:
    import powernode
    from powernode import embedded
    from powernode.lint import lint, render_accepted

    folder = Path(tempfile.mkdtemp(prefix="pn-lint-"))
    try:
        db = powernode.connect(embedded.start(folder / "pgdata"))
        powernode.migrate(db)
        findings = lint(db, powernode.registry.models_of(db.namespaces))
        db.close()
        return render_accepted(f for f in findings if f.kind != "primary_key_not_uuidv7")
    finally:
        embedded.stop(folder / "pgdata")
        shutil.rmtree(folder, ignore_errors=True)


def main(argv):
    text = current()
    if "--check" in argv:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python tools/lint_accepted.py and review the change")
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
