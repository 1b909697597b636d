#!/usr/bin/env python3
"""Checks deploy/kubernetes offline (no cluster): a schema check of our own and the references
between the objects, which is what a client-side dry run would catch and more.

  kubernetes_check.py DIR ZONEWATCH_BINARY

- every document parses, has apiVersion, kind and metadata.name, and the fields its kind needs
  (SCHEMA: the required paths and their types, for the kinds the directory uses);
- kustomization.yaml lists every manifest in DIR and nothing missing;
- the Deployment's selector matches its pod labels, as do the Service's and the budget's; the
  probes and the Service name a declared container port; every mount names a volume, every volume
  a ConfigMap or Secret of the directory, with the keys the container reads;
- the configuration in the ConfigMap passes `zonewatch config check`, with the password file it
  names read from the Secret, and the `-c` path of the container's arguments is that file;
- the configuration uses PostgreSQL (workers share nothing else) and listens for metrics on
  every address (the probes and Prometheus reach it from outside the pod).
Prints one PASS/FAIL line per check; exits 1 when any fails.
"""
import os
import subprocess
import sys
import tempfile

import yaml

SCHEMA = {
    "Namespace": {},
    "ConfigMap": {"data": dict},
    "Secret": {"type": str},
    "Service": {"spec.selector": dict, "spec.ports": list},
    "PodDisruptionBudget": {"spec.selector.matchLabels": dict},
    "Deployment": {
        "spec.replicas": int,
        "spec.selector.matchLabels": dict,
        "spec.template.metadata.labels": dict,
        "spec.template.spec.containers": list,
        "spec.template.spec.volumes": list,
    },
}
API_VERSIONS = {"Namespace": "v1", "ConfigMap": "v1", "Secret": "v1", "Service": "v1",
                "PodDisruptionBudget": "policy/v1", "Deployment": "apps/v1"}

failures = 0


def check(ok, what, why=""):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what + ("" if ok or not why else f" ({why})"))
    if not ok:
        failures += 1


def get(obj, path):
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def load(directory):
    objects = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".yaml") or name == "kustomization.yaml":
            continue
        with open(os.path.join(directory, name)) as f:
            for doc in yaml.safe_load_all(f):
                objects[(doc.get("kind"), get(doc, "metadata.name"))] = (name, doc)
    return objects


def schema(objects):
    for (kind, name), (file, doc) in objects.items():
        problems = []
        if kind not in SCHEMA:
            problems.append(f"unknown kind {kind}")
        elif doc.get("apiVersion") != API_VERSIONS[kind]:
            problems.append(f"apiVersion {doc.get('apiVersion')}, expected {API_VERSIONS[kind]}")
        if not name:
            problems.append("no metadata.name")
        for path, kind_type in SCHEMA.get(kind, {}).items():
            if not isinstance(get(doc, path), kind_type):
                problems.append(f"{path} is not a {kind_type.__name__}")
        check(not problems, f"{file}: {kind} {name} has the fields its kind needs",
              "; ".join(problems))


def kustomization(directory, objects):
    with open(os.path.join(directory, "kustomization.yaml")) as f:
        listed = set(yaml.safe_load(f).get("resources", []))
    files = {file for file, _ in objects.values()}
    check(listed == files, "kustomization.yaml lists exactly the manifests",
          f"listed {sorted(listed)}, present {sorted(files)}")


def the(objects, kind):
    found = [doc for (k, _), (_, doc) in objects.items() if k == kind]
    return found[0] if len(found) == 1 else None


def references(objects):
    deployment = the(objects, "Deployment")
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    matches = lambda selector: all(labels.get(k) == v for k, v in selector.items())
    check(matches(deployment["spec"]["selector"]["matchLabels"]), "the selector matches the pods")
    check(matches(the(objects, "Service")["spec"]["selector"]), "the Service selects the pods")
    check(matches(the(objects, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"]),
          "the disruption budget selects the pods")
    container = pod["spec"]["containers"][0]
    ports = {p["name"] for p in container.get("ports", [])}
    for probe in ("readinessProbe", "livenessProbe"):
        port = get(container, probe + ".httpGet.port")
        check(port in ports, f"the {probe} names a container port", f"{port} not in {ports}")
    for p in the(objects, "Service")["spec"]["ports"]:
        check(p.get("targetPort") in ports, f"Service port {p.get('name')} targets a container port")
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    for mount in container.get("volumeMounts", []):
        check(mount["name"] in volumes, f"mount {mount['mountPath']} names a volume")
    for v in volumes.values():
        if "configMap" in v:
            check(("ConfigMap", v["configMap"]["name"]) in objects, f"volume {v['name']}'s ConfigMap")
        if "secret" in v:
            check(("Secret", v["secret"]["secretName"]) in objects, f"volume {v['name']}'s Secret")
    return container, volumes


def mounted_file(container, volumes, objects, path):
    """The (kind, object, key) a path in the container reads, through its mounts."""
    for mount in container.get("volumeMounts", []):
        prefix = mount["mountPath"].rstrip("/") + "/"
        if path.startswith(prefix):
            volume = volumes[mount["name"]]
            key = path[len(prefix):]
            if "configMap" in volume:
                return "ConfigMap", objects[("ConfigMap", volume["configMap"]["name"])][1], key
            if "secret" in volume:
                return "Secret", objects[("Secret", volume["secret"]["secretName"])][1], key
    return None, None, None


def configuration(container, volumes, objects, zonewatch):
    args = container.get("args", [])
    path = args[args.index("-c") + 1] if "-c" in args else None
    kind, config_map, key = mounted_file(container, volumes, objects, path or "")
    check(kind == "ConfigMap" and key in config_map.get("data", {}),
          "the container's -c file is in the ConfigMap", f"{path}")
    if kind != "ConfigMap" or key not in config_map.get("data", {}):
        return
    config = yaml.safe_load(config_map["data"][key])
    check(str(config.get("database", "")).startswith("postgresql://"),
          "the workers share a PostgreSQL database")
    check(str(get(config, "metrics.listen") or "").startswith("0.0.0.0:"),
          "metrics listen on every address of the pod")
    secret_kind, secret, secret_key = mounted_file(container, volumes, objects,
                                                   config.get("database_password_file", ""))
    values = (secret or {}).get("stringData", {})
    check(secret_kind == "Secret" and secret_key in values,
          "database_password_file is a key of the mounted Secret")
    with tempfile.TemporaryDirectory() as tmp:
        password = os.path.join(tmp, "password")
        with open(password, "w") as f:
            f.write(values.get(secret_key, "") + "\n")
        config["database_password_file"] = password
        config_path = os.path.join(tmp, "zonewatch.yaml")
        with open(config_path, "w") as f:
            yaml.safe_dump(config, f)
        run = subprocess.run([zonewatch, "config", "check", "-c", config_path],
                             capture_output=True, text=True)
        check(run.returncode == 0, "the ConfigMap's configuration passes zonewatch config check",
              (run.stdout + run.stderr).strip())


def main():
    directory, zonewatch = sys.argv[1], sys.argv[2]
    objects = load(directory)
    schema(objects)
    kustomization(directory, objects)
    if the(objects, "Deployment") and the(objects, "Service") and \
            the(objects, "PodDisruptionBudget"):
        container, volumes = references(objects)
        configuration(container, volumes, objects, zonewatch)
    else:
        check(False, "one Deployment, one Service and one PodDisruptionBudget")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
