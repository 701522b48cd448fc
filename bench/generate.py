#!/usr/bin/env python3
"""Writes a synthetic, valid home-lab GitOps repository of about N Kubernetes manifests.

Deterministic for a given (size, seed). The layout mirrors the reference repository:

  clusters/bench/                      Flux entry: GitRepository + Kustomization flux-system,
                                       Flux Kustomizations for infrastructure and one per app
  infrastructure/cilium/               HelmRepository, HelmRelease, LB-IPAM pools, BGP cluster/peer/advertisement
  infrastructure/external-secrets/     HelmRepository, HelmRelease
  infrastructure/secret-store/         ClusterSecretStore (1Password Connect)
  infrastructure/ingress-nginx/        HelmRepository, HelmRelease (class nginx-internal, LoadBalancer)
  bootstrap-config.yaml                the cluster's domains and the bootstrap phases (ingress/DNS/Flux/phase rules)
  apps/<app>/                          kustomization.yaml, Namespace, HelmRepository, HelmRelease (pinned
                                       chart version), Deployment, Service (every 4th a LoadBalancer with
                                       lb-ipam annotations), Ingress, ExternalSecret; some apps a ConfigMap

Every document is meant to be valid (schemas, references between objects, unique names/IPs/hosts),
so `homeops validate` does its real work instead of stopping at errors.

Usage: generate.py --size N --seed S OUT_DIR   (prints a JSON summary on stdout)
"""
import argparse
import json
import os
import random
import shutil
import sys

DOMAIN = "bench.home.example.com"
POOL_CIDR = "10.60.0.0/16"  # LoadBalancer addresses handed out by the bgp-apps pool

# (chart, repository url, pinned version, image)
CHARTS = [
    ("podinfo", "https://stefanprodan.github.io/podinfo", "6.9.1", "ghcr.io/stefanprodan/podinfo:6.9.1"),
    ("app-template", "https://bjw-s-labs.github.io/helm-charts", "4.2.0", "ghcr.io/bjw-s-labs/busybox:1.37.0"),
    ("redis", "https://charts.bitnami.com/bitnami", "21.2.13", "docker.io/bitnami/redis:8.0.3"),
    ("grafana", "https://grafana.github.io/helm-charts", "9.3.0", "docker.io/grafana/grafana:12.1.0"),
    ("gitea", "https://dl.gitea.com/charts", "12.1.2", "docker.gitea.com/gitea:1.24.3"),
    ("home-assistant", "https://pajikos.github.io/home-assistant-helm-chart", "0.3.10", "ghcr.io/home-assistant/home-assistant:2025.7.2"),
]
IMAGES = [
    "docker.io/traefik/whoami:v1.11.0",
    "ghcr.io/stefanprodan/podinfo:6.9.1",
    "docker.io/library/nginx:1.29.0",
    "ghcr.io/home-operations/sonarr:4.0.15",
    "docker.io/jellyfin/jellyfin:10.10.7",
]


class Repo:
    def __init__(self, root):
        self.root = root
        self.documents = 0
        self.files = 0
        self.kinds = {}

    def write(self, path, docs, comment=None):
        """docs: list of YAML document strings (without the leading '---')."""
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            if comment:
                f.write(f"# {comment}\n")
            for d in docs:
                f.write("---\n")
                f.write(d if d.endswith("\n") else d + "\n")
        self.files += 1
        for d in docs:
            self.documents += 1
            kind = next(l.split(":", 1)[1].strip() for l in d.splitlines() if l.startswith("kind:"))
            self.kinds[kind] = self.kinds.get(kind, 0) + 1


def kustomize(resources):
    lines = "\n".join(f"  - {r}" for r in resources)
    return f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{lines}
"""


def flux_ks(name, path, depends=(), timeout="10m"):
    dep = ""
    if depends:
        dep = "  dependsOn:\n" + "".join(f"    - name: {d}\n" for d in depends)
    return f"""apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
{dep}  interval: 1h
  retryInterval: 2m
  timeout: {timeout}
  path: {path}
  prune: true
  wait: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""


def namespace(name, labels=None):
    lab = ""
    if labels:
        lab = "  labels:\n" + "".join(f"    {k}: {v}\n" for k, v in labels.items())
    return f"""apiVersion: v1
kind: Namespace
metadata:
  name: {name}
{lab}"""


def helm_repository(name, url):
    return f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 12h
  url: {url}
"""


def helm_release(name, ns, chart, version, repo, values):
    return f"""apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {name}
  namespace: {ns}
spec:
  interval: 30m
  timeout: 10m
  chart:
    spec:
      chart: {chart}
      version: "{version}"
      sourceRef:
        kind: HelmRepository
        name: {repo}
        namespace: flux-system
      interval: 12h
  install:
    remediation:
      retries: 3
  upgrade:
    cleanupOnFail: true
    remediation:
      retries: 3
      strategy: rollback
  values:
{values}"""


def base(repo, apps):
    # Flux entry point
    repo.write("clusters/bench/flux-system/namespace.yaml", [namespace("flux-system")])
    repo.write("clusters/bench/flux-system/gotk-sync.yaml", [
        """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1h
  url: https://github.com/example/bench-ops
  ref:
    branch: main
""",
        """apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  retryInterval: 1m
  timeout: 5m
  path: ./clusters/bench
  prune: true
  wait: false
  sourceRef:
    kind: GitRepository
    name: flux-system
"""])
    repo.write("clusters/bench/flux-system/kustomization.yaml", [kustomize(["namespace.yaml", "gotk-sync.yaml"])])
    repo.write("clusters/bench/infrastructure.yaml", [
        flux_ks("cilium", "./infrastructure/cilium"),
        flux_ks("external-secrets", "./infrastructure/external-secrets"),
        flux_ks("secret-store", "./infrastructure/secret-store", ["external-secrets"]),
        flux_ks("ingress-nginx", "./infrastructure/ingress-nginx", ["cilium"]),
    ], "Flux Kustomizations for infrastructure, in dependency order.")
    repo.write("clusters/bench/apps/kustomization.yaml", [kustomize([f"{a}.yaml" for a in apps])])
    repo.write("clusters/bench/kustomization.yaml", [kustomize(["flux-system", "infrastructure.yaml", "apps"])])

    # Cilium: chart, LB-IPAM pools, BGP
    repo.write("infrastructure/cilium/kustomization.yaml", [kustomize(["helmrepository.yaml", "helmrelease.yaml", "lb-ipam-pools.yaml", "bgp.yaml"])])
    repo.write("infrastructure/cilium/helmrepository.yaml", [helm_repository("cilium", "https://helm.cilium.io")])
    repo.write("infrastructure/cilium/helmrelease.yaml", [helm_release("cilium", "kube-system", "cilium", "1.17.6", "cilium", """    kubeProxyReplacement: true
    bgpControlPlane:
      enabled: true
    ipam:
      mode: kubernetes
""")])
    repo.write("infrastructure/cilium/lb-ipam-pools.yaml", [
        """apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata:
  name: bgp-default
spec:
  blocks:
    - start: 10.59.0.100
      stop: 10.59.0.199
  serviceSelector:
    matchExpressions:
      - key: io.cilium/lb-ipam-pool
        operator: NotIn
        values:
          - bgp-ingress
          - bgp-apps
""",
        """apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata:
  name: bgp-ingress
spec:
  blocks:
    - start: 10.59.0.200
      stop: 10.59.0.220
  serviceSelector:
    matchLabels:
      io.cilium/lb-ipam-pool: bgp-ingress
""",
        f"""apiVersion: cilium.io/v2alpha1
kind: CiliumLoadBalancerIPPool
metadata:
  name: bgp-apps
spec:
  blocks:
    - cidr: {POOL_CIDR}
  serviceSelector:
    matchLabels:
      io.cilium/lb-ipam-pool: bgp-apps
"""])
    repo.write("infrastructure/cilium/bgp.yaml", [
        """apiVersion: cilium.io/v2alpha1
kind: CiliumBGPClusterConfig
metadata:
  name: bench
spec:
  nodeSelector:
    matchExpressions:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
  bgpInstances:
    - name: bench
      localASN: 64512
      peers:
        - name: router-v4
          peerASN: 64513
          peerAddress: 10.58.0.1
          peerConfigRef:
            name: router
""",
        """apiVersion: cilium.io/v2alpha1
kind: CiliumBGPPeerConfig
metadata:
  name: router
spec:
  timers:
    connectRetryTimeSeconds: 12
    holdTimeSeconds: 9
    keepAliveTimeSeconds: 3
  gracefulRestart:
    enabled: true
    restartTimeSeconds: 120
  families:
    - afi: ipv4
      safi: unicast
      advertisements:
        matchLabels:
          advertise: bgp
""",
        """apiVersion: cilium.io/v2alpha1
kind: CiliumBGPAdvertisement
metadata:
  name: loadbalancer-services
  labels:
    advertise: bgp
spec:
  advertisements:
    - advertisementType: Service
      service:
        addresses:
          - LoadBalancerIP
      selector:
        matchExpressions:
          - key: somekey
            operator: NotIn
            values:
              - never-used-value
"""])

    # External Secrets Operator and its store
    repo.write("infrastructure/external-secrets/kustomization.yaml", [kustomize(["namespace.yaml", "helmrepository.yaml", "helmrelease.yaml"])])
    repo.write("infrastructure/external-secrets/namespace.yaml", [namespace("external-secrets")])
    repo.write("infrastructure/external-secrets/helmrepository.yaml", [helm_repository("external-secrets", "https://charts.external-secrets.io")])
    repo.write("infrastructure/external-secrets/helmrelease.yaml", [helm_release(
        "external-secrets", "external-secrets", "external-secrets", "0.19.1", "external-secrets", """    installCRDs: true
    replicaCount: 1
""")])
    repo.write("infrastructure/secret-store/kustomization.yaml", [kustomize(["clustersecretstore.yaml"])])
    repo.write("infrastructure/secret-store/clustersecretstore.yaml", ["""apiVersion: external-secrets.io/v1
kind: ClusterSecretStore
metadata:
  name: onepassword-connect
spec:
  provider:
    onepassword:
      connectHost: http://onepassword-connect.onepassword-connect.svc.cluster.local:8080
      vaults:
        homelab: 1
      auth:
        secretRef:
          connectTokenSecretRef:
            name: onepassword-connect-token
            namespace: onepassword-connect
            key: token
"""])

    # Ingress controller (class nginx-internal)
    repo.write("infrastructure/ingress-nginx/kustomization.yaml", [kustomize(["namespace.yaml", "helmrepository.yaml", "helmrelease.yaml"])])
    repo.write("infrastructure/ingress-nginx/namespace.yaml", [namespace("ingress-nginx")])
    repo.write("infrastructure/ingress-nginx/helmrepository.yaml", [helm_repository("ingress-nginx", "https://kubernetes.github.io/ingress-nginx")])
    repo.write("infrastructure/ingress-nginx/helmrelease.yaml", [helm_release(
        "ingress-nginx-internal", "ingress-nginx", "ingress-nginx", "4.13.0", "ingress-nginx", """    fullnameOverride: ingress-nginx-internal
    controller:
      ingressClass: nginx-internal
      ingressClassResource:
        name: nginx-internal
        enabled: true
        default: false
        controllerValue: k8s.io/ingress-nginx-internal
      service:
        type: LoadBalancer
        labels:
          io.cilium/lb-ipam-pool: bgp-ingress
        annotations:
          lbipam.cilium.io/ips: "10.59.0.200"
""")])


def app(repo, rng, index, name):
    chart, url, version, chart_image = CHARTS[index % len(CHARTS)]
    image = rng.choice(IMAGES)
    port = rng.choice([8080, 8000, 3000, 9000])
    replicas = rng.choice([1, 1, 2, 3])
    host = f"{name}.{DOMAIN}"
    resources = ["namespace.yaml", "helmrepository.yaml", "helmrelease.yaml", "externalsecret.yaml",
                 "deployment.yaml", "service.yaml", "ingress.yaml"]
    with_config = index % 3 == 0
    if with_config:
        resources.insert(4, "configmap.yaml")
    repo.write(f"clusters/bench/apps/{name}.yaml", [flux_ks(name, f"./apps/{name}", ["secret-store", "ingress-nginx"])])
    d = f"apps/{name}"
    repo.write(f"{d}/kustomization.yaml", [kustomize(resources)])
    repo.write(f"{d}/namespace.yaml", [namespace(name, {"pod-security.kubernetes.io/enforce": "restricted"})])
    repo.write(f"{d}/helmrepository.yaml", [helm_repository(f"{name}-charts", url)])
    repo.write(f"{d}/helmrelease.yaml", [helm_release(f"{name}-{chart}", name, chart, version, f"{name}-charts", f"""    fullnameOverride: {name}-{chart}
    replicaCount: {replicas}
    image:
      repository: {chart_image.rsplit(':', 1)[0]}
      tag: "{chart_image.rsplit(':', 1)[1]}"
    resources:
      requests:
        cpu: {rng.choice([10, 25, 50, 100])}m
        memory: {rng.choice([32, 64, 128, 256])}Mi
    persistence:
      enabled: {str(rng.random() < 0.5).lower()}
""")])
    keys = rng.randint(1, 4)
    data = "".join(f"""    - secretKey: KEY_{k}
      remoteRef:
        key: {name}
        property: key-{k}
""" for k in range(keys))
    repo.write(f"{d}/externalsecret.yaml", [f"""apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: {name}-secrets
  namespace: {name}
spec:
  refreshInterval: 1h
  secretStoreRef:
    kind: ClusterSecretStore
    name: onepassword-connect
  target:
    name: {name}-secrets
    creationPolicy: Owner
  data:
{data}"""])
    if with_config:
        repo.write(f"{d}/configmap.yaml", [f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {name}
data:
  LOG_LEVEL: info
  LISTEN_PORT: "{port}"
  PUBLIC_URL: https://{host}
"""])
    env_from = f"""          envFrom:
            - secretRef:
                name: {name}-secrets
""" + (f"""            - configMapRef:
                name: {name}-config
""" if with_config else "")
    repo.write(f"{d}/deployment.yaml", [f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {name}
  labels:
    app.kubernetes.io/name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: {name}
          image: {image}
          ports:
            - name: http
              containerPort: {port}
{env_from}          readinessProbe:
            httpGet:
              path: /healthz
              port: http
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
          resources:
            requests:
              cpu: {rng.choice([5, 10, 50])}m
              memory: {rng.choice([16, 64, 128])}Mi
            limits:
              memory: {rng.choice([128, 256, 512])}Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {{}}
"""])
    if index % 4 == 0:
        n = index // 4
        ip = f"10.60.{n // 250}.{n % 250 + 1}"
        service = f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {name}
  labels:
    app.kubernetes.io/name: {name}
    io.cilium/lb-ipam-pool: bgp-apps
  annotations:
    lbipam.cilium.io/ips: "{ip}"
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
"""
    else:
        service = f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {name}
  labels:
    app.kubernetes.io/name: {name}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - name: http
      port: 80
      targetPort: http
"""
    repo.write(f"{d}/service.yaml", [service])
    repo.write(f"{d}/ingress.yaml", [f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: {name}
spec:
  ingressClassName: nginx-internal
  tls:
    - secretName: {name}-tls
      hosts:
        - {host}
  rules:
    - host: {host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {name}
                port:
                  name: http
"""])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True, help="target number of Kubernetes manifests")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("out")
    args = parser.parse_args()
    rng = random.Random(args.seed * 1_000_003 + args.size)
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    repo = Repo(args.out)
    # Base documents are fixed; an app is 9 documents (10 with a ConfigMap): its Flux Kustomization,
    # kustomization.yaml, Namespace, HelmRepository, HelmRelease, ExternalSecret, Deployment, Service, Ingress.
    base_docs = 29
    apps, total, i = [], base_docs, 0
    while total < args.size:
        apps.append(f"app-{i:05d}")
        total += 9 if i % 3 else 10
        i += 1
    base(repo, apps)
    for i, name in enumerate(apps):
        app(repo, rng, i, name)
    assert repo.documents == total, (repo.documents, total)
    with open(os.path.join(args.out, "bootstrap-config.yaml"), "w") as f:
        # Domains the ingress/DNS rules check hosts against; what bootstrap creates.
        f.write(f"""apiVersion: homeops.dev/v1alpha1
kind: BootstrapConfig
cluster:
  name: bench
  internalDomain: k8s.{DOMAIN}
  externalDomain: {DOMAIN}
phases:
  - name: onepassword
    timeout: 5m
    # the token the ClusterSecretStore reads
    creates:
      - secret: onepassword-connect/onepassword-connect-token
        keys: [token]
  - name: flux
    timeout: 10m
    applies:
      - clusters/bench/flux-system
""")
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(f"Synthetic GitOps repository generated by bench/generate.py --size {args.size} --seed {args.seed}.\n")
    json.dump({"size": args.size, "seed": args.seed, "apps": len(apps), "files": repo.files,
               "documents": repo.documents, "kinds": dict(sorted(repo.kinds.items()))}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
