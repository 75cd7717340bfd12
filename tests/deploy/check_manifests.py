#!/usr/bin/python3
"""Checks the Kubernetes manifests in deploy/kubernetes for the fields that matter when they
are applied to a cluster (none is available here, so this is what stands in for `kubectl
apply --dry-run=server`):

- every document parses and has apiVersion/kind/metadata.name;
- probes: readiness /readyz and liveness /healthz on the admin port, and that port is the one
  of [listen] admin in the geogate.toml the ConfigMap carries; the Prometheus annotations name
  the same port and /metrics;
- the pod runs as non-root with a read-only root file system, no privilege escalation, all
  capabilities dropped;
- the Service, the PodDisruptionBudget and the Deployment's own selector all match the pod
  template's labels; the HPA targets this Deployment; the Service's target port exists;
- every key the Deployment mounts exists in the ConfigMap and every ConfigMap key is mounted,
  with paths that rebuild the layout geogate reads (geogate.toml, rules/, notices/);
- the rule files and notices referenced by the config are in the ConfigMap.

Usage: check_manifests.py DEPLOY_KUBERNETES_DIR
"""
import pathlib
import sys
import tomllib

import yaml

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


def labels_match(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items()) and bool(selector)


def main(kdir):
    docs = {}
    for f in sorted(kdir.glob("*.yaml")):
        for d in yaml.safe_load_all(f.read_text()):
            if d is None:
                continue
            if f.name == "kustomization.yaml":
                docs["Kustomization"] = d
                continue
            for key in ("apiVersion", "kind", "metadata"):
                check(key in d, f"{f.name}: missing {key}")
            check(d.get("metadata", {}).get("name"), f"{f.name}: metadata.name missing")
            check(d["kind"] not in docs, f"{f.name}: a second {d['kind']}")
            docs[d["kind"]] = d

    for kind in ("Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "HorizontalPodAutoscaler"):
        if not check(kind in docs, f"no {kind} manifest"):
            return
    dep, svc, cm = docs["Deployment"], docs["Service"], docs["ConfigMap"]
    pdb, hpa = docs["PodDisruptionBudget"], docs["HorizontalPodAutoscaler"]

    kust = docs.get("Kustomization", {})
    listed = set(kust.get("resources", []))
    for f in kdir.glob("*.yaml"):
        if f.name != "kustomization.yaml":
            check(f.name in listed, f"kustomization.yaml does not list {f.name}")

    check(dep["apiVersion"] == "apps/v1", "Deployment apiVersion is not apps/v1")
    check(pdb["apiVersion"] == "policy/v1", "PodDisruptionBudget apiVersion is not policy/v1")
    check(hpa["apiVersion"] == "autoscaling/v2", "HPA apiVersion is not autoscaling/v2")

    # The config inside the ConfigMap.
    data = cm.get("data", {})
    config = tomllib.loads(data.get("geogate.toml", ""))
    admin = config.get("listen", {}).get("admin", "")
    check(admin, "geogate.toml in the ConfigMap has no [listen] admin")
    admin_host, _, admin_port = admin.rpartition(":")
    check(admin_host in ("0.0.0.0", "[::]", "::"),
          f"admin listener {admin} is not reachable by the kubelet's probes")
    http_ports = [int(a.rpartition(":")[2]) for a in config.get("listen", {}).get("http", [])]

    # Pod template.
    spec = dep["spec"]
    tpl = spec["template"]
    pod_labels = tpl["metadata"]["labels"]
    check(labels_match(spec["selector"]["matchLabels"], pod_labels), "Deployment selector does not match its pod labels")
    pod = tpl["spec"]
    containers = pod["containers"]
    check(len(containers) == 1, "expected one container")
    c = containers[0]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check(ports.get("admin") == int(admin_port or 0), f"container port 'admin' {ports.get('admin')} != config admin {admin}")
    check(ports.get("http") in http_ports, f"container port 'http' {ports.get('http')} not in [listen] http {http_ports}")

    def probe_port(p):
        port = p["httpGet"]["port"]
        return ports.get(port) if isinstance(port, str) else port

    rp, lp = c.get("readinessProbe"), c.get("livenessProbe")
    if check(rp and "httpGet" in rp, "no readiness httpGet probe"):
        check(rp["httpGet"]["path"] == "/readyz", "readiness probe path is not /readyz")
        check(probe_port(rp) == int(admin_port), "readiness probe is not on the admin port")
    if check(lp and "httpGet" in lp, "no liveness httpGet probe"):
        check(lp["httpGet"]["path"] == "/healthz", "liveness probe path is not /healthz")
        check(probe_port(lp) == int(admin_port), "liveness probe is not on the admin port")

    ann = tpl["metadata"].get("annotations", {})
    check(ann.get("prometheus.io/scrape") == "true", "no prometheus.io/scrape: \"true\"")
    check(ann.get("prometheus.io/port") == admin_port, "prometheus.io/port is not the admin port")
    check(ann.get("prometheus.io/path") == "/metrics", "prometheus.io/path is not /metrics")

    # Security.
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True or csc.get("runAsNonRoot") is True, "runAsNonRoot is not set")
    uid = csc.get("runAsUser", psc.get("runAsUser"))
    check(isinstance(uid, int) and uid > 0, "runAsUser is root or unset")
    check(csc.get("readOnlyRootFilesystem") is True, "root file system is not read-only")
    check(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"], "capabilities are not all dropped")
    check(not csc.get("privileged", False), "privileged container")
    check(pod.get("automountServiceAccountToken") is False, "service account token is mounted")

    # Resources: the HPA's CPU utilisation needs a CPU request.
    res = c.get("resources", {})
    check("cpu" in res.get("requests", {}) and "memory" in res.get("requests", {}), "no cpu/memory requests")
    check("memory" in res.get("limits", {}), "no memory limit")

    # Graceful stop: grace period covers preStop sleep + drain_timeout.
    drain = config.get("limits", {}).get("drain_timeout", "10s")
    drain_s = float(drain[:-2]) / 1000 if drain.endswith("ms") else float(drain[:-1]) * {"s": 1, "m": 60}[drain[-1]]
    pre = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_s = float(pre[-1]) if pre and pre[0].endswith("sleep") else 0
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(grace > pre_s + drain_s, f"terminationGracePeriodSeconds {grace} <= preStop {pre_s} + drain {drain_s}")

    # Service, PDB, HPA.
    check(labels_match(svc["spec"]["selector"], pod_labels), "Service selector does not match the pod labels")
    for p in svc["spec"]["ports"]:
        tp = p.get("targetPort")
        check(tp in ports if isinstance(tp, str) else tp in ports.values(), f"Service targetPort {tp} is not a container port")
        check(tp != "admin" and tp != ports.get("admin"), "the Service exposes the admin port")
    check(labels_match(pdb["spec"]["selector"]["matchLabels"], pod_labels), "PDB selector does not match the pod labels")
    check(pdb["spec"].get("minAvailable", 0) < hpa["spec"]["minReplicas"] or "maxUnavailable" in pdb["spec"],
          "PDB minAvailable leaves no room for voluntary disruptions")
    ref = hpa["spec"]["scaleTargetRef"]
    check(ref["kind"] == "Deployment" and ref["name"] == dep["metadata"]["name"] and ref["apiVersion"] == "apps/v1",
          "HPA does not target the Deployment")
    check(hpa["spec"]["minReplicas"] >= 2, "HPA minReplicas < 2: no redundancy")
    check(hpa["spec"]["maxReplicas"] >= hpa["spec"]["minReplicas"], "HPA maxReplicas < minReplicas")

    # ConfigMap keys vs what the Deployment mounts.
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
    cm_vols = [v for v in vols.values() if v.get("configMap", {}).get("name") == cm["metadata"]["name"]]
    if check(len(cm_vols) == 1, "the ConfigMap is not mounted exactly once"):
        v = cm_vols[0]
        m = mounts.get(v["name"])
        check(m is not None, "the ConfigMap volume has no volumeMount")
        args = c.get("args", [])
        if m is not None and check("--config" in args, "container args have no --config"):
            check(args[args.index("--config") + 1] == f"{m['mountPath']}/geogate.toml",
                  "--config is not geogate.toml in the ConfigMap mount")
        items = v["configMap"].get("items") or []
        keys = set(data) | set(cm.get("binaryData", {}))
        item_keys = {i["key"] for i in items}
        for k in sorted(item_keys - keys):
            failures.append(f"the Deployment mounts key {k}, which the ConfigMap lacks")
        for k in sorted(keys - item_keys):
            failures.append(f"ConfigMap key {k} is not mounted by the Deployment")
        paths = {i["path"] for i in items}
        check("geogate.toml" in paths, "geogate.toml is not mounted")
        check(len(paths) == len(items), "two items share a path")
        # Rules globs and notices in the config resolve to mounted paths.
        import fnmatch
        for glob in config.get("rules", {}).get("files", []):
            check(any(fnmatch.fnmatch(p, glob) for p in paths), f"rules glob {glob} matches no mounted file")
        notices_dir = config.get("notices", {}).get("dir", "notices")
        for p in paths:
            if p.startswith("rules/"):
                rules = tomllib.loads(data[next(i["key"] for i in items if i["path"] == p)])
                for r in rules.get("rule", []):
                    if "notice" in r:
                        check(f"{notices_dir}/{r['notice']}/notice.toml" in paths,
                              f"{p}: notice {r['notice']} is not in the ConfigMap")


if __name__ == "__main__":
    kdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "deploy/kubernetes")
    main(kdir)
    for f in failures:
        print(f"FAIL: {f}")
    print("manifests: " + ("ok" if not failures else f"{len(failures)} problem(s)"))
    sys.exit(1 if failures else 0)
