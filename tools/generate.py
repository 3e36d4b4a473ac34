"""Generate the model modules, plugin objects and migrations from the reference (see tools/generator)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.generator import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
