"""Copy the platform's reference facts into `reference/` and record their checksums.

    python tools/refresh_reference.py PATH/TO/reference

PATH holds a newer export of the same files (the platform's schema, its history,
the behaviour catalog, the encryption vectors, the seed data, the permission
registry, the seed document). They are copied byte for byte; `reference/SHA256SUMS`
lists what was copied, and `tests/test_reference.py` fails if a vendored file is
edited afterwards. The schema being replaced is kept in `history/` (the next upgrade
migrations start from it). Regenerate the code that is built from them next:
`python tools/generate.py` (models, and each namespace's next migration),
`python tools/platform_seeds.py`.
"""
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
FILES = ("powernode-schema.json", "powernode-behaviour.json", "encryption-vectors.json", "seed-data.json",
         "permissions.json", "seed-models.json", "database-schema-seed.txt")


def checksums(folder: Path) -> str:
    """`sha256  relative/path` lines for every vendored file, sorted."""
    lines = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in ("README.md", "SHA256SUMS"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  {path.relative_to(folder).as_posix()}")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) != 1:
        raise SystemExit(__doc__.strip().splitlines()[2].strip())
    source = Path(argv[0])
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise SystemExit(f"refresh_reference: {source} lacks {', '.join(missing)}")
    (REFERENCE / "history").mkdir(exist_ok=True)
    current = REFERENCE / "powernode-schema.json"
    if current.is_file():  # the catalog the migrations were generated at: the next upgrade starts from it
        version = json.loads(current.read_text())["schema_version"]
        kept = REFERENCE / "history" / f"powernode-schema-{version}.json"
        if not kept.exists():
            shutil.copyfile(current, kept)
    for name in FILES:
        shutil.copyfile(source / name, REFERENCE / name)
    for path in sorted((source / "history").glob("powernode-schema-*.json")):
        shutil.copyfile(path, REFERENCE / "history" / path.name)
    (REFERENCE / "SHA256SUMS").write_text(checksums(REFERENCE))
    print(f"copied {len(FILES)} files and the schema history from {source}; wrote reference/SHA256SUMS")


if __name__ == "__main__":
    main(sys.argv[1:])
