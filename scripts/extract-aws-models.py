#!/usr/bin/env python3
"""Extract the AWS API models the simulator is checked against (conformance oracle).

Downloads ONE pinned botocore wheel from PyPI with pip into a throwaway folder (never into
site-packages), checks its sha256, reads botocore/data/<service>/<version>/service-2.json(.gz)
from the wheel and writes test/fixtures/aws-models/<service>.json holding only the operations
we use plus the transitive closure of their shapes (documentation stripped).

botocore is Apache-2.0 (Copyright Amazon.com, Inc. or its affiliates); the fixtures are
derived data and carry that notice (see test/fixtures/aws-models/README.md).

Usage: python3 scripts/extract-aws-models.py   (npm run models:extract)
To move to another botocore release: change BOTOCORE_VERSION and BOTOCORE_SHA256 (the wheel's
sha256 from https://pypi.org/project/botocore/<version>/#files), rerun, review the diff.
"""
import gzip
import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

BOTOCORE_VERSION = "1.44.8"
BOTOCORE_WHEEL = f"botocore-{BOTOCORE_VERSION}-py3-none-any.whl"
BOTOCORE_SHA256 = "76342a76c338701db80dcb8afe1c9bd079283d6fffbb9d881442abb02a215043"

# The operations our adapters call or the simulator answers (functions/adapters/*.ts,
# local/simulator/sagemaker-api.ts, server.ts, token-review.ts).
SERVICES = {
    "sagemaker": [
        "DescribeCluster",
        "ListClusterNodes",
        "DescribeClusterNode",
        "BatchRebootClusterNodes",
        "BatchReplaceClusterNodes",
        "BatchDeleteClusterNodes",
        "StartClusterHealthCheck",
        "ListClusterEvents",
        "DescribeClusterEvent",
    ],
    "eks": ["DescribeCluster"],
    "sns": ["Publish"],
    "sts": ["GetCallerIdentity"],
}

OUT_DIR = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "aws-models"


def strip_docs(value):
    if isinstance(value, dict):
        return {k: strip_docs(v) for k, v in value.items() if k != "documentation"}
    if isinstance(value, list):
        return [strip_docs(v) for v in value]
    return value


def referenced(shape):
    """Names of the shapes a shape refers to (members, list member, map key/value)."""
    refs = [m["shape"] for m in shape.get("members", {}).values()]
    for key in ("member", "key", "value"):
        if key in shape:
            refs.append(shape[key]["shape"])
    return refs


def closure(model, operations):
    shapes = model["shapes"]
    todo = []
    for name in operations:
        op = model["operations"][name]
        todo += [op[k]["shape"] for k in ("input", "output") if k in op]
        todo += [e["shape"] for e in op.get("errors", [])]
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += referenced(shapes[name])
    return {name: strip_docs(shapes[name]) for name in sorted(seen)}


def model_path(wheel, service):
    prefix = f"botocore/data/{service}/"
    candidates = sorted(
        n for n in wheel.namelist() if n.startswith(prefix) and n.split("/")[-1] in ("service-2.json", "service-2.json.gz")
    )
    if len(candidates) != 1:
        sys.exit(f"expected one service-2 model for {service}, found {candidates}")
    return candidates[0]


def main():
    with tempfile.TemporaryDirectory(prefix="botocore-") as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
             "--dest", tmp, f"botocore=={BOTOCORE_VERSION}"],
            check=True,
        )
        wheel_file = pathlib.Path(tmp) / BOTOCORE_WHEEL
        digest = hashlib.sha256(wheel_file.read_bytes()).hexdigest()
        if digest != BOTOCORE_SHA256:
            sys.exit(f"sha256 mismatch for {BOTOCORE_WHEEL}: {digest} != {BOTOCORE_SHA256}")
        with zipfile.ZipFile(wheel_file) as wheel:
            OUT_DIR.mkdir(parents=True, exist_ok=True)
            for service, operations in SERVICES.items():
                path = model_path(wheel, service)
                raw = wheel.read(path)
                model = json.loads(gzip.decompress(raw) if path.endswith(".gz") else raw)
                missing = [op for op in operations if op not in model["operations"]]
                if missing:
                    sys.exit(f"{service} model in botocore {BOTOCORE_VERSION} lacks {missing}")
                fixture = {
                    "source": {
                        "package": "botocore",
                        "version": BOTOCORE_VERSION,
                        "wheel": BOTOCORE_WHEEL,
                        "sha256": BOTOCORE_SHA256,
                        "path": path,
                        "url": f"https://pypi.org/project/botocore/{BOTOCORE_VERSION}/",
                        "license": "Apache-2.0",
                        "notice": "Botocore. Copyright Amazon.com, Inc. or its affiliates. All Rights Reserved. "
                        "Licensed under the Apache License, Version 2.0. Extract: operations listed here and the "
                        "shapes they reach, documentation removed.",
                    },
                    "metadata": model["metadata"],
                    "operations": {op: strip_docs(model["operations"][op]) for op in operations},
                    "shapes": closure(model, operations),
                }
                out = OUT_DIR / f"{service}.json"
                out.write_text(json.dumps(fixture, indent=2, sort_keys=False, ensure_ascii=False) + "\n")
                print(f"{out.relative_to(OUT_DIR.parent.parent.parent)}: {len(operations)} operations, "
                      f"{len(fixture['shapes'])} shapes")


if __name__ == "__main__":
    main()
