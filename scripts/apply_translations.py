"""Fill Dutch msgstrs from a Python file defining ``NL = {msgid: msgstr}`` (a translator's aid).

Usage: python scripts/apply_translations.py path/to/nl_strings.py
Only empty entries are filled; existing translations are kept.
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

PO = "maturity/translations/nl/LC_MESSAGES/messages.po"

table = runpy.run_path(sys.argv[1])["NL"]
with open(PO, "rb") as fh:
    catalog = read_po(fh, locale="nl")
catalog.fuzzy = False  # a header left fuzzy by `pybabel update` would make compile skip the file
catalog.project, catalog.version = "Klantspiegel", "1"
catalog.language_team = "Klantspiegel <nl>"
catalog.last_translator = "Klantspiegel"
filled = 0
for message in catalog:
    if not message.id:
        continue
    empty = not message.string or (isinstance(message.string, tuple) and not all(message.string))
    if empty and message.id in table:
        message.string = table[message.id]
        message.flags.discard("fuzzy")
        filled += 1
with open(PO, "wb") as fh:
    write_po(fh, catalog, width=0, omit_header=False, sort_output=True)
missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
print(f"filled {filled}; still untranslated: {len(missing)}")
for m in missing:
    print("  ", repr(m))
