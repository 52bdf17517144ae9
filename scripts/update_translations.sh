#!/bin/sh
# Refresh the Spanish staff catalogue from the code and compile it.
#   1. extract every _("...") msgid in iticket/ (not the bot's requester texts) and merge it into
#      iticket/locale/es/LC_MESSAGES/iticket.po (existing translations kept, new ones empty);
#   2. translate the empty msgstr entries;
#   3. run this again: it compiles the .po to .mo with msgfmt and fails while any is missing.
set -eu
cd "$(dirname "$0")/.."
PO=iticket/locale/es/LC_MESSAGES/iticket.po
uv run python scripts/i18n_catalogue.py update
msgfmt --check --output-file="${PO%.po}.mo" "$PO"
uv run python scripts/i18n_catalogue.py check
