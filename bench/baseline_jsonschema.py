#!/usr/bin/env python3
"""The kubeconform-style baseline: parse every YAML file of a repository and validate each
Kubernetes document against its JSON schema, with Python's `jsonschema` (Debian python3-jsonschema).

Schemas are the ones `homeops validate` reads: SCHEMAS/crds/<group>/<kind>_<version>.json for
custom resources, normalised the way src/HomeOps.Validate/Schema/CrdSchema.cs does it
(x-kubernetes-* extensions and "example" dropped, "nullable: true" turned into a "null" type).
Built-in kinds (core, apps, networking.k8s.io, ...) are checked against
SCHEMAS/kubernetes/<version>/<kind>-<group>-<apiVersion>.json (kubernetes-json-schema layout)
when such a directory exists; the shared schema directory has none today, so built-ins are only
parsed and counted, not schema-validated. A compiled validator is kept per schema file.

Usage: baseline_jsonschema.py REPO SCHEMAS   (prints one JSON summary line; exit 1 on invalid docs)
"""
import json
import os
import sys

import jsonschema
import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: the fastest baseline
SKIP_DIRS = {".git", "bin", "obj", ".build", "node_modules"}
NOT_MANIFESTS = ("talos/", ".github/", "docs/", "tests/", "bench/")
BUILT_IN_GROUPS = {"", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io",
                   "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "node.k8s.io",
                   "kustomize.config.k8s.io"}


def normalize(node, names_only=False):
    """Python port of CrdSchema.Normalize."""
    if isinstance(node, dict):
        if names_only:
            for value in node.values():
                normalize(value)
            return node
        nullable = node.pop("nullable", None)
        if nullable is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        node.pop("example", None)
        for key in list(node):
            if key.startswith("x-kubernetes-"):
                del node[key]
            elif key not in ("default", "enum", "const", "examples"):
                normalize(node[key], key in ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas"))
    elif isinstance(node, list):
        for item in node:
            normalize(item)
    return node


class Schemas:
    def __init__(self, root):
        self.root = root
        self.cache = {}
        k8s = os.path.join(root, "kubernetes")
        self.builtin_dir = None
        if os.path.isdir(k8s):
            versions = sorted(d for d in os.listdir(k8s) if os.path.isdir(os.path.join(k8s, d)))
            if versions:
                self.builtin_dir = os.path.join(k8s, versions[-1])

    def path(self, api_version, kind):
        group, _, version = api_version.rpartition("/")
        if group in BUILT_IN_GROUPS or "." not in group:
            if self.builtin_dir is None:
                return None
            name = f"{kind.lower()}-{group.split('.')[0]}-{version}.json" if group else f"{kind.lower()}-{version}.json"
            return os.path.join(self.builtin_dir, name)
        return os.path.join(self.root, "crds", group, f"{kind.lower()}_{version}.json")

    def validator(self, api_version, kind):
        path = self.path(api_version, kind)
        if path is None:
            return None
        if path not in self.cache:
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as f:
                    schema = normalize(json.load(f))
                cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
                self.cache[path] = cls(schema)
            else:
                self.cache[path] = None
        return self.cache[path]


def files(root):
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            if name.endswith((".yaml", ".yml")):
                rel = os.path.relpath(os.path.join(directory, name), root).replace(os.sep, "/")
                if not rel.startswith(NOT_MANIFESTS) and rel not in ("talconfig.yaml", "bootstrap-config.yaml"):
                    yield rel


def main():
    repo, schema_root = sys.argv[1], sys.argv[2]
    schemas = Schemas(schema_root)
    stats = {"files": 0, "documents": 0, "validated": 0, "no_schema": 0, "invalid": 0, "errors": 0}
    for rel in files(repo):
        stats["files"] += 1
        with open(os.path.join(repo, rel), encoding="utf-8") as f:
            try:
                docs = list(yaml.load_all(f, Loader=Loader))
            except yaml.YAMLError as e:
                stats["errors"] += 1
                print(f"{rel}: {e}", file=sys.stderr)
                continue
        for doc in docs:
            if not isinstance(doc, dict) or not isinstance(doc.get("apiVersion"), str) or not isinstance(doc.get("kind"), str):
                continue
            stats["documents"] += 1
            validator = schemas.validator(doc["apiVersion"], doc["kind"])
            if validator is None:
                stats["no_schema"] += 1
                continue
            stats["validated"] += 1
            problems = list(validator.iter_errors(doc))
            if problems:
                stats["invalid"] += 1
                for p in problems:
                    print(f"{rel}: {doc['kind']}/{doc.get('metadata', {}).get('name')}: {p.json_path}: {p.message}", file=sys.stderr)
    stats["schemas"] = sum(1 for v in schemas.cache.values() if v is not None)
    stats["builtin_schemas"] = schemas.builtin_dir
    stats["libyaml"] = Loader is not yaml.SafeLoader
    print(json.dumps(stats))
    return 1 if stats["invalid"] or stats["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
