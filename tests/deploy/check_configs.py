#!/usr/bin/python3
"""Checks the shipped configs, rules and docs against the code, without building anything:

- the keys of proxy/config/config.hpp (tables named after the config members, keys after the struct
  members) are read from the header; every config under deploy/ uses only those keys, and
  docs/operations.md documents every one of them (the "configuration reference checked
  against the code");
- the example rules use only the rule keys of rules/rule_set.hpp, name notices that exist in
  deploy/example/notices, redirect only to absolute https:// mirrors, and keep the documented
  fail-safe (region "unknown" gets the notice) in the lexically last file;
- deploy/bench/geogate.toml is what ../shared/bench/README.md asks of the proxy under test;
- the demo site has what the demo promises (a windows-1251 page that is not UTF-8, a body in
  every HTML page, robots.txt, a binary).

Usage: check_configs.py SOURCE_DIR
"""
import pathlib
import re
import sys
import tomllib

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
    return cond


# Members that the loader derives and that are therefore not keys.
DERIVED = {"origin": {"tls", "host", "port", "base_path", "host_header"}, "client_ip": {"policy"}}
# config member -> struct type, for the tables.
TABLES = {"listen": "listen_config", "tls": "tls_config", "origin": "origin_config",
          "client_ip": "client_ip_config", "geoip": "geo_config", "notices": "notices_config",
          "limits": "limits_config", "cache": "cache_config",
          "compression": "compression_config", "http2": "http2_config", "log": "log_config",
          "reload": "reload_config", "mirror_health": "mirror_health_config"}
# Struct members that one TOML key fills (key -> members).
COMBINED = {"mirror_health": {"expect_status": ["expect_status_min", "expect_status_max"]}}


def struct_members(text, name):
    m = re.search(r"struct\s+" + name + r"\s*\{(.*?)\n\};", text, re.S)
    if not m:
        return None
    body = re.sub(r"//[^\n]*", "", m.group(1))
    members = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl or "(" in decl or decl.startswith(("static", "using", "bool empty")):
            continue
        mm = re.match(r".*?\b([a-z_][a-z0-9_]*)\s*(?:\{[^}]*\}|=\s*[^;]*)?$", decl, re.S)
        if mm:
            members.append(mm.group(1))
    return members


def config_schema(src):
    text = (src / "proxy/config/config.hpp").read_text() + (src / "geoip/geo_provider.hpp").read_text()
    schema = {}
    for table, struct in TABLES.items():
        members = struct_members(text, struct)
        if not check(members is not None, f"struct {struct} not found in proxy/config/config.hpp"):
            continue
        schema[table] = [m for m in members if m not in DERIVED.get(table, set())]
        for key, parts in COMBINED.get(table, {}).items():
            check(all(p in schema[table] for p in parts), f"{struct}: {parts} not found for {key}")
            schema[table] = [m for m in schema[table] if m not in parts] + [key]
    tls_cert = struct_members(text, "tls_certificate") or []
    schema["tls"] = [m for m in schema.get("tls", []) if m != "certificates"] + ["certificates"]
    schema["tls.certificates"] = tls_cert
    schema["rules"] = ["files"]
    top = struct_members(text, "config") or []
    check("threads" in top, "config.threads not found in proxy/config/config.hpp")
    return schema


def check_config_file(path, schema):
    try:
        cfg = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        failures.append(f"{path}: {e}")
        return
    for key, value in cfg.items():
        if key == "threads":
            continue
        if not check(key in schema, f"{path}: unknown table [{key}]"):
            continue
        for k, v in value.items():
            check(k in schema[key], f"{path}: unknown key {key}.{k}")
            if key == "tls" and k == "certificates":
                for cert in v:
                    for ck in cert:
                        check(ck in schema["tls.certificates"], f"{path}: unknown key tls.certificates.{ck}")


RULE_KEYS = {"name", "regions", "except_regions", "hosts", "paths", "except_paths", "methods",
             "user_agents", "except_user_agents", "action", "notice", "position", "mirrors",
             "status", "blocked_by"}


def rule_keys_from_header(src):
    text = (src / "rules/rule_set.hpp").read_text()
    members = set(struct_members(text, "rule") or [])
    # Header member -> file key where they differ.
    members = {"action" if m == "act" else m for m in members} - {"file", "where"}
    return members


def check_rules(src):
    header_keys = rule_keys_from_header(src)
    check(RULE_KEYS <= header_keys | {"name"},
          f"rule keys not in rules/rule_set.hpp: {sorted(RULE_KEYS - header_keys)}")
    rules_dir = src / "deploy/example/rules"
    notices_dir = src / "deploy/example/notices"
    files = sorted(rules_dir.glob("*.toml"))
    check(files, "no example rule files")
    sets = {}
    last_unknown = None
    for f in files:
        doc = tomllib.loads(f.read_text())
        for k in doc:
            check(k in ("regions", "rule"), f"{f.name}: unknown top-level key {k}")
        sets.update(doc.get("regions", {}))
        for r in doc.get("rule", []):
            where = f"{f.name}: rule {r.get('name')}"
            for k in r:
                check(k in header_keys, f"{where}: unknown key {k}")
            check(r.get("action") in ("pass", "notice", "redirect", "block"), f"{where}: bad action")
            for reg in r.get("regions", []):
                if reg.startswith("@"):
                    check(reg[1:] in sets, f"{where}: region set {reg} not defined")
                else:
                    check(re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?|unknown|anonymous|vpn|tor|hosting|proxy|\*", reg),
                          f"{where}: region {reg} is not a code or token")
            if r.get("action") in ("notice", "block"):
                check((notices_dir / r.get("notice", "") / "notice.toml").is_file(),
                      f"{where}: notice {r.get('notice')} not in deploy/example/notices")
            if r.get("action") == "redirect":
                for m in r.get("mirrors", []):
                    check(re.fullmatch(r"https://[a-z0-9.-]+(:\d+)?", m), f"{where}: mirror {m} is not https://host")
            if "unknown" in r.get("regions", []):
                last_unknown = (f, r)
    occupied = sets.get("occupied-ua", [])
    check(sorted(occupied) == sorted(["UA-43", "UA-40", "UA-14", "UA-09", "UA-23", "UA-65"]),
          "region set occupied-ua is not the six occupied regions")
    if check(last_unknown is not None, "no rule for region unknown (the documented fail-safe)"):
        f, r = last_unknown
        check(f == files[-1], "the unknown-region rule is not in the last rule file")
        check(r.get("action") == "notice", "the fail-safe rule for unknown readers does not show the notice")


def check_bench(src):
    cfg = tomllib.loads((src / "deploy/bench/geogate.toml").read_text())
    check(cfg["listen"]["http"] == ["127.0.0.1:18090"], "bench: listen is not 127.0.0.1:18090")
    check(cfg["origin"]["url"] == "http://127.0.0.1:18080", "bench: origin is not 127.0.0.1:18080")
    check(cfg["client_ip"]["trusted_proxies"] in (["127.0.0.1"], ["127.0.0.1/32"]), "bench: trusted hop is not 127.0.0.1")
    check(cfg["client_ip"].get("header", "X-Forwarded-For") == "X-Forwarded-For", "bench: header is not X-Forwarded-For")
    check(cfg["geoip"]["databases"] == ["/tmp/gkbench/geo.mmdb"], "bench: database is not /tmp/gkbench/geo.mmdb")
    check(cfg["log"].get("access") == "", "bench: access log is on")
    rules = [r for f in sorted((src / "deploy/bench/rules").glob("*.toml"))
             for r in tomllib.loads(f.read_text()).get("rule", [])]
    by_action = {r["action"]: r for r in rules}
    check(len(rules) == 2, "bench: expected exactly two rules")
    n = by_action.get("notice", {})
    check(n.get("regions") == ["RU"] and n.get("notice") == "bench-banner"
          and n.get("position", "body-start") == "body-start", "bench: RU does not get bench-banner at body start")
    rd = by_action.get("redirect", {})
    check(sorted(rd.get("regions", [])) == ["CN", "IR"] and rd.get("mirrors") == ["https://mirror.example.org"]
          and rd.get("status") == 302, "bench: CN/IR are not sent 302 to https://mirror.example.org")


def check_demo_site(src):
    site = src / "deploy/demo/site"
    pages = sorted(site.rglob("*.html"))
    check(len(pages) >= 4, "demo: fewer than four HTML pages")
    for p in pages:
        check(re.search(rb"<body[\s>]", p.read_bytes(), re.I), f"demo: {p.name} has no <body>")
    cp = site / "ru/archive-1251.html"
    if check(cp.is_file(), "demo: no windows-1251 page"):
        raw = cp.read_bytes()
        check(b"charset=windows-1251" in raw, "demo: the 1251 page does not declare its charset")
        try:
            raw.decode("utf-8")
            failures.append("demo: the windows-1251 page decodes as UTF-8")
        except UnicodeDecodeError:
            pass
        check("Архив" in raw.decode("cp1251"), "demo: the windows-1251 page is not Cyrillic in cp1251")
    check((site / "robots.txt").is_file(), "demo: no robots.txt")
    check((site / "static/logo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "demo: logo.png is not a PNG")


def check_docs(src, schema):
    doc = src / "docs/operations.md"
    if not check(doc.is_file(), "docs/operations.md missing"):
        return
    text = doc.read_text()
    for table, keys in schema.items():
        for k in keys:
            if table == "tls" and k == "certificates":
                continue
            # The reference has one row per key, named `table.key` (or `threads`).
            check(f"`{table}.{k}`" in text, f"docs/operations.md does not document `{table}.{k}`")
    check("`threads`" in text, "docs/operations.md does not document `threads`")


def main(src):
    schema = config_schema(src)
    for cfg in ("deploy/example/geogate.toml", "deploy/bench/geogate.toml", "deploy/container/geogate.toml",
                "deploy/kubernetes/geogate.toml"):
        check_config_file(src / cfg, schema)
    check_rules(src)
    check_bench(src)
    check_demo_site(src)
    check_docs(src, schema)


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    for f in failures:
        print(f"FAIL: {f}")
    print("configs: " + ("ok" if not failures else f"{len(failures)} problem(s)"))
    sys.exit(1 if failures else 0)
