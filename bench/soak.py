#!/usr/bin/env python3
"""make soak: SIGKILL kvctl at random points of a multi-transaction publish into the Consul double, recover
(`publish --resume` or `rollback`, alternating), and check after each trial that the live keys equal one of the
two versions byte for byte (meta keys excluded) and that `kvctl status` is clean."""
import argparse, base64, json, os, random, signal, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="soak", GIT_AUTHOR_EMAIL="soak@example.com",
               GIT_COMMITTER_NAME="soak", GIT_COMMITTER_EMAIL="soak@example.com")
KV_ENV = {k: v for k, v in GIT_ENV.items() if not k.startswith("CONSUL_")}


def git(repo, *args):
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=GIT_ENV, stdout=subprocess.DEVNULL)


def soak_repo(root, keys):
    """vA and vB: every value differs, and a tenth of the keys are replaced, in transactions of 8 operations."""
    repo = root / "soak"
    (repo / "kv").mkdir(parents=True)
    (repo / "kvctl.yaml").write_text("name: soak\ntransaction: {max-operations: 8}\n")
    git(repo, "init", "-q", "-b", "main")
    for tag, label, skip in (("v1.0.0", "a", range(0)), ("v2.0.0", "b", range(0, keys, 10))):
        lines = ["config:"]
        for i in range(keys):
            key = f"config/svc-{i % 20:02d}/{'new' if i in skip else 'key'}-{i:04d}"
            lines += [f"  - key: {key}", f"    value: '{label}-{i}'"]
        (repo / "kv" / "app.yaml").write_text("\n".join(lines) + "\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", tag)
        git(repo, "tag", "-a", tag, "-m", tag)
    return repo


def kvctl(binary, repo, url, *args):
    return subprocess.run([binary, *args, "-C", str(repo), "--consul", url], env=KV_ENV,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def exported(binary, repo, tag):
    done = subprocess.run([binary, "export", "--at", tag, "-C", str(repo)], env=KV_ENV, capture_output=True, text=True, check=True)
    return {item["key"]: base64.b64decode(item["value"]) for item in json.loads(done.stdout)}


def live(url):
    with urllib.request.urlopen(url + "/v1/kv/?recurse", timeout=10) as response:
        items = json.load(response)
    return {item["Key"]: base64.b64decode(item["Value"] or "") for item in items if not item["Key"].startswith("kvctl/")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kvctl", required=True)
    parser.add_argument("--double", required=True)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--keys", type=int, default=2000)
    options = parser.parse_args()
    binary = str(Path(options.kvctl).resolve())
    work = Path(tempfile.mkdtemp(prefix="kvctl-soak-"))
    double = subprocess.Popen([options.double], stdout=subprocess.PIPE, text=True)
    try:
        url = double.stdout.readline().strip()
        repo = soak_repo(work, options.keys)
        versions = {"v1.0.0": exported(binary, repo, "v1.0.0"), "v2.0.0": exported(binary, repo, "v2.0.0")}
        if kvctl(binary, repo, url, "publish", "v1.0.0", "--yes").returncode != 0:
            sys.exit("soak: the first publish failed")
        start = time.perf_counter()
        kvctl(binary, repo, url, "publish", "v2.0.0", "--yes")
        span = time.perf_counter() - start
        print(f"soak: {options.keys} keys, one publish takes {span * 1000:.0f} ms; killing after {span * 100:.0f}–{span * 1100:.0f} ms")
        failures, interrupted, resumed, rolled_back = 0, 0, 0, 0
        for trial in range(options.trials):
            current = "v1.0.0" if live(url) == versions["v1.0.0"] else "v2.0.0"
            target = "v2.0.0" if current == "v1.0.0" else "v1.0.0"
            process = subprocess.Popen([binary, "publish", target, "--yes", "-C", str(repo), "--consul", url], env=KV_ENV,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(random.uniform(span * 0.1, span * 1.1))
            process.send_signal(signal.SIGKILL)
            process.wait()
            problems = []
            status = kvctl(binary, repo, url, "status")
            if status.returncode == 3:
                interrupted += 1
                recovery = ("publish", "--resume", "--yes") if interrupted % 2 else ("rollback", "--yes")
                done = kvctl(binary, repo, url, *recovery)
                if done.returncode != 0:
                    problems.append(f"{' '.join(recovery)} failed: {done.stderr.strip()}")
                elif recovery[0] == "publish":
                    resumed += 1
                else:
                    rolled_back += 1
            elif status.returncode != 0:
                problems.append(f"status failed: {status.stderr.strip()}")
            state = live(url)
            if state not in versions.values():
                problems.append("the live keys equal neither version")
            after = kvctl(binary, repo, url, "status")
            if after.returncode != 0:
                problems.append(f"status after recovery exits {after.returncode}: {after.stdout.strip()} {after.stderr.strip()}")
            if problems:
                failures += 1
                print(f"soak: trial {trial + 1}: " + "; ".join(problems))
        print(f"soak: {options.trials} trials, {failures} failures; {interrupted} killed mid-publish "
              f"({resumed} resumed, {rolled_back} rolled back), the rest before the first or after the last transaction")
        print(f"{options.trials - failures} passed, {failures} failed")
        sys.exit(1 if failures else 0)
    finally:
        double.kill()
        double.wait()
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
