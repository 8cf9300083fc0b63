#!/usr/bin/env python3
"""Offline policy checks (README "Security checklist"): parliament over every IAM policy document the
deploy creates and checkov over every Kubernetes manifest we apply or create, both as written by
scripts/policy-checks/synthesize.ts. Every finding must be listed, with its reason, in
deploy/policy-findings-accepted.json; an unlisted finding fails, and so does a listed one that no
longer occurs (the list stays true).

The tools are pinned and installed from PyPI into a virtual environment under the cache folder
(~/.cache/hyperpod-resilience, as the test-bed binaries), never into the system Python.

Usage: python3 scripts/policy-checks/run.py <synthesized-dir>
"""
import fnmatch
import json
import os
import subprocess
import sys
import venv

PARLIAMENT = "parliament==1.6.3"
CHECKOV = "checkov==3.3.30"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCEPTED_FILE = os.path.join(ROOT, "deploy", "policy-findings-accepted.json")


def tool_env() -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    home = os.path.join(cache, "hyperpod-resilience", f"policy-tools-{PARLIAMENT}-{CHECKOV}".replace("==", "-"))
    python = os.path.join(home, "bin", "python")
    marker = os.path.join(home, ".installed")
    if not os.path.exists(marker):
        print(f"[policy-checks] installing {PARLIAMENT} and {CHECKOV} into {home} (about 2 minutes, once)", flush=True)
        venv.create(home, with_pip=True, clear=True)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PARLIAMENT, CHECKOV],
            check=True,
        )
        open(marker, "w").close()
    return home


PARLIAMENT_SCRIPT = r"""
import glob, json, os, sys
from parliament import analyze_policy_string, enhance_finding
out = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.json'))):
    policy = analyze_policy_string(open(path).read(), ignore_private_auditors=True)
    for finding in policy.findings:
        f = enhance_finding(finding)
        detail = f.detail if isinstance(f.detail, str) else json.dumps(f.detail, sort_keys=True)
        out.append({'tool': 'parliament', 'id': f.issue, 'file': os.path.basename(path),
                    'severity': f.severity, 'title': f.title, 'detail': detail})
print(json.dumps(out))
"""


def parliament_findings(home: str, iam_dir: str) -> list:
    result = subprocess.run(
        [os.path.join(home, "bin", "python"), "-c", PARLIAMENT_SCRIPT, iam_dir],
        check=True, capture_output=True, text=True,
    )
    return json.loads(result.stdout)


def checkov_findings(home: str, k8s_dir: str) -> list:
    result = subprocess.run(
        [os.path.join(home, "bin", "checkov"), "-d", k8s_dir, "--framework", "kubernetes", "-o", "json",
         "--quiet", "--skip-download"],
        capture_output=True, text=True,
    )
    if result.returncode not in (0, 1):  # 1 = failed checks, which we judge below
        sys.exit(f"checkov failed ({result.returncode}): {result.stderr[-2000:]}")
    reports = json.loads(result.stdout) if result.stdout.strip() else []
    if isinstance(reports, dict):
        reports = [reports]
    out = []
    for report in reports:
        results = report.get("results", {}) if isinstance(report, dict) else {}
        for check in results.get("failed_checks", []):
            out.append({"tool": "checkov", "id": check["check_id"], "file": os.path.basename(check["file_path"]),
                        "severity": check.get("severity") or "", "title": check["check_name"],
                        "detail": check["resource"]})
    return out


def matches(rule: dict, finding: dict) -> bool:
    return (rule["tool"] == finding["tool"] and rule["id"] == finding["id"]
            and fnmatch.fnmatch(finding["file"], rule.get("file", "*"))
            and rule.get("detailContains", "") in finding["detail"])


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out_dir = sys.argv[1]
    home = tool_env()
    findings = parliament_findings(home, os.path.join(out_dir, "iam")) + checkov_findings(home, os.path.join(out_dir, "k8s"))
    accepted = json.load(open(ACCEPTED_FILE))["accepted"]
    used = [False] * len(accepted)
    unaccepted = []
    for finding in findings:
        hit = next((i for i, rule in enumerate(accepted) if matches(rule, finding)), None)
        if hit is None:
            unaccepted.append(finding)
        else:
            used[hit] = True
    stale = [rule for rule, u in zip(accepted, used) if not u]
    print(f"[policy-checks] {len(findings)} findings: {len(findings) - len(unaccepted)} accepted (deploy/policy-findings-accepted.json), {len(unaccepted)} not")
    for f in unaccepted:
        print(f"  NOT ACCEPTED {f['tool']} {f['id']} {f['file']}: {f['title']} — {f['detail'][:300]}")
    for rule in stale:
        print(f"  STALE ACCEPTANCE (no longer found; remove it) {rule['tool']} {rule['id']} {rule.get('file', '*')}")
    return 1 if unaccepted or stale else 0


if __name__ == "__main__":
    sys.exit(main())
