#!/usr/bin/env python3
"""Seed corpora for scripts/fuzz.sh, generated into the work folder (never committed): the sample tree
kv/, the real files in ../shared/corpus/ and ../shared/json-schema-test-suite/, and the string literals
of the tests (inline manifests, snippets and templates)."""
import argparse, hashlib, json, pathlib, re

parser = argparse.ArgumentParser()
parser.add_argument("--root", required=True)
parser.add_argument("--shared", required=True)
parser.add_argument("--out", required=True)
parser.add_argument("targets", nargs="+")
args = parser.parse_args()
root, shared, out = pathlib.Path(args.root), pathlib.Path(args.shared), pathlib.Path(args.out)
seeds = {target: {} for target in args.targets}
MAX = 65536  # fuzz.sh's -max_len


def add(target, data):
    if target in seeds and 0 < len(data) <= MAX:
        seeds[target][hashlib.sha1(data).hexdigest()] = data


def files(folder, *suffixes):
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(suffixes)) if folder.is_dir() else []


for path in files(root / "kv", ".yaml", ".yml") + files(root / "kv", ".json", ".conf", ".ctmpl", ".tmpl"):
    data = path.read_bytes()
    if path.suffix in (".yaml", ".yml"):
        add("manifest-scanner", data)
        add("yaml", data)
    elif path.suffix == ".json":
        add("json", data)
    elif path.suffix == ".conf":
        add("logstash", data)
    else:
        add("template", data)
add("yaml", (root / "kvctl.yaml").read_bytes()) if (root / "kvctl.yaml").is_file() else None
for path in files(shared / "corpus" / "logstash", ".conf", ".cfg"):
    add("logstash", path.read_bytes())
    add("template", path.read_bytes())  # a pipeline is a template without actions
for path in files(shared / "corpus" / "grafana", ".json"):
    add("json", path.read_bytes())

# The official suite: each case is a schema line and an instance for json-schema, and JSON for json.
for path in files(shared / "json-schema-test-suite" / "tests" / "draft2020-12", ".json"):
    add("json", path.read_bytes())
    for group in json.loads(path.read_bytes()):
        for test in group.get("tests", []):
            line = json.dumps(group["schema"], separators=(",", ":"))
            add("json-schema", (line + "\n" + json.dumps(test["data"])).encode())
for path in files(root / "schemas", ".json"):
    add("json-schema", json.dumps(json.loads(path.read_bytes()), separators=(",", ":")).encode() + b"\n{}")

# String literals of the tests, sorted to the targets by what they look like.
literal = re.compile(r'"""\n(.*?)\n\s*"""|"((?:[^"\\\n]|\\.)*)"', re.S)
escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r", "0": "\0"}
keys, globs = set(), set()
for path in files(root / "Tests", ".swift"):
    for block, line in literal.findall(path.read_text()):
        text = block if block else re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), line)
        data = text.encode()
        if len(data) < 4:
            continue
        if "{{" in text:
            add("template", data)
        if "=>" in text or re.match(r"\s*(input|filter|output)\s*\{", text):
            add("logstash", data)
            add("template", data)
        if "config:" in text or re.search(r"^\s*[\w-]+:", text, re.M):
            add("manifest-scanner", data)
            add("yaml", data)
        if text.lstrip().startswith(("{", "[")):
            add("json", data)
        if re.fullmatch(r"[\w./*?-]+", text) and "/" in text:
            (globs if "*" in text or "?" in text else keys).add(text)
keys.update(re.findall(r"key: (\S+)", "\n".join(p.read_text() for p in files(root / "kv", ".yaml"))))
for glob in sorted(globs):
    for key in sorted(keys)[:40]:
        add("key-glob", f"{glob}\n{key}".encode())

for target, found in seeds.items():
    folder = out / target
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in found.items():
        (folder / name).write_bytes(data)
    print(f"fuzz: {target}: {len(found)} seeds")
