#!/usr/bin/env bash
# The main job on the sample tree: a throwaway repository holding this project's kv/, tagged v1.0.0,
# then kvctl reading it at the tag. Each step is printed before it runs.
set -euo pipefail
kvctl=$(realpath "${1:-.build/release/kvctl}")
project=$(cd "$(dirname "$0")/.." && pwd)
demo=$(mktemp -d /tmp/kvctl-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
step() { say "$@"; "$@"; }

cp -R "$project/kv" "$project/schemas" "$demo/"
[ -f "$project/kvctl.yaml" ] && cp "$project/kvctl.yaml" "$demo/"
cd "$demo"
git init -q -b main
git -c user.name="kvctl demo" -c user.email=demo@example.com commit -q --allow-empty -m "empty start"
git add -A
git -c user.name="kvctl demo" -c user.email=demo@example.com commit -q -m "sample configuration"
git -c user.name="kvctl demo" -c user.email=demo@example.com tag -a v1.0.0 -m "v1.0.0"
echo "demo repository: $demo (sample tree from $project/kv, tagged v1.0.0)"

step "$kvctl" ls --at v1.0.0
step "$kvctl" get config/checkout-api/http/port --at v1.0.0
echo
step "$kvctl" ls --at v1.0.0 --orphans
say "$kvctl" export --at v1.0.0 "> export.json"
"$kvctl" export --at v1.0.0 > export.json
head -12 export.json
python3 -c 'import json,sys; print("...", len(json.load(open("export.json"))), "keys ready for consul kv import")'
