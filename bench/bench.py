#!/usr/bin/env python3
"""kvctl benchmarks: build synthetic repositories, time whole commands, print figures (never assert)."""
import argparse, base64, http.client, json, math, os, re, shutil, statistics, subprocess, sys, tempfile, time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
# The previous run's figures, printed beside this run's (`now / last`); rewritten at the end of a run
# and committed, so a fresh clone compares against the last recorded run.
LAST_RUN = HERE / "last-run.json"
LAST = json.loads(LAST_RUN.read_text()) if LAST_RUN.exists() else {}
NOW = {}


def figure(key, value):
    """Records a figure of this run; returns the last run's value of it (None when there is none)."""
    NOW[key] = value
    return LAST.get("figures", {}).get(key)


def now_last(value, last, digits=1):
    text = lambda v: "-" if v is None else (f"{v:.{digits}f}" if isinstance(v, float) else str(v))
    return f"{text(value)} / {text(last)}"


def save_run():
    figures = dict(LAST.get("figures", {}), **NOW)
    LAST_RUN.write_text(json.dumps({"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cores": os.cpu_count(),
                                    "figures": figures}, indent=1, sort_keys=True) + "\n")


GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=GIT_ENV, stdout=subprocess.DEVNULL)


def commit_and_tag(repo, message):
    """Turns a generated folder into a repository whose one commit is tagged v1.0.0."""
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    git(repo, "tag", "-a", "v1.0.0", "-m", "v1.0.0")
    return repo


def service_manifests(repo, file_entry, manifests=500, keys_per_manifest=20, files_per_manifest=2):
    """500 manifests of 20 keys under kv/service-NNN/; the first two keys of each are files that
    `file_entry(folder, m, k)` writes, returning (key, path relative to the manifest)."""
    for m in range(manifests):
        folder = repo / "kv" / f"service-{m:03d}"
        folder.mkdir(parents=True)
        lines = [f"# settings of service {m}", "config:"]
        for k in range(keys_per_manifest):
            if k < files_per_manifest:
                key, name = file_entry(folder, m, k)
                lines += [f"  - key: {key}", f"    file: {name}"]
            else:
                lines += [f"  - key: config/service-{m:03d}/setting-{k:02d}   # tuned {m}", f"    value: {m * 100 + k}"]
        (folder / "settings.yaml").write_text("\n".join(lines) + "\n")


def synthetic_repo():
    """10,000 keys in 500 manifests, 1,000 of them read from files, tagged v1.0.0."""
    repo = WORK / "repo-500x20"
    if (repo / ".git").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)

    def blob(folder, m, k):
        (folder / "files").mkdir(exist_ok=True)
        (folder / f"files/blob-{k}.json").write_text('{"service": %d, "item": %d, "payload": "%s"}\n' % (m, k, "x" * 900))
        return f"config/service-{m:03d}/setting-{k:02d}", f"files/blob-{k}.json"

    service_manifests(repo, blob)
    return commit_and_tag(repo, "synthetic tree")


def measure(command, runs, prepare=None):
    """Best and median wall time (ms) and peak RSS (MB) of a command run `runs` times after one warm-up."""
    times, peaks = [], []
    for attempt in range(runs + 1):
        if prepare:
            prepare()
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   shell=isinstance(command, str))
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = (time.perf_counter() - start) * 1000
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"bench: command failed: {command}")
        if attempt:  # the first run warms the page cache
            times.append(elapsed)
            peaks.append(usage.ru_maxrss / 1024)
    return min(times), statistics.median(times), max(peaks)


def table(title, rows):
    print(f"\n{title} — {os.cpu_count()} cores (last run: {LAST.get('cores', '?')} cores, {LAST.get('date', 'none recorded')})")
    print(f"  {'command':<44} {'best ms now / last':>20} {'median ms':>10} {'peak MB now / last':>20}")
    section = title.split(":")[0]
    for name, (best, median, peak) in rows:
        last_best, last_peak = figure(f"{section}/{name}/best ms", round(best, 1)), figure(f"{section}/{name}/peak MB", round(peak, 1))
        print(f"  {name:<44} {now_last(best, last_best):>20} {median:>10.1f} {now_last(peak, last_peak):>20}")


def bench_ls(kvctl, runs):
    repo = synthetic_repo()
    out = Path(tempfile.mkdtemp(prefix="kvctl-bench-"))

    def fresh_dir():
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()

    rows = [
        ("kvctl ls --at v1.0.0", measure([kvctl, "ls", "-C", str(repo), "--at", "v1.0.0"], runs)),
        ("kvctl ls --staged", measure([kvctl, "ls", "-C", str(repo), "--staged"], runs)),
        ("git archive v1.0.0 | tar -x",
         measure(f"git -C {repo} archive v1.0.0 | tar -x -C {out}", runs, prepare=fresh_dir)),
    ]
    shutil.rmtree(out, ignore_errors=True)
    table("ls: 10,000 keys in 500 manifests, 1,000 referenced files, one tag", rows)
    at, staged, archive = (row[1] for row in rows)
    print(f"  ratio kvctl ls --at / git archive:   {at[0] / archive[0]:.2f}x best, {at[1] / archive[1]:.2f}x median (target <= 1.0x)")
    print(f"  ratio kvctl ls --staged / git archive: {staged[0] / archive[0]:.2f}x best, {staged[1] / archive[1]:.2f}x median")
    print(f"  peak memory kvctl ls --at: {at[2]:.1f} MB (target <= 150 MB)")


class Double:
    """The consul-double executable on a free port; its URL is the first line it prints."""

    def __init__(self, executable, *arguments):
        self.process = subprocess.Popen([executable, *arguments], stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            sys.exit(f"bench: consul-double printed {self.url!r} instead of its URL")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait()


TEMPLATES = 50


def add_templates(repo):
    """v1.1.0: v1.0.0 plus 50 consul-template templates, each reading one service's tree and one key of
    another service (21 keys), then v1.1.1 with exactly one value changed."""
    tags = subprocess.run(["git", "-C", str(repo), "tag"], capture_output=True, text=True, check=True).stdout.split()
    if "v1.1.1" in tags:
        return
    folder = repo / "kv" / "templates"
    folder.mkdir(exist_ok=True)
    lines = ["config:"]
    for i in range(TEMPLATES):
        (folder / f"service-{i:03d}.ctmpl").write_text(
            f'{{{{ range tree "config/service-{i:03d}/" }}}}{{{{ .Key }}}}={{{{ .Value }}}}\n{{{{ end }}}}'
            f'peer={{{{ key "config/service-{250 + i:03d}/setting-05" }}}}\n')
        lines += [f"  - key: config/templates/service-{i:03d}.ctmpl", f"    file: service-{i:03d}.ctmpl"]
    (folder / "templates.yaml").write_text("\n".join(lines) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "templates")
    git(repo, "tag", "-a", "v1.1.0", "-m", "v1.1.0")
    manifest = repo / "kv" / "service-000" / "settings.yaml"
    manifest.write_text(manifest.read_text().replace("value: 5\n", "value: 55\n", 1))
    git(repo, "commit", "-qam", "one key changed")
    git(repo, "tag", "-a", "v1.1.1", "-m", "v1.1.1")


def templates_repo():
    """The synthetic repository with the templates' tags, in a copy, so the extra tags never change
    what the ls benchmark reads."""
    repo = WORK / "repo-publish-templates"
    if not (repo / ".git").exists():
        shutil.copytree(synthetic_repo(), repo, symlinks=True)
    add_templates(repo)
    return repo


def consul_index(url):
    """The KV store's X-Consul-Index (as Consul's for the empty prefix): it moves with every KV write (a
    lock, a transaction), not with a session's creation, which the request count shows."""
    address = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    connection.request("GET", "/v1/kv/?keys")
    response = connection.getresponse()
    response.read()
    connection.close()
    return int(response.getheader("X-Consul-Index", "0"))


def kvctl_publish(kvctl, repo, url, version):
    """Wall time (ms), HTTP requests, write transactions, writes (index moves) and templates whose read
    set spans transactions, of one `kvctl publish --yes --output json`."""
    index = consul_index(url)
    start = time.perf_counter()
    done = subprocess.run([kvctl, "publish", version, "--yes", "--output", "json", "-C", str(repo), "--consul", url],
                          capture_output=True, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(f"bench: kvctl publish {version} failed:\n{done.stderr}")
    requests = re.search(r"\((\d+) requests?\)", done.stderr)
    transactions = re.search(r"in (\d+) transactions?", done.stderr)
    spanning = len(json.loads(done.stdout).get("spanning", []))
    return (elapsed, int(requests.group(1)) if requests else None, int(transactions.group(1)) if transactions else 0,
            consul_index(url) - index, spanning)


def put_each_key(url, items):
    """What ad-hoc scripts do: one PUT per key (over one kept-alive connection, their best case)."""
    address = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    start = time.perf_counter()
    for item in items:
        connection.request("PUT", "/v1/kv/" + urllib.parse.quote(item["key"]) + f"?flags={item['flags']}",
                           body=base64.b64decode(item["value"]))
        response = connection.getresponse()
        if response.status != 200 or response.read() != b"true":
            sys.exit(f"bench: PUT {item['key']} answered {response.status}")
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    return elapsed, len(items)


def bench_publish(kvctl, runs, double):
    if not double or not Path(double).exists():
        print("\npublish: skipped (no consul-double executable; make bench builds it)")
        return
    repo = templates_repo()
    items = json.loads(subprocess.run([kvctl, "export", "--at", "v1.1.0", "-C", str(repo)], capture_output=True,
                                      check=True).stdout)
    keys = len(items)
    rows = {"full": [], "noop": [], "one": [], "baseline": []}
    for _ in range(max(1, min(runs, 3))):
        with Double(double) as server:
            rows["full"].append(kvctl_publish(kvctl, repo, server.url, "v1.1.0"))
            rows["noop"].append(kvctl_publish(kvctl, repo, server.url, "v1.1.0"))
            rows["one"].append(kvctl_publish(kvctl, repo, server.url, "v1.1.1"))
        with Double(double) as server:
            rows["baseline"].append(put_each_key(server.url, items) + (None, len(items), None))

    print(f"\npublish: {keys:,} keys ({TEMPLATES} of them templates) into the Consul double — {os.cpu_count()} cores, "
          f"best of {len(rows['full'])}; now / last run ({LAST.get('cores', '?')} cores, {LAST.get('date', 'none recorded')})")
    print(f"  {'scenario':<32} {'requests':>13} {'txn':>11} {'writes':>11} {'best ms':>17}  target")
    def line(name, slug, measured, target):
        best = min(m[0] for m in measured)
        _, requests, transactions, writes, _ = measured[0]
        cells = [now_last(value, figure(f"publish/{slug}/{what}", value))
                 for what, value in [("requests", requests), ("transactions", transactions), ("writes", writes)]]
        time_cell = now_last(best, figure(f"publish/{slug}/best ms", round(best, 1)))
        print(f"  {name:<32} {cells[0]:>13} {cells[1]:>11} {cells[2]:>11} {time_cell:>17}  {target}")
    line("kvctl publish, empty store", "full", rows["full"], f"<= {math.ceil(keys / 64) + 3} requests, <= 3000 ms")
    line("kvctl publish, no-op republish", "noop", rows["noop"], "0 writes, <= 2 requests, <= 150 ms")
    line("kvctl publish, one key changed", "one", rows["one"], "exactly 1 write transaction")
    line("per-key PUT baseline (python)", "baseline", rows["baseline"], "")
    spanning = rows["full"][0][4]
    print(f"  templates whose read set spans transactions: {now_last(spanning, figure('publish/full/spanning templates', spanning))}"
          f" of {TEMPLATES} (target 0)")
    full, baseline = min(m[0] for m in rows["full"]), min(m[0] for m in rows["baseline"])
    print(f"  ratio per-key PUT / kvctl publish: {baseline / full:.2f}x wall time, "
          f"{rows['baseline'][0][1] / rows['full'][0][1]:.0f}x requests")


def dashboard(n):
    """A ~50 KB panels + gridPos dashboard (pretty-printed as Grafana exports): 24 panels in rows of two."""
    panels = []
    for i in range(24):
        panels.append({
            "id": i + 1, "type": "timeseries", "title": f"Panel {i} of dashboard {n}",
            "gridPos": {"x": (i % 2) * 12, "y": (i // 2) * 8, "w": 12, "h": 8},
            "datasource": {"type": "prometheus", "uid": "prom-main"},
            "targets": [{"refId": r, "datasource": {"type": "prometheus", "uid": "prom-main"},
                         "expr": f'sum by (instance) (rate(http_requests_total{{job="svc-{n}",code=~"5..",handler="/api/v{r}"}}[$__rate_interval]))',
                         "legendFormat": "{{instance}} " + r} for r in "ABC"],
            "fieldConfig": {"defaults": {"unit": "reqps", "min": 0, "color": {"mode": "palette-classic"},
                                         "custom": {"lineWidth": 1, "fillOpacity": 10, "drawStyle": "line", "spanNulls": False},
                                         "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}},
                            "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}, "tooltip": {"mode": "single", "sort": "none"}},
        })
    return {"uid": f"dash-{n:04d}", "title": f"Service {n} overview", "schemaVersion": 39, "version": 1, "editable": False,
            "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "tags": ["generated"],
            "templating": {"list": [{"name": "instance", "type": "query", "datasource": {"type": "prometheus", "uid": "prom-main"},
                                     "query": f'label_values(up{{job="svc-{n}"}}, instance)', "refresh": 1}]},
            "annotations": {"list": []}, "panels": panels}


DATASOURCES = "apiVersion: 1\ndatasources:\n  - name: Prometheus\n    type: prometheus\n    uid: prom-main\n    access: proxy\n    url: http://prometheus:9090\n    isDefault: true\n"


def dashboard_repo():
    """The 10,000-key layout with its 1,000 referenced files as ~50 KB dashboards, tagged v1.0.0."""
    repo = WORK / "repo-dashboards"
    if (repo / ".git").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "kv" / "grafana").mkdir(parents=True)
    (repo / "kv" / "grafana" / "datasources.yaml").write_text(DATASOURCES)
    (repo / "kv" / "grafana" / "grafana.yaml").write_text(
        "config:\n  - key: grafana/provisioning/datasources.yaml\n    file: datasources.yaml\n")

    def overview(folder, m, k):
        (folder / "dashboards").mkdir(exist_ok=True)
        (folder / f"dashboards/overview-{k}.json").write_text(json.dumps(dashboard(m * 2 + k), indent=2))
        return f"grafana/dashboards/service-{m:03d}-{k}.json", f"dashboards/overview-{k}.json"

    service_manifests(repo, overview)
    return commit_and_tag(repo, "synthetic tree with dashboards")


def check_jsonschema():
    """check-jsonschema from PyPI, installed on first use into bench/work/venv."""
    venv = WORK / "venv"
    tool = venv / "bin" / "check-jsonschema"
    if not tool.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "check-jsonschema"], check=True)
    return str(tool)


def bench_validate(kvctl, runs):
    repo = dashboard_repo()
    dashboards = sorted(str(p) for p in repo.glob("kv/service-*/dashboards/*.json"))
    schema = HERE.parent / "schemas" / "grafana" / "dashboard.schema.json"
    size = sum(os.path.getsize(p) for p in dashboards) / len(dashboards) / 1024
    rows = [("kvctl validate --at v1.0.0 --no-cache (all)", measure([kvctl, "validate", "-C", str(repo), "--at", "v1.0.0", "--no-cache"], runs))]
    changed = repo / "kv" / "service-007" / "dashboards" / "overview-0.json"
    original = changed.read_text()
    edits = iter(range(1, 1000))
    cache = repo / ".git" / "kvctl" / "cache"

    def stage_new_edit(cold=False):
        """Every run sees a dashboard change it has not seen, as each commit's hook does."""
        changed.write_text(original.replace("Service 14 overview", f"Service 14 overview (edit {next(edits)})"))
        git(repo, "add", str(changed))
        if cold and cache.exists():
            cache.unlink()

    try:
        rows.append(("kvctl validate --staged, cold cache",
                     measure([kvctl, "validate", "-C", str(repo), "--staged"], runs, lambda: stage_new_edit(cold=True))))
        rows.append(("kvctl validate --staged, 1 dashboard changed",
                     measure([kvctl, "validate", "-C", str(repo), "--staged"], runs, stage_new_edit)))
    finally:
        changed.write_text(original)
        git(repo, "add", str(changed))
    only = dashboards_only_repo(dashboards)
    rows.append(("kvctl validate, the 1,000 dashboards alone", measure([kvctl, "validate", "-C", str(only), "--at", "v1.0.0", "--no-cache"], runs)))
    tool = check_jsonschema()
    rows.append(("check-jsonschema, same 1,000 dashboards (1 run)",
                 measure([tool, "--schemafile", str(schema), *dashboards], 1)))
    table(f"validate: 10,000 keys, {len(dashboards)} dashboards of {size:.0f} KB", rows)
    full, cold, staged, alone, reference = (row[1] for row in rows)
    print("  targets: full <= 2000 ms, staged <= 150 ms (the cold row is the first run after kvctl, kvctl.yaml or schemas/ change)")
    print(f"  check-jsonschema / kvctl on the same dashboards (kvctl also lints, scans for secrets and reads git): "
          f"{reference[0] / alone[0]:.1f}x (target >= 10x)")


def dashboards_only_repo(dashboards):
    """The same dashboard files and nothing else, for a like-for-like comparison with check-jsonschema."""
    repo = WORK / "repo-dashboards-only"
    if (repo / ".git").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    (repo / "kv").mkdir(parents=True)
    lines = ["config:"]
    for index, path in enumerate(dashboards):
        shutil.copy(path, repo / "kv" / f"d{index:04d}.json")
        lines += [f"  - key: grafana/dashboards/d{index:04d}.json", f"    file: d{index:04d}.json"]
    (repo / "kv" / "dashboards.yaml").write_text("\n".join(lines) + "\n")
    return commit_and_tag(repo, "dashboards only")


def bench_logstash(kvctl, runs):
    repo = WORK / "repo-logstash"
    if not (repo / ".git").exists():
        shutil.rmtree(repo, ignore_errors=True)
        folder = repo / "kv" / "logstash"
        (folder / "conf.d").mkdir(parents=True)
        lines = ["config:", "  - key: logstash/settings/beats-port", "    value: 5044",
                 "  - key: logstash/settings/es-hosts", "    value: es1:9200,es2:9200"]
        for i in range(1000):
            template = i % 2 == 1
            body = SNIPPET.format(i=i, port='{{ key "logstash/settings/beats-port" }}' if template else "5044",
                                  hosts='{{ keyOrDefault "logstash/settings/es-hosts" "localhost:9200" }}' if template else "es1:9200")
            name = f"conf.d/{i:04d}-part.conf" + (".ctmpl" if template else "")
            (folder / name).write_text(body)
            lines += [f"  - key: logstash/{name}", f"    file: {name}"]
        (folder / "pipeline.yaml").write_text("\n".join(lines) + "\n")
        (repo / "kvctl.yaml").write_text("logstash-pipelines:\n  - logstash/conf.d/\n")
        commit_and_tag(repo, "1,000 snippets")
    size = sum(os.path.getsize(p) for p in repo.glob("kv/logstash/conf.d/*")) / 1000
    rows = [("kvctl validate --at v1.0.0", measure([kvctl, "validate", "-C", str(repo), "--at", "v1.0.0", "--no-cache"], runs))]
    table(f"logstash: 1,000 snippets of {size / 1024:.1f} KB (half consul-template templates), one pipeline", rows)
    print("  target: <= 300 ms (render + parse + cross-reference, process start and git reading included)")
    parser = subprocess.run([str(Path(kvctl).parent / "parser-bench")], capture_output=True, text=True, check=True)
    print("  parser throughput (parser-bench, target >= 50 MB/s): " + parser.stdout.strip())


SNIPPET = """# part {i}
input {{
  beats {{ id => "beats-{i}" port => {port} ssl => false }}
}}
filter {{
  if [fields][type] == "nginx-{i}" and [message] =~ /^\\d+/ {{
    grok {{
      id => "grok-{i}"
      match => {{ "message" => "%{{IPORHOST:[source][ip]}} - %{{DATA:[user][name]}} \\[%{{HTTPDATE:ts}}\\] %{{NUMBER:[http][status]:int}}" }}
      tag_on_failure => ["_grokparsefailure", "nginx_{i}"]
    }}
    date {{ id => "date-{i}" match => ["ts", "dd/MMM/yyyy:HH:mm:ss Z"] target => "@timestamp" }}
  }} else if [fields][type] in ["syslog", "auth"] {{
    mutate {{
      id => "mutate-{i}"
      add_field => {{ "[@metadata][index]" => "syslog-%{{+YYYY.MM.dd}}" "shard" => {i} }}
      rename => {{ "host" => "[host][name]" }}
      remove_field => ["agent", "ecs", "input"]
    }}
  }} else {{
    drop {{ id => "drop-{i}" }}
  }}
  useragent {{ id => "ua-{i}" source => "[user_agent][original]" target => "[user_agent]" remove_field => ["[user_agent][device]"] }}
  kv {{ id => "kv-{i}" source => "[url][query]" field_split => "&" value_split => "=" include_keys => ["utm_source", "utm_medium", "q"] }}
  if ![geo] and [source][ip] !~ /^10\\./ {{ geoip {{ id => "geoip-{i}" source => "[source][ip]" target => "[geo]" }} }}
  translate {{
    id => "translate-{i}"
    field => "[http][status]"
    destination => "[http][status_text]"
    dictionary => {{ "200" => "OK" "301" => "Moved" "404" => "Not Found" "500" => "Server Error" }}
    fallback => "unknown"
  }}
}}
output {{
  elasticsearch {{
    id => "es-{i}"
    hosts => ["{hosts}"]
    index => "%{{[@metadata][index]}}"
    user => "logstash_writer"
    password => "${{ES_PASSWORD}}"
    manage_template => false
  }}
}}
"""


def bench_fidelity(kvctl, runs, double):
    """Issue 13's no-op republish (values unread when nothing changed since the record) and issue 17's
    128 operations per transaction against a double reporting Consul 1.14."""
    if not double or not Path(double).exists():
        print("\nfidelity: skipped (no consul-double executable)")
        return
    repo = templates_repo()
    keys = len(json.loads(subprocess.run([kvctl, "export", "--at", "v1.1.0", "-C", str(repo)], capture_output=True,
                                         check=True).stdout))
    rows = {"full128": [], "noop": []}
    for _ in range(max(1, min(runs, 3))):
        with Double(double, "--version", "1.14.0") as server:
            rows["full128"].append(kvctl_publish(kvctl, repo, server.url, "v1.1.0"))
            for _ in range(3):
                rows["noop"].append(kvctl_publish(kvctl, repo, server.url, "v1.1.0"))
    print(f"\nfidelity: {keys:,} keys into a double reporting Consul 1.14.0 — {os.cpu_count()} cores, best of "
          f"{len(rows['noop'])} no-ops; now / last run ({LAST.get('cores', '?')} cores, {LAST.get('date', 'none recorded')})")
    for name, slug, target in [("publish at 128 operations", "full128", f"<= {math.ceil(keys / 128) + 6} requests"),
                               ("no-op republish", "noop", "0 writes, <= 2 requests, <= 150 ms")]:
        measured = rows[slug]
        best, median = min(m[0] for m in measured), statistics.median(m[0] for m in measured)
        _, requests, transactions, writes, _ = measured[0]
        cells = [now_last(value, figure(f"fidelity/{slug}/{what}", value))
                 for what, value in [("requests", requests), ("transactions", transactions), ("writes", writes)]]
        print(f"  {name:<28} requests {cells[0]:>9}  txn {cells[1]:>9}  writes {cells[2]:>7}  best ms "
              f"{now_last(best, figure(f'fidelity/{slug}/best ms', round(best, 1)))}  median {median:.0f}  target {target}")


REVIEW_TEMPLATES = 1000


def review_repo():
    """2,000 keys in 100 manifests and 1,000 templates, each reading one service's tree and one key of
    the next, tagged v1.0.0; v1.0.1 changes 10 input keys (one in each of the first ten services)."""
    repo = WORK / "repo-review-1000"
    if (repo / ".git").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    service_manifests(repo, None, manifests=100, files_per_manifest=0)
    folder = repo / "kv" / "templates"
    folder.mkdir()
    lines = ["config:"]
    for i in range(REVIEW_TEMPLATES):
        (folder / f"t-{i:04d}.ctmpl").write_text(
            f'# template {i}\n{{{{ range tree "config/service-{i % 100:03d}/" }}}}{{{{ .Key }}}} = {{{{ .Value }}}}\n{{{{ end }}}}'
            f'peer = {{{{ key "config/service-{(i + 1) % 100:03d}/setting-05" }}}}\n')
        lines += [f"  - key: config/templates/t-{i:04d}.ctmpl", f"    file: t-{i:04d}.ctmpl"]
    (folder / "templates.yaml").write_text("\n".join(lines) + "\n")
    commit_and_tag(repo, "review tree")
    for m in range(10):
        manifest = repo / "kv" / f"service-{m:03d}" / "settings.yaml"
        manifest.write_text(manifest.read_text().replace(f"value: {m * 100 + 7}\n", f"value: {m * 100 + 7}0\n", 1))
    git(repo, "commit", "-qam", "10 input keys changed")
    git(repo, "tag", "-a", "v1.0.1", "-m", "v1.0.1")
    return repo


def bench_review(kvctl, runs):
    repo = review_repo()
    rows = [
        ("kvctl diff v1.0.0 v1.0.1 --rendered", measure([kvctl, "diff", "-C", str(repo), "v1.0.0", "v1.0.1", "--rendered"], runs)),
        ("kvctl review v1.0.0 v1.0.1 --output markdown",
         measure(f"{kvctl} review -C {repo} v1.0.0 v1.0.1 --output markdown; test $? -le 1", runs)),
    ]
    table(f"review: 2,000 keys, {REVIEW_TEMPLATES} templates, 10 input keys changed (100 renderings change)", rows)
    print("  targets: each <= 500 ms")


class CountingProxy:
    """Forwards HTTP/1.1 requests to `url`, counting them: what kvctl sends to one Consul."""

    def __init__(self, url):
        import http.server, threading
        target = urllib.parse.urlparse(url)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self):
                proxy.count += 1
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    # AsyncHTTPClient sends the agent's session and lock writes chunked.
                    body = b""
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        body += self.rfile.read(size)
                        self.rfile.readline()
                    self.rfile.readline()
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=700)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "transfer-encoding", "content-length")}
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    data = response.read()
                except (http.client.HTTPException, OSError):
                    # The double went away under a held blocking query (the end of a run): no answer to pass on.
                    upstream.close()
                    self.close_connection = True
                    return
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_PUT = do_POST = do_DELETE = forward

            def log_message(self, *_):
                pass

        self.count = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def bench_envs(kvctl, runs, double):
    """`status --all` over 3 environments (separate doubles) of 10,000 keys each, and `sync` of one
    that is in sync already."""
    if not double or not Path(double).exists():
        print("\nenvs: skipped (no consul-double executable)")
        return
    repo = WORK / "repo-envs"
    if not (repo / ".git").exists():
        shutil.copytree(synthetic_repo(), repo, symlinks=True)
    names = ["e1", "e2", "e3"]
    doubles = [Double(double) for _ in names]
    proxies = [CountingProxy(d.url) for d in doubles]
    try:
        (repo / "kvctl.yaml").write_text("environments:\n" + "".join(
            f"  {name}: {{address: '{proxy.url}', version: v1.0.0}}\n" for name, proxy in zip(names, proxies)))
        git(repo, "add", "kvctl.yaml")
        git(repo, "commit", "-qm", "pins")
        for name in names:
            subprocess.run([kvctl, "sync", "--env", name, "--yes", "-C", str(repo)], check=True, capture_output=True)
        before = sum(p.count for p in proxies)
        status_best, _, status_peak = measure([kvctl, "status", "--all", "-C", str(repo)], runs)
        status_requests = (sum(p.count for p in proxies) - before) // (runs + 1)

        index = consul_index(doubles[0].url)
        before = proxies[0].count
        sync_best, _, _ = measure([kvctl, "sync", "--env", "e1", "--yes", "-C", str(repo)], runs)
        sync_requests = (proxies[0].count - before) // (runs + 1)
        sync_writes = consul_index(doubles[0].url) - index
    finally:
        for proxy in proxies:
            proxy.close()
        for server in doubles:
            server.__exit__()

    print(f"\nenvs: 3 environments of 10,000 keys, one Consul double each — {os.cpu_count()} cores, best of {runs}; "
          f"now / last run ({LAST.get('cores', '?')} cores, {LAST.get('date', 'none recorded')})")
    print(f"  {'scenario':<40} {'requests':>13} {'writes':>9} {'best ms':>17}  target")
    for label, slug, requests, writes, best, target in [
            ("kvctl status --all (3 environments)", "status-all", status_requests, None, status_best, ""),
            ("kvctl sync, already in sync", "sync-noop", sync_requests, sync_writes, sync_best, "0 writes, <= 2 requests")]:
        cells = [now_last(requests, figure(f"envs/{slug}/requests", requests)),
                 "-" if writes is None else now_last(writes, figure(f"envs/{slug}/writes", writes)),
                 now_last(best, figure(f"envs/{slug}/best ms", round(best, 1)))]
        print(f"  {label:<40} {cells[0]:>13} {cells[1]:>9} {cells[2]:>17}  {target}")
    print(f"  status --all peak MB: {status_peak:.1f}")


def live_indexes(url):
    """Every key's ModifyIndex in the double, by key."""
    address = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    connection.request("GET", "/v1/kv/?recurse")
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return {} if response.status == 404 else {entry["Key"]: entry["ModifyIndex"] for entry in json.loads(body)}


def adoption_items(keys=10_000):
    """What scripts leave in a Consul: short settings, every tenth value a JSON document, every
    twentieth multi-line text, every fiftieth with Flags another tool set."""
    items = []
    for i in range(keys):
        key = f"config/service-{i // 20:03d}/setting-{i % 20:02d}"
        if i % 10 == 3:
            value = json.dumps({"service": i // 20, "limits": {"rps": i, "burst": i * 2}}, indent=2) + "\n"
        elif i % 20 == 7:
            value = f"line one of {i}\nline two\n"
        else:
            value = str(i * 7 % 1000)
        items.append({"key": key, "flags": 7 if i % 50 == 0 else 0, "value": base64.b64encode(value.encode()).decode()})
    return items


def bench_adopt(kvctl, runs, double):
    if not double or not Path(double).exists():
        print("\nadopt: skipped (no consul-double executable)")
        return
    items = adoption_items()
    imports, files, adoption = [], 0, None
    with Double(double) as server:
        put_each_key(server.url, items)
        for run in range(max(1, runs)):
            repo = WORK / f"repo-adopt-{run}"
            shutil.rmtree(repo, ignore_errors=True)
            repo.mkdir(parents=True)
            git(repo, "init", "-q")
            (repo / "kvctl.yaml").write_text("name: adopted\n")
            start = time.perf_counter()
            done = subprocess.run([kvctl, "import", "-C", str(repo), "--consul", server.url, "--prefix", "config/"],
                                  capture_output=True, text=True)
            imports.append((time.perf_counter() - start) * 1000)
            if done.returncode != 0:
                sys.exit(f"bench: kvctl import failed:\n{done.stderr}")
            files = len(done.stdout.splitlines())
        # The round trip on the last import: commit, release, publish; then which non-meta keys moved.
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "import")
        subprocess.run([kvctl, "release", "--yes", "-C", str(repo)], check=True, capture_output=True, env=GIT_ENV)
        before = live_indexes(server.url)
        elapsed, requests, transactions, writes, _ = kvctl_publish(kvctl, repo, server.url, "v1.0.0")
        after = live_indexes(server.url)
        rewritten = [key for key in before if not key.startswith("kvctl/") and after.get(key) != before[key]]
        meta = sorted({key for key in after if after.get(key) != before.get(key)} - set(rewritten))
        adoption = (elapsed, requests, transactions, writes, len(rewritten), len(meta))
    print(f"\nadopt: {len(items):,} live keys into a new repository — {os.cpu_count()} cores, best of {len(imports)}; "
          f"now / last run ({LAST.get('cores', '?')} cores, {LAST.get('date', 'none recorded')})")
    best = min(imports)
    print(f"  kvctl import --consul: {now_last(best, figure('adopt/import/best ms', round(best, 1)))} ms best, "
          f"{now_last(files, figure('adopt/import/files written', files))} files written")
    elapsed, requests, transactions, writes, rewritten, meta = adoption
    print(f"  import -> release -> publish: {now_last(rewritten, figure('adopt/publish/keys rewritten', rewritten))} keys rewritten "
          f"(target 0), {now_last(meta, figure('adopt/publish/meta keys written', meta))} meta keys written (lock, record, chunks), "
          f"{now_last(transactions, figure('adopt/publish/transactions', transactions))} transactions, "
          f"{now_last(requests, figure('adopt/publish/requests', requests))} requests, "
          f"{now_last(elapsed, figure('adopt/publish/ms', round(elapsed, 1)))} ms")



def kv_value(url, key):
    address = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    connection.request("GET", "/v1/kv/" + urllib.parse.quote(key) + "?raw")
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return body if response.status == 200 else None


def http_text(url, method="GET", body=None, headers=None):
    address = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    connection.request(method, address.path or "/", body=body, headers=headers or {})
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, text


def wait_for(check, ceiling):
    """Seconds until `check()` holds (polled every 5 ms), None past `ceiling` seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < ceiling:
        if check():
            return time.perf_counter() - start
        time.sleep(0.005)
    return None


def metric(agent_url, name):
    """The first sample of `name` in the agent's /metrics, as a float."""
    _, text = http_text(agent_url + "/metrics")
    found = re.search(r"^" + re.escape(name) + r"(\{[^}]*\})? (\S+)$", text, re.M)
    return float(found.group(2)) if found else None


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


class Agent:
    """`kvctl agent` on a free port; its address is in the first log line."""

    def __init__(self, kvctl, arguments, cwd):
        self.process = subprocess.Popen([kvctl, "agent", "--listen", "127.0.0.1:0", *arguments], cwd=cwd,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        first = json.loads(self.process.stderr.readline())
        self.url = "http://" + first["address"]
        import threading
        log = Path(cwd) / "agent.log"

        def drain():
            with log.open("w") as out:
                for line in self.process.stderr:
                    out.write(line)
                    out.flush()
        threading.Thread(target=drain, daemon=True).start()

    def reconciles(self):
        _, text = http_text(self.url + "/metrics")
        return sum(float(v) for v in re.findall(r"^kvctl_reconcile_total\{[^}]*\} (\S+)$", text, re.M))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=120)


def bench_agent(kvctl, runs, double):
    reconciles = int(os.environ.get("AGENT_RECONCILES", "1000"))
    if not double or not Path(double).exists():
        print("\nagent: skipped (no consul-double executable)")
        return
    import hashlib, hmac
    base = WORK / "agent"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    repo, remote = base / "repo", base / "remote.git"
    shutil.copytree(synthetic_repo(), repo, symlinks=True)
    key = "config/service-000/setting-05"
    manifest = repo / "kv/service-000/settings.yaml"
    manifest.write_text(manifest.read_text().replace("value: 5\n", "value: 123456\n", 1))
    git(repo, "commit", "-qam", "one key changed")
    git(repo, "tag", "-a", "v1.0.1", "-m", "v1.0.1")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True, stdout=subprocess.DEVNULL)
    git(repo, "remote", "add", "origin", str(remote))
    secret = base / "secret"
    secret.write_text("bench-secret\n")
    figures = {}
    with Double(double) as server:
        proxy = CountingProxy(server.url)

        def pin(version, address=None):
            (repo / "kvctl.yaml").write_text(f"environments:\n  prod: {{address: '{address or proxy.url}', version: {version}}}\n")
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", f"pin {version}")
            git(repo, "push", "-q", "-f", "origin", "HEAD:refs/heads/main", "--tags")

        git(repo, "branch", "-M", "main")
        pin("v1.0.0")
        agent = Agent(kvctl, ["--env", "prod", "--repo", str(remote), "--clone-dir", str(base / "clone"), "--interval", "1h",
                              "--webhook-secret-file", str(secret)], base)
        try:
            if wait_for(lambda: http_text(agent.url + "/readyz")[0] == 200, 600) is None:
                sys.exit("bench: the agent never became ready")
            # Signed webhook to live, one key changed.
            pin("v1.0.1")
            body = b'{"ref":"refs/heads/main"}'
            signature = "sha256=" + hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest()
            start = time.perf_counter()
            http_text(agent.url + "/hooks/git", "POST", body, {"X-Hub-Signature-256": signature, "X-GitHub-Event": "push"})
            live = wait_for(lambda: kv_value(server.url, key) == b"123456", 120)
            figures["webhook to live s"] = None if live is None else time.perf_counter() - start
            # Out-of-band write to drift reported: with an hour's interval only the blocking queries see it.
            wait_for(lambda: metric(agent.url, "kvctl_live_version_info") is not None and agent.reconciles() >= 2, 60)
            time.sleep(1)
            address = urllib.parse.urlparse(server.url)
            connection = http.client.HTTPConnection(address.hostname, address.port)
            start = time.perf_counter()
            connection.request("PUT", "/v1/kv/" + key, body=b"by hand")
            connection.getresponse().read()
            reported = wait_for(lambda: (metric(agent.url, "kvctl_drift_keys") or 0) >= 1, 120)
            figures["drift reported s (watched)"] = None if reported is None else time.perf_counter() - start
            connection.request("PUT", "/v1/kv/" + key, body=b"123456")
            connection.getresponse().read()
            connection.close()
            # Requests of an idle agent per interval: a wake runs what an interval's end runs. The write
            # back above wakes one full reconcile (the watch saw it); let it pass first.
            time.sleep(2)
            before_count, before = proxy.count, agent.reconciles()
            idle = 10
            for _ in range(idle):
                done = agent.reconciles()
                http_text(agent.url + "/hooks/git", "POST", body, {"X-Hub-Signature-256": signature})
                wait_for(lambda: agent.reconciles() > done, 120)
            figures["requests per idle reconcile"] = (proxy.count - before_count) / max(1, agent.reconciles() - before)

            def woken():
                done = agent.reconciles()
                http_text(agent.url + "/hooks/git", "POST", body, {"X-Hub-Signature-256": signature})
                wait_for(lambda: agent.reconciles() > done, 120)

            def cpu_seconds():
                fields = Path(f"/proc/{agent.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

            def settled():
                """RSS between reconciles: none ended and the agent used almost no CPU for 0.5 s (an own
                publish wakes one more full reconcile, and a reconcile in flight burns CPU throughout)."""
                while True:
                    count, cpu = agent.reconciles(), cpu_seconds()
                    time.sleep(0.5)
                    if agent.reconciles() == count and cpu_seconds() - cpu < 0.05:
                        return rss_mb(agent.process.pid)

            def peak_mb():
                status = Path(f"/proc/{agent.process.pid}/status").read_text()
                return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024

            # The peak so far covers start-up and the first sync into an empty store (what one `kvctl
            # sync` does, on top of the agent's own resident base); writing 5 to clear_refs resets the
            # peak (Linux's proc(5)), so the next one is the reconciles' own.
            figures["rss peak start-up MB (VmHWM)"] = peak_mb()
            Path(f"/proc/{agent.process.pid}/clear_refs").write_text("5")
            # RSS over many idle reconciles, each woken by a webhook (nothing new: no store read).
            figures["rss idle start MB"] = settled()
            started = time.perf_counter()
            for _ in range(reconciles):
                woken()
            figures["reconciles"] = reconciles
            figures["reconcile s"] = (time.perf_counter() - started) / reconciles
            figures["rss idle end MB"] = settled()
            # RSS over full reconciles: each pushes a pin change (v1.0.0 and v1.0.1 in turn, one key apart)
            # and wakes the agent, which fetches, loads the release, reads the store, publishes, reads
            # the status back, and reconciles once more after its own publish moved the watched indexes.
            fulls = max(10, reconciles // 10)
            figures["full reconciles"] = fulls
            figures["rss full start MB"] = settled()
            highest = 0
            for n in range(fulls):
                pin("v1.0.0" if n % 2 == 0 else "v1.0.1")
                woken()
                between = settled()
                highest = max(highest, between)
                if n == fulls // 2 - 1:
                    # Flat means the second half grows no more than the first: start, middle and end side by side.
                    figures["rss full middle MB"] = between
            figures["rss full end MB"] = settled()
            figures["rss full highest between MB"] = highest
            figures["rss peak over the reconciles MB (VmHWM)"] = peak_mb()
            fds = len(os.listdir(f"/proc/{agent.process.pid}/fd"))
            figures["open fds"] = fds
        finally:
            agent.stop()
            proxy.close()
    with Double(double) as fresh:
        # One `kvctl sync` of the same tree into an empty store (the yardstick): what the agent's
        # first reconcile does, at its largest (a publish of every key).
        pin("v1.0.1", fresh.url)
        process = subprocess.Popen([kvctl, "sync", "--env", "prod", "--yes", "-C", str(repo)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("bench: kvctl sync failed")
        figures["one sync peak MB"] = usage.ru_maxrss / 1024
        figures["rss full end / one sync"] = figures["rss full end MB"] / figures["one sync peak MB"]
        figures["peak over the reconciles / one sync"] = figures["rss peak over the reconciles MB (VmHWM)"] / figures["one sync peak MB"]
    print(f"\nagent: 10,000 keys, the Consul double — {os.cpu_count()} cores; now / last run ({LAST.get('cores', '?')} cores, "
          f"{LAST.get('date', 'none recorded')})")
    targets = {"webhook to live s": "<= 1 s", "drift reported s (watched)": "<= 1 s",
               "requests per idle reconcile": "<= 2 per interval", "rss idle end MB": "flat",
               "rss full end MB": "flat", "rss full end / one sync": "<= 1.5",
               "peak over the reconciles / one sync": "<= 1.5"}
    for name, value in figures.items():
        shown = round(value, 3) if isinstance(value, float) else value
        print(f"  {name:<44} {now_last(shown, figure(f'agent/{name}', shown), 3):>24}  {targets.get(name, '')}")


BENCHES = {"ls": bench_ls, "validate": bench_validate, "logstash": bench_logstash, "publish": bench_publish,
           "fidelity": bench_fidelity, "envs": bench_envs, "adopt": bench_adopt, "review": bench_review, "agent": bench_agent}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kvctl", required=True, help="path to a release build of kvctl")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--double", help="path to the consul-double executable (for the publish benchmark)")
    parser.add_argument("benches", nargs="*", help=f"which to run (default: all of {', '.join(BENCHES)})")
    args = parser.parse_args()
    for name in args.benches or list(BENCHES):
        # Sections that talk to Consul take the double's executable as a third parameter.
        extra = [args.double] if BENCHES[name].__code__.co_argcount == 3 else []
        BENCHES[name](str(Path(args.kvctl).resolve()), args.runs, *extra)
    save_run()
