#!/usr/bin/env bash
# Refreshes the vendored front-end assets in static/vendor from the npm registry at
# pinned versions. Run it after changing a version below, then commit static/vendor.
#
# GOV.UK Frontend is compiled from its Sass here rather than copied as the precompiled
# CSS, because a council service must not use GDS Transport (reserved for GOV.UK):
# we set Arial and leave the font files out.
set -euo pipefail

GOVUK_FRONTEND_VERSION=6.3.0   # matches govuk-frontend-jinja 4.1.0
HTMX_VERSION=2.0.8             # htmx 2: the registry's "latest" is a new major
SASS_VERSION=1.93.2

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-save --no-audit --no-fund \
  "govuk-frontend@${GOVUK_FRONTEND_VERSION}" "htmx.org@${HTMX_VERSION}" "sass@${SASS_VERSION}" >/dev/null

cat > council.scss <<SCSS
@use "govuk-frontend/dist/govuk" with (
  \$govuk-font-family: (arial, sans-serif),
  \$govuk-include-default-font-face: false,
  \$govuk-assets-path: "/static/vendor/govuk-frontend/assets/"
);
SCSS

dest="$root/static/vendor"
rm -rf "$dest"
mkdir -p "$dest/govuk-frontend" "$dest/htmx"
npx sass --no-source-map --style=compressed --load-path=node_modules --quiet-deps \
  council.scss "$dest/govuk-frontend/govuk-frontend.min.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$dest/govuk-frontend/"
# No images or fonts: they are GOV.UK's crown, crest and typeface. The app ships its own
# favicon and footer, so nothing references them.
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/htmx.org/LICENSE "$dest/htmx/" 2>/dev/null || true

cat > "$dest/VERSIONS" <<TXT
govuk-frontend ${GOVUK_FRONTEND_VERSION} (MIT licence, Crown copyright)
htmx.org ${HTMX_VERSION} (Zero-Clause BSD licence)
TXT
echo "Refreshed static/vendor:"; cat "$dest/VERSIONS"
