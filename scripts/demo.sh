#!/usr/bin/env bash
# The whole story on the sample tree, in a throwaway repository holding this project's kv/: validate,
# release, publish, change, release, publish, read back, status, drift, roll back. Publishing goes to
# the local store .kvctl/ (no Consul needed). Each step is printed before it runs.
set -euo pipefail
kvctl=$(realpath "${1:-.build/release/kvctl}")
project=$(cd "$(dirname "$0")/.." && pwd)
demo=$(mktemp -d /tmp/kvctl-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
# Never publish the demo to a Consul the environment happens to name.
unset CONSUL_HTTP_ADDR

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
say() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
step() { say "$@"; "$@"; }

# The folder's name is the repository's name in the store (no `name:` in kvctl.yaml).
repo="$demo/ecommerce-config"
mkdir "$repo"
cp -R "$project/kv" "$project/schemas" "$repo/"
[ -f "$project/kvctl.yaml" ] && cp "$project/kvctl.yaml" "$repo/"
cd "$repo"
git init -q -b main
git config user.name "kvctl demo"
git config user.email demo@example.com
git add -A
git commit -q -m "sample configuration"
echo "demo repository: $repo (sample tree from $project/kv)"

step "$kvctl" validate
step "$kvctl" release --yes -m "The sample platform's first release."
step "$kvctl" ls --at v1.0.0
step "$kvctl" get config/checkout-api/http/port --at v1.0.0
echo
step "$kvctl" ls --at v1.0.0 --orphans
say "$kvctl" export --at v1.0.0 "> export.json"
"$kvctl" export --at v1.0.0 > export.json
python3 -c 'import json; print(len(json.load(open("export.json"))), "keys ready for consul kv import")'
rm export.json

step "$kvctl" publish v1.0.0 --yes

say "change: payments retries 5 times, and the default-currency key goes"
python3 - <<'PY'
from pathlib import Path
path = Path("kv/services/payments.yaml")
text = path.read_text()
text = text.replace("max-attempts\n    value: 3", "max-attempts\n    value: 5")
text = text.replace("  - key: config/payments/currency/default\n    value: 'EUR'\n", "")
path.write_text(text)
PY
step git commit -q -am "payments: 5 attempts, no default currency"
step "$kvctl" diff v1.0.0 --at HEAD
step "$kvctl" release --yes
step "$kvctl" publish v2.0.0 --plan
step "$kvctl" publish v2.0.0 --yes
step "$kvctl" publish v2.0.0 --plan --detailed-exitcode

say "$kvctl" export --live "> live.json" "&&" "$kvctl" export --at v2.0.0 "> tagged.json"
"$kvctl" export --live > live.json
"$kvctl" export --at v2.0.0 > tagged.json
python3 - <<'PY'
import json
live, tagged = json.load(open("live.json")), json.load(open("tagged.json"))
same = [(i["key"], i["value"]) for i in live] == [(i["key"], i["value"]) for i in tagged]
print(f"export --live {'equals' if same else 'DIFFERS FROM'} export --at v2.0.0: {len(live)} keys "
      "(flags carry the version each key last changed in)")
PY

step "$kvctl" versions
step "$kvctl" status

say "someone edits a key by hand, outside kvctl"
python3 - <<'PY2'
import base64, json
path = ".kvctl/store.json"
store = json.load(open(path))
for entry in store["entries"]:
    if entry["key"] == "config/payments/retry/max-attempts":
        entry["value"] = base64.b64encode(b"9").decode()
        entry["modify"] = store["index"] = store["index"] + 1
open(path, "w").write(json.dumps(store))
PY2
say "$kvctl" status "# exits 3: drift"
status=0
"$kvctl" status || status=$?
echo "(exit status $status)"
say "$kvctl" rollback --yes "# refused: it would overwrite the hand edit"
"$kvctl" rollback --yes || echo "(refused, exit status $?)"
step "$kvctl" rollback --plan
step "$kvctl" rollback --yes --force
step "$kvctl" status
