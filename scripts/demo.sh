#!/usr/bin/env bash
# The main job on the sample tree: a throwaway repository holding this project's kv/, tagged v1.0.0,
# then kvctl reading it at the tag. Each step is printed before it runs.
set -euo pipefail
kvctl=$(realpath "${1:-.build/release/kvctl}")
project=$(cd "$(dirname "$0")/.." && pwd)
demo=$(mktemp -d /tmp/kvctl-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

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
step "$kvctl" ls --at v1.0.0 --output json --orphans
printf '\n$ %s export --at v1.0.0 | head -12\n' "$kvctl"
"$kvctl" export --at v1.0.0 | head -12
printf '\n$ %s export --at v1.0.0 | python3 -c "count keys"\n' "$kvctl"
"$kvctl" export --at v1.0.0 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)), "keys ready for consul kv import")'
