#!/usr/bin/env python3
"""kvctl benchmarks: build synthetic repositories, time whole commands, print figures (never assert)."""
import argparse, base64, http.client, json, math, os, re, shutil, statistics, subprocess, sys, tempfile, time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=GIT_ENV, stdout=subprocess.DEVNULL)


def synthetic_repo(manifests=500, keys_per_manifest=20, files_per_manifest=2):
    """10,000 keys in 500 manifests, 1,000 of them read from files, tagged v1.0.0."""
    repo = WORK / f"repo-{manifests}x{keys_per_manifest}"
    if (repo / ".git").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    for m in range(manifests):
        folder = repo / "kv" / f"service-{m:03d}"
        (folder / "files").mkdir(parents=True)
        lines = [f"# settings of service {m}", "config:"]
        for k in range(keys_per_manifest):
            key = f"config/service-{m:03d}/setting-{k:02d}"
            if k < files_per_manifest:
                name = f"files/blob-{k}.json"
                (folder / name).write_text('{"service": %d, "item": %d, "payload": "%s"}\n' % (m, k, "x" * 900))
                lines += [f"  - key: {key}", f"    file: {name}"]
            else:
                lines += [f"  - key: {key}   # tuned {m}", f"    value: {m * 100 + k}"]
        (folder / "settings.yaml").write_text("\n".join(lines) + "\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "synthetic tree")
    git(repo, "tag", "-a", "v1.0.0", "-m", "v1.0.0")
    return repo


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
    print(f"\n{title} — {os.cpu_count()} cores")
    print(f"  {'command':<44} {'best ms':>9} {'median ms':>10} {'peak MB':>8}")
    for name, (best, median, peak) in rows:
        print(f"  {name:<44} {best:>9.1f} {median:>10.1f} {peak:>8.1f}")


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

    def __init__(self, executable):
        self.process = subprocess.Popen([executable], stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            sys.exit(f"bench: consul-double printed {self.url!r} instead of its URL")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait()


def one_key_change(repo):
    """v1.0.1 on top of v1.0.0 with exactly one value changed."""
    tags = subprocess.run(["git", "-C", str(repo), "tag"], capture_output=True, text=True, check=True).stdout.split()
    if "v1.0.1" not in tags:
        manifest = repo / "kv" / "service-000" / "settings.yaml"
        manifest.write_text(manifest.read_text().replace("value: 5\n", "value: 55\n", 1))
        git(repo, "commit", "-qam", "one key changed")
        git(repo, "tag", "-a", "v1.0.1", "-m", "v1.0.1")


def kvctl_publish(kvctl, repo, url, version):
    """Wall time (ms), HTTP requests and write transactions of one `kvctl publish --yes`."""
    start = time.perf_counter()
    done = subprocess.run([kvctl, "publish", version, "--yes", "-C", str(repo), "--consul", url],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = (time.perf_counter() - start) * 1000
    if done.returncode != 0:
        sys.exit(f"bench: kvctl publish {version} failed:\n{done.stderr}")
    requests = re.search(r"\((\d+) requests?\)", done.stderr)
    transactions = re.search(r"in (\d+) transactions?", done.stderr)
    return elapsed, int(requests.group(1)) if requests else None, int(transactions.group(1)) if transactions else 0


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
    # A copy, so the extra tag never changes what the ls benchmark reads.
    repo = WORK / "repo-publish"
    if not (repo / ".git").exists():
        shutil.copytree(synthetic_repo(), repo, symlinks=True)
    one_key_change(repo)
    items = json.loads(subprocess.run([kvctl, "export", "--at", "v1.0.0", "-C", str(repo)], capture_output=True,
                                      check=True).stdout)
    keys = len(items)
    rows = {"full": [], "noop": [], "one": [], "baseline": []}
    for _ in range(max(1, min(runs, 3))):
        with Double(double) as server:
            rows["full"].append(kvctl_publish(kvctl, repo, server.url, "v1.0.0"))
            rows["noop"].append(kvctl_publish(kvctl, repo, server.url, "v1.0.0"))
            rows["one"].append(kvctl_publish(kvctl, repo, server.url, "v1.0.1"))
        with Double(double) as server:
            rows["baseline"].append(put_each_key(server.url, items))

    print(f"\npublish: {keys:,} keys into the Consul double — {os.cpu_count()} cores, best of {len(rows['full'])}")
    print(f"  {'scenario':<34} {'requests':>9} {'txn':>5} {'best ms':>9} {'median ms':>10}  target")
    def line(name, measured, target):
        times = [m[0] for m in measured]
        requests = measured[0][1]
        transactions = measured[0][2] if len(measured[0]) > 2 else "-"
        print(f"  {name:<34} {requests if requests is not None else '?':>9} {transactions:>5} {min(times):>9.1f} "
              f"{statistics.median(times):>10.1f}  {target}")
    line("kvctl publish, empty store", rows["full"], f"<= {math.ceil(keys / 64) + 3} requests, <= 3000 ms")
    line("kvctl publish, no-op republish", rows["noop"], "<= 3 requests, <= 200 ms")
    line("kvctl publish, one key changed", rows["one"], "exactly 1 write transaction")
    line("per-key PUT baseline (python)", rows["baseline"], "")
    full, baseline = min(m[0] for m in rows["full"]), min(m[0] for m in rows["baseline"])
    print(f"  ratio per-key PUT / kvctl publish: {baseline / full:.2f}x wall time, "
          f"{rows['baseline'][0][1] / rows['full'][0][1]:.0f}x requests")


BENCHES = {"ls": bench_ls, "publish": bench_publish}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kvctl", required=True, help="path to a release build of kvctl")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--double", help="path to the consul-double executable (for the publish benchmark)")
    parser.add_argument("benches", nargs="*", help=f"which to run (default: all of {', '.join(BENCHES)})")
    args = parser.parse_args()
    for name in args.benches or list(BENCHES):
        extra = [args.double] if name == "publish" else []
        BENCHES[name](str(Path(args.kvctl).resolve()), args.runs, *extra)
