#!/usr/bin/env python3
"""Writes types.yaml: the key order (and, for v1alpha1, the Go field names) of every Talos config document.

Usage: types.py TALOS_REPO SCHEMA_DIR > types.yaml

Each field is [yaml key, Go field name, type]; the type is a struct ("v1alpha1.MachineConfig"), a list ("[T]") or map
("{T}") of one, or a scalar Talos decodes specially: "string" (any plain scalar is taken as written: `1` is "1"), "bool"
(yes/no/on/off are booleans); no type: decoded as YAML resolves it.

* v1alpha1 structs: the struct fields and yaml tags of pkg/machinery/config/types/v1alpha1/v1alpha1_types.go at
  v1.13.9 (no field was ever removed from Go, so the newest tag is a superset; fields the schemas hide are kept).
* document kinds: the `properties` order of each `$defs` entry of config.schema.json at v1.10.5, v1.11.5, v1.12.11
  and v1.13.9 (the schema generator writes struct order), merged so that a field added later keeps its place.
Run by hand when a Talos line is added; the output is committed.
"""
import json, re, subprocess, sys

repo, schemas = sys.argv[1], sys.argv[2]
TAG = "v1.13.9"
LINES = ["v1.10", "v1.11", "v1.12", "v1.13"]

src = subprocess.run(["git", "-C", repo, "show", f"{TAG}:pkg/machinery/config/types/v1alpha1/v1alpha1_types.go"],
                     capture_output=True, text=True, check=True).stdout

# named non-struct types of the file and the external types v1alpha1 embeds
ALIASES = {"NetworkDeviceList": "[Device]", "AdmissionPluginConfigList": "[AdmissionPluginConfig]",
           "AuthorizationConfigAuthorizerConfigList": "[AuthorizationConfigAuthorizerConfig]", "VlanList": "[Vlan]",
           "ClusterInlineManifests": "[ClusterInlineManifest]", "RegistriesConfig": "RegistriesConfig",
           "x509.PEMEncodedCertificateAndKey": "x509.PEMEncodedCertificateAndKey", "x509.PEMEncodedCertificate": "x509.PEMEncodedCertificate",
           "x509.PEMEncodedKey": "x509.PEMEncodedKey"}
EXTERNAL = {"x509.PEMEncodedCertificateAndKey": [["crt", "Crt"], ["key", "Key"]],
            "x509.PEMEncodedCertificate": [["crt", "Crt"]], "x509.PEMEncodedKey": [["key", "Key"]]}

structs = {}
for m in re.finditer(r"^type (\w+) struct \{\n(.*?)^\}", src, re.S | re.M):
    name, body = m.group(1), m.group(2)
    fields = []
    for line in body.splitlines():
        f = re.match(r'^\s*(\w+)\s+([\w.\[\]*]+)\s+`yaml:"([^"]*)"', line)
        if not f:
            continue
        go, typ, tag = f.group(1), f.group(2), f.group(3).split(",")[0]
        if tag == "" or tag == "-":
            continue
        fields.append((tag, go, typ))
    structs[name] = fields

# Go types whose YAML decoding matters to patches: strings take a scalar's text, bools take YAML 1.1 words
SCALARS = {"string": "string", "bool": "bool", "Args": "{string}", "Env": "{string}", "Endpoint": "string"}

def ref(typ):
    t = typ.lstrip("*")
    if t in SCALARS:
        return SCALARS[t]
    if t.startswith("[]"):
        inner = ref(t[2:])
        return f"[{inner}]" if inner else None
    if t.startswith("map["):
        inner = ref(t[t.index("]") + 1:])
        return f"{{{inner}}}" if inner else None
    if t in ALIASES:
        a = ALIASES[t]
        if a.startswith("["):
            return "[v1alpha1." + a[1:-1] + "]"
        return a if "." in a else "v1alpha1." + a
    if t in structs and structs[t]:
        return "v1alpha1." + t
    return None

types = {}
for name, fields in structs.items():
    if not fields:
        continue
    types["v1alpha1." + name] = [[tag, go] + ([r] if (r := ref(typ)) else []) for tag, go, typ in fields]
for name, fields in EXTERNAL.items():
    types[name] = fields

# Documents Talos registers (registry.Register) that its published schema lacks: read from their Go source at TAG.
GO_DOCUMENTS = {"ImageVerificationConfig": ("pkg/machinery/config/types/security/image_verification.go", "security",
                                            "ImageVerificationConfigV1Alpha1")}
# Kinds whose Go constant differs from the schema's enum (network.KubespanEndpointsKind = "KubeSpanEndpointsConfig").
KIND_ALIASES = {"KubeSpanEndpointsConfig": "KubeSpanEndpoints"}

def go_document(path, pkg):
    text = subprocess.run(["git", "-C", repo, "show", f"{TAG}:{path}"], capture_output=True, text=True, check=True).stdout
    lists = {m.group(1): m.group(2) for m in re.finditer(r"^type (\w+) \[\]\*?(\w+)$", text, re.M)}
    found = {}
    for m in re.finditer(r"^type (\w+) struct \{\n(.*?)^\}", text, re.S | re.M):
        fields = []
        for line in m.group(2).splitlines():
            if re.match(r'^\s*meta\.Meta\s+`yaml:",inline"`', line):
                fields += [["apiVersion", "", "string"], ["kind", "", "string"]]
                continue
            f = re.match(r'^\s*(\w+)\s+([\w.\[\]*]+)\s+`yaml:"([^"]*)"', line)
            if not f or f.group(3).split(",")[0] in ("", "-"):
                continue
            t = f.group(2).lstrip("*")
            typ = SCALARS.get(t) or (f"[{pkg}.{lists[t]}]" if t in lists else f"{pkg}.{t}" if re.search(rf"^type {t} struct", text, re.M)
                                     else "[string]" if t == "[]string" else None)
            fields.append([f.group(3).split(",")[0], ""] + ([typ] if typ else []))
        if fields:
            found[f"{pkg}.{m.group(1)}"] = fields
    return found

roots = {"v1alpha1": "v1alpha1.Config"}
for kind, (path, pkg, struct) in GO_DOCUMENTS.items():
    types.update(go_document(path, pkg))
    roots[kind] = f"{pkg}.{struct}"
seen_kinds = {}
for line in LINES:
    s = json.load(open(f"{schemas}/talos/{line}/config.schema.json"))
    defs = s["$defs"]
    for r in s["oneOf"]:
        d = r["$ref"].split("/")[-1]
        kind = defs[d]["properties"].get("kind", {}).get("enum", [None])[0]
        if kind:
            roots[kind] = d
    for d, body in defs.items():
        if d.startswith("v1alpha1."):
            continue
        props = body.get("properties")
        if not props:
            continue
        order = types.setdefault(d, [])
        have = [f[0] for f in order]
        for i, (p, spec) in enumerate(props.items()):
            if p in have:
                continue
            typ = None
            if "$ref" in spec:
                typ = spec["$ref"].split("/")[-1]
            elif spec.get("type") == "array" and "$ref" in spec.get("items", {}):
                typ = "[" + spec["items"]["$ref"].split("/")[-1] + "]"
            elif "$ref" in (spec.get("additionalProperties") or {}):
                typ = "{" + spec["additionalProperties"]["$ref"].split("/")[-1] + "}"
            elif spec.get("type") == "string":
                typ = "string"
            elif spec.get("type") == "boolean":
                typ = "bool"
            elif spec.get("type") == "array" and spec.get("items", {}).get("type") == "string":
                typ = "[string]"
            elif (spec.get("additionalProperties") or {}).get("type") == "string":
                typ = "{string}"
            entry = [p, ""] + ([typ] if typ else [])
            # insert after the field that precedes it in this schema
            prev = list(props)[i - 1] if i > 0 else None
            at = next((k + 1 for k, f in enumerate(order) if f[0] == prev), 0 if prev is None else len(order))
            order.insert(at, entry)
            have.insert(at, p)

for go_kind, schema_kind in KIND_ALIASES.items():
    roots[go_kind] = roots[schema_kind]

def dump(v):
    return json.dumps(v)

print("# Generated by types.py (see README.md); do not edit by hand.")
print(f"# v1alpha1: pkg/machinery/config/types/v1alpha1/v1alpha1_types.go@{TAG}; documents: config.schema.json@v1.10.5, v1.11.5, v1.12.11, v1.13.9")
print(f"# and, for kinds the schema lacks, their Go source at {TAG}: " + ", ".join(p for p, _, _ in GO_DOCUMENTS.values()))
print("format: homeops.talos-types/v1")
print("roots:")
for k in sorted(roots):
    print(f"  {k}: {roots[k]}")
print("types:")
for k in sorted(types):
    print(f"  {k}:")
    for f in types[k]:
        print(f"    - {dump(f)}")
