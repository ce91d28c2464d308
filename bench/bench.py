#!/usr/bin/env python3
"""kvctl benchmarks: build synthetic repositories, time whole commands, print figures (never assert)."""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time
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


BENCHES = {"ls": bench_ls}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kvctl", required=True, help="path to a release build of kvctl")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("benches", nargs="*", help=f"which to run (default: all of {', '.join(BENCHES)})")
    args = parser.parse_args()
    for name in args.benches or list(BENCHES):
        BENCHES[name](str(Path(args.kvctl).resolve()), args.runs)
