#!/usr/bin/env bash
# The nightly job (deploy/systemd/dashboard-nightly.service): back the store up, load the extract, compute
# and audit its public release, publish the public site into a new folder and swap it in by re-pointing one
# link, so nginx never serves half a site; then check readiness (what GET /ready answers). Any failure stops
# the job (exit non-zero) with the old site still served.
#
# Environment (docs/deploy.md), besides the app's own DASHBOARD_DB:
#   DASHBOARD_HOME              the project folder (default /opt/dashboard)
#   DASHBOARD_EXTRACT           the records system's nightly incident extract (CSV, Excel ...)
#   DASHBOARD_EXTRACT_DATASET   its dataset name, the same every night (default: rms)
#   DASHBOARD_EXTRACT_ARGS      further load options, e.g. "--map offense=PRIMARY_TYPE --crs EPSG:3435"
#   DASHBOARD_SITE_ROOT         where sites are published; nginx serves $DASHBOARD_SITE_ROOT/current
#   DASHBOARD_BACKUP_ROOT       where nightly backups go (default: none); the newest 7 are kept
set -euo pipefail

home="${DASHBOARD_HOME:-/opt/dashboard}"
python="${DASHBOARD_PYTHON:-$home/.venv/bin/python}"
site_root="${DASHBOARD_SITE_ROOT:-/var/lib/dashboard/site}"
dataset="${DASHBOARD_EXTRACT_DATASET:-rms}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
cd "$home"

log() { echo "$(date '+%Y-%m-%d %H:%M:%S') dashboard.nightly INFO $*" >&2; }

if [[ -n "${DASHBOARD_BACKUP_ROOT:-}" ]]; then
    "$python" -m lib backup "$DASHBOARD_BACKUP_ROOT/$stamp"
    ls -1d "$DASHBOARD_BACKUP_ROOT"/*/ 2>/dev/null | sort | head -n -7 | xargs -r rm -rf --
fi

published=()  # the site publishes the extract's dataset; with no extract, the public pages' default
if [[ -n "${DASHBOARD_EXTRACT:-}" ]]; then
    # shellcheck disable=SC2086  # the options are words
    "$python" -m lib load incidents "$DASHBOARD_EXTRACT" --dataset "$dataset" ${DASHBOARD_EXTRACT_ARGS:-}
    published=(--dataset "$dataset")
else
    log "no DASHBOARD_EXTRACT: nothing loaded, the site is republished"
fi

# The audited public release for the data now loaded (python -m lib release; without an extract, of every
# dataset): computed where the data changed, read back where not. A failed audit stops the job here.
"$python" -m lib release "${published[@]}"

mkdir -p "$site_root/releases"
release="$site_root/releases/$stamp"
"$python" -m lib publish --out "$release" "${published[@]}"
# The swap: a new link renamed over the old one is atomic; nginx follows it on the next request.
ln -sfn "releases/$stamp" "$site_root/current.new"
mv -T "$site_root/current.new" "$site_root/current"
log "site $stamp is current"
# Keep the three newest releases (the current one among them).
ls -1d "$site_root"/releases/*/ | sort | head -n -3 | xargs -r rm -rf --

# Every check of GET /ready (deploy/systemd/dashboard-ready.service), the release of the site's dataset included.
"$python" -m lib ready --site "$site_root/current" --release
