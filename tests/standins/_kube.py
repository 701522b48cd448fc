"""What the helm stand-in needs from a real API server: discovery (is a kind served?) and creating CRDs.

The kubeconfig is the one the stand-in was handed (--kubeconfig): a server URL and a bearer token, as
the API-server fixture writes it (tests/HomeOps.Tests/Support/ApiServerFixture.cs). Only that shape is
simulated; anything else stops with `stand-in: ...` (exit 3).

`knobs.helm.charts` says what a chart renders, so the stand-in can judge a release the way helm does
(helm/helm@v3.16.4 pkg/action/install.go:333-335: every rendered object is mapped to a served resource
before anything is created):

  {"CHART": {"objects": [{"apiVersion", "kind", "name", "namespace"?, "when"?: "dotted.values.path" | [paths]}],
             "crds":    [{"group", "kind", "plural", "versions": ["v1"], "scope"?: "Namespaced"}]}}

An object is rendered when every `when` path is true in the merged values files; a CRD of `crds` is
created (as the chart's templates would) and, with --wait, waited for until Established
(pkg/kube/ready.go:164-170 @ v3.16.4 treats a CRD as ready once Established).
"""
import json
import ssl
import sys
import time
import urllib.error
import urllib.request

import yaml


def _die(message):
    sys.stderr.write(message + "\n")
    sys.exit(3)


def values(paths):
    """The values files merged in order, as helm merges -f files (maps deep-merged, later wins)."""
    merged = {}

    def merge(into, other):
        for key, value in (other or {}).items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    for path in paths:
        with open(path) as f:
            merge(merged, yaml.safe_load(f) or {})
    return merged


def _true(tree, dotted):
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return bool(node)


def rendered(chart_knob, merged_values):
    """The objects a chart renders with these values (its `objects` whose `when` paths all hold)."""
    result = []
    for obj in chart_knob.get("objects", []):
        when = obj.get("when", [])
        when = [when] if isinstance(when, str) else when
        if all(_true(merged_values, w) for w in when):
            result.append(obj)
    return result


class Api:
    def __init__(self, kubeconfig):
        with open(kubeconfig) as f:
            config = yaml.safe_load(f) or {}
        current = config.get("current-context")
        context = next((c["context"] for c in config.get("contexts", []) if c.get("name") == current), None)
        if context is None:
            _die("stand-in: kubeconfig %s has no current context" % kubeconfig)
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        if "token" not in user:
            _die("stand-in: only token kubeconfigs are simulated (the API-server fixture's)")
        self.server = cluster["server"].rstrip("/")
        self.token = user["token"]
        self.tls = ssl.create_default_context()
        if cluster.get("insecure-skip-tls-verify"):
            self.tls.check_hostname = False
            self.tls.verify_mode = ssl.CERT_NONE

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json",
                                              "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, context=self.tls, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            return e.code, {}

    def served(self, api_version, kind):
        """True when discovery lists the kind in that group/version (what helm's REST mapper asks)."""
        path = "/api/v1" if api_version == "v1" else "/apis/" + api_version
        status, body = self.request("GET", path)
        return status == 200 and any(r.get("kind") == kind for r in body.get("resources", []))

    def create_crd(self, crd):
        name = "%s.%s" % (crd["plural"], crd["group"])
        definition = {
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": name},
            "spec": {"group": crd["group"], "scope": crd.get("scope", "Namespaced"),
                     "names": {"kind": crd["kind"], "listKind": crd["kind"] + "List", "plural": crd["plural"],
                               "singular": crd["kind"].lower()},
                     "versions": [{"name": v, "served": True, "storage": i == 0,
                                   "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}
                                  for i, v in enumerate(crd.get("versions", ["v1"]))]}}
        status, _ = self.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", definition)
        if status not in (201, 409):
            _die("stand-in: creating CRD %s answered %d" % (name, status))
        return name

    def wait_established(self, name, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, body = self.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name)
            if status == 200 and any(c.get("type") == "Established" and c.get("status") == "True"
                                     for c in body.get("status", {}).get("conditions", [])):
                return True
            time.sleep(0.1)
        return False


def unmapped(api, objects, namespace):
    """helm's mapping errors for the objects whose kind is not served, as cli-runtime words them
    (k8s.io/cli-runtime@v0.31.3 pkg/resource/mapper.go:68-70; apimachinery@v0.31.3 pkg/api/meta/errors.go:116)."""
    return ['resource mapping not found for name: "%s" namespace: "%s" from "": no matches for kind "%s" in version "%s"\n'
            'ensure CRDs are installed first' % (o["name"], o.get("namespace", namespace), o["kind"], o["apiVersion"])
            for o in objects if not api.served(o["apiVersion"], o["kind"])]


def aggregate(errors):
    """apimachinery@v0.31.3 pkg/util/errors/errors.go Aggregate.Error: one message as is, several in brackets."""
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"

