"""The vendored facts are the platform's, unedited: each file matches the checksum it was copied with."""
import hashlib

from platform_schema import REFERENCE_DIR


def test_every_vendored_file_matches_its_recorded_checksum():
    recorded = {}
    for line in (REFERENCE_DIR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        recorded[name] = digest
    present = {path.relative_to(REFERENCE_DIR).as_posix(): path for path in REFERENCE_DIR.rglob("*")
               if path.is_file() and path.name not in ("README.md", "SHA256SUMS")}
    assert set(present) == set(recorded), "run tools/refresh_reference.py to record added or removed files"
    changed = [name for name, path in present.items()
               if hashlib.sha256(path.read_bytes()).hexdigest() != recorded[name]]
    assert changed == [], f"vendored facts were edited in place: {changed}"
