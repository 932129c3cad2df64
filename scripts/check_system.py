"""Stop early, with a clear message, when the system libraries WeasyPrint needs are missing."""

import ctypes.util
import sys

if sys.version_info < (3, 11):
    sys.exit("Klantspiegel needs Python 3.11 or newer (found %d.%d)." % sys.version_info[:2])

# harfbuzz-subset: WeasyPrint subsets the fonts it embeds with it (without it, it warns, which the
# test suite treats as an error).
NEEDED = {"pango-1.0": "libpango-1.0-0", "pangoft2-1.0": "libpangoft2-1.0-0", "harfbuzz": "libharfbuzz0b",
          "harfbuzz-subset": "libharfbuzz-subset0"}
missing = [pkg for lib, pkg in NEEDED.items() if ctypes.util.find_library(lib) is None]
if missing:
    sys.exit(
        "WeasyPrint (our PDF renderer) needs system libraries that are missing: "
        + ", ".join(missing)
        + "\nOn Debian/Ubuntu: sudo apt-get install " + " ".join(missing) + " fonts-dejavu-core"
        + "\nOn macOS: brew install pango"
    )
