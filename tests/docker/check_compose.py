#!/usr/bin/env python3
"""Static checks of docker/compose.yaml and docker/Dockerfile, without a Docker daemon.

What a user would check before `docker compose up`:
  - the compose tool's own validation (`docker compose config -q`, else Debian's
    `docker-compose config -q`), when either is installed;
  - every service has an image or a build; a build's context, Dockerfile and target stage exist;
  - every bind-mounted file or directory exists in the repository, every named volume is
    declared, every depends_on names a service, every published port is bound to 127.0.0.1;
  - every /opt/gangway/<path> a service runs is a repository file the Dockerfile copies there;
  - the gateway configs mounted from docker/ load (`gangway check-config`, with /secrets/...
    pointed at stand-in files) and have the same keys as the config demo/run.sh writes;
  - the Dockerfile's build stage runs scripts/test.sh's cmake configure line and ninja
    invocation, so the image builds the targets the tests build; every file it copies exists;
    the runtime stages install no -dev package and run as a non-root user.

Usage: check_compose.py [--gangway BINARY] [--self-test]
  --self-test  also breaks each of the above on purpose and fails unless every break is found.
Exit status: 0 clean, 1 problems found (each printed), 2 bad usage.
"""
import argparse
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("check_compose: python3-yaml is missing (scripts/bootstrap.sh installs it)")

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
COMPOSE = os.path.join(REPO, "docker", "compose.yaml")
IMAGE_HOME = "/opt/gangway/"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---- the Dockerfile ------------------------------------------------------------------------

def dockerfile_stages(text):
    """{stage name: [instructions]}, continuation lines joined, comments dropped."""
    stages, current = {}, None
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.I)
        if m:
            current = stages.setdefault(m.group(1), [])
        elif current is not None:
            current.append(" ".join(line.split()))
    return stages


def run_commands(instructions):
    """The shell commands of the RUN instructions, split at &&."""
    return [c.strip() for i in instructions if i.startswith("RUN ") for c in i[4:].split("&&")]


def copied_paths(instructions):
    """{path in the image: repository path} for every file the COPY instructions take from
    the build context."""
    out = {}
    for i in instructions:
        words = i.split()
        if words[0] != "COPY" or any(w.startswith("--from") for w in words):
            continue
        *sources, dest = words[1:]
        for source in sources:
            local = os.path.join(REPO, source)
            if os.path.isdir(local):
                for root, _, files in os.walk(local):
                    for f in files:
                        rel = os.path.relpath(os.path.join(root, f), REPO)
                        out[os.path.join(dest, os.path.relpath(rel, source))] = rel
            else:
                target = os.path.join(dest, os.path.basename(source)) if dest.endswith("/") else dest
                out[target] = source
    return out


def test_sh_lines(text):
    """scripts/test.sh's first cmake configure and ninja lines, with build dir `build`."""
    def first(prefix):
        for line in text.splitlines():
            line = line.strip()
            if line.startswith(prefix):
                line = line.replace('"$build_dir"', "build").replace(">/dev/null", "")
                return " ".join(line.split())
        return None
    return first("cmake -S"), first("ninja -C")


def check_dockerfile(dockerfile, test_sh):
    problems = []
    stages = dockerfile_stages(dockerfile)
    for stage in ("build", "runtime"):
        if stage not in stages:
            problems.append(f"Dockerfile: no stage {stage}")
    if problems:
        return problems
    commands = run_commands(stages["build"])
    for wanted in test_sh_lines(test_sh):
        tool = wanted.split()[0] if wanted else "?"
        found = [c for c in commands if c.split()[0] == tool]
        if wanted is None:
            problems.append(f"scripts/test.sh: no {tool} line found")
        elif found != [wanted]:
            problems.append(f"Dockerfile build stage: {tool} must run exactly as scripts/test.sh "
                            f"does ({wanted!r}); found {found}")
    for name, instructions in stages.items():
        for i in instructions:
            words = i.split()
            if words[0] == "COPY" and not any(w.startswith("--from") for w in words):
                for source in words[1:-1]:
                    if not os.path.exists(os.path.join(REPO, source)):
                        problems.append(f"Dockerfile stage {name}: COPY {source}: not in the repository")
        if name == "build":
            continue
        installs = " ".join(c for c in run_commands(instructions) if "apt-get install" in c)
        for package in re.findall(r"\S+-dev\b|\bbuild-essential\b|\bcmake\b", installs):
            problems.append(f"Dockerfile stage {name}: installs build package {package}")
        users = [i.split()[1] for i in instructions if i.startswith("USER ")]
        if not users or users[-1] in ("root", "0"):
            problems.append(f"Dockerfile stage {name}: must end as a non-root USER")
    return problems


# ---- the compose file ----------------------------------------------------------------------

def bind_source(volume):
    """(source, is_bind) of a short or long volume entry."""
    if isinstance(volume, dict):
        return volume.get("source", ""), volume.get("type") == "bind"
    source = volume.split(":")[0]
    return source, source.startswith((".", "/", "~"))


def check_ports(name, ports):
    problems = []
    for port in ports or []:
        if isinstance(port, dict):
            host_ip = port.get("host_ip")
        else:
            parts = str(port).split(":")
            host_ip = ":".join(parts[:-2]) if len(parts) >= 3 else None
        if host_ip != "127.0.0.1":
            problems.append(f"services.{name}.ports: {port!r} must be bound to 127.0.0.1")
    return problems


def check_compose(compose, dockerfile_text, compose_dir):
    problems = []
    services = compose.get("services") or {}
    declared_volumes = set((compose.get("volumes") or {}).keys())
    if not services:
        return ["compose: no services"]
    for name, s in services.items():
        where = f"services.{name}"
        if "image" not in s and "build" not in s:
            problems.append(f"{where}: has neither image nor build")
        build = s.get("build")
        if build:
            context = os.path.normpath(os.path.join(compose_dir, build.get("context", ".")))
            dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile"))
            if not os.path.isdir(context):
                problems.append(f"{where}.build.context: no directory {context}")
            elif not os.path.isfile(dockerfile):
                problems.append(f"{where}.build.dockerfile: no file {dockerfile}")
            elif build.get("target") and build["target"] not in dockerfile_stages(dockerfile_text):
                problems.append(f"{where}.build.target: no stage {build['target']} in the Dockerfile")
        for volume in s.get("volumes") or []:
            source, is_bind = bind_source(volume)
            if is_bind:
                path = os.path.normpath(os.path.join(compose_dir, source))
                if not os.path.exists(path):
                    problems.append(f"{where}.volumes: {source}: no such file in the repository")
                elif os.path.commonpath([path, REPO]) != REPO:
                    problems.append(f"{where}.volumes: {source}: outside the repository")
            elif source not in declared_volumes:
                problems.append(f"{where}.volumes: {source}: not a declared volume")
        depends = s.get("depends_on") or []
        for other in depends:
            if other not in services:
                problems.append(f"{where}.depends_on: no service {other}")
        problems += check_ports(name, s.get("ports"))
        if s.get("network_mode") == "host":
            problems.append(f"{where}: network_mode host publishes every port on every address")
        stage = (build or {}).get("target")
        copied = copied_paths(dockerfile_stages(dockerfile_text).get(stage, [])) if stage else {}
        if stage == "demo":  # the demo stage builds on the runtime stage
            copied.update(copied_paths(dockerfile_stages(dockerfile_text).get("runtime", [])))
        for word in re.findall(re.escape(IMAGE_HOME) + r"[\w./-]+", str(s.get("command", ""))):
            if word not in copied:
                problems.append(f"{where}.command: {word} is not copied into its image")
            elif not os.path.isfile(os.path.join(REPO, copied[word])):
                problems.append(f"{where}.command: {word}: no file {copied[word]}")
    return problems


# ---- the gateway configs -------------------------------------------------------------------

def config_keys(text):
    """{"table.key"} of a TOML text, line by line (demo/run.sh's heredoc is not TOML as is)."""
    keys, table = set(), ""
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r"\[([\w.$-]+)\]$", line)
        if m:
            # Each config names the other site's database: compare the shape, not the name.
            table = re.sub(r"^sites\.[^.]+\.database$", "sites.<other>.database", m.group(1))
        elif re.match(r"[a-z_]+ = ", line):
            keys.add(f"{table}.{line.split(' = ')[0]}")
    return keys


def run_sh_config(run_sh):
    """The gateway config heredoc, with what other_site_database() writes into it."""
    m = re.search(r'cat >"\$dir/gangway.toml" <<TOML\n(.*?)\nTOML\n', run_sh, re.S)
    other = re.search(r'other_site_database\(\) \{.*?cat <<TOML\n(.*?)\nTOML\n', run_sh, re.S)
    if not m:
        return ""
    return m.group(1) + ("\n" + other.group(1) if other else "")


def mounted_configs(compose, compose_dir):
    found = set()
    for s in (compose.get("services") or {}).values():
        for volume in s.get("volumes") or []:
            source, is_bind = bind_source(volume)
            if is_bind and source.endswith(".toml"):
                found.add(os.path.normpath(os.path.join(compose_dir, source)))
    return sorted(found)


def check_configs(compose, compose_dir, run_sh, gangway):
    problems = []
    demo_keys = config_keys(run_sh_config(run_sh))
    if not demo_keys:
        problems.append("demo/run.sh: the gateway config heredoc was not found")
    configs = mounted_configs(compose, compose_dir)
    if not configs:
        problems.append("compose: no gateway config (*.toml) is mounted")
    for path in configs:
        text = read(path)
        rel = os.path.relpath(path, REPO)
        if demo_keys and config_keys(text) != demo_keys:
            problems.append(f"{rel}: keys differ from demo/run.sh's config: only here "
                            f"{sorted(config_keys(text) - demo_keys)}, only there "
                            f"{sorted(demo_keys - config_keys(text))}")
        if gangway:
            problems += check_config_loads(rel, text, gangway)
    return problems


def check_config_loads(rel, text, gangway):
    """`gangway check-config` on the config, its /secrets/... files replaced by stand-ins."""
    with tempfile.TemporaryDirectory() as tmp:
        for secret in set(re.findall(r'"/secrets/([^"]+)"', text)):
            path = os.path.join(tmp, secret)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("stand-in-secret-0123456789abcdef\n")
        config = os.path.join(tmp, "gangway.toml")
        with open(config, "w") as f:
            f.write(text.replace('"/secrets/', f'"{tmp}/'))
        done = subprocess.run([gangway, "check-config", "--config", config],
                              capture_output=True, text=True)
        if done.returncode != 0:
            return [f"{rel}: gangway check-config failed: {done.stderr.replace(tmp, '/secrets')}"]
    return []


# ---- the compose tool ----------------------------------------------------------------------

def compose_tool():
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def tool_problems(tool, compose_file):
    done = subprocess.run(tool + ["-f", compose_file, "config", "-q"], capture_output=True,
                          text=True, cwd=REPO)
    if done.returncode != 0:
        return [f"{' '.join(os.path.basename(t) for t in tool)} config: {done.stderr.strip()}"]
    return []


# ---- main ----------------------------------------------------------------------------------

def all_problems(compose, dockerfile, test_sh, run_sh, gangway):
    compose_dir = os.path.dirname(COMPOSE)
    return (check_compose(compose, dockerfile, compose_dir) + check_dockerfile(dockerfile, test_sh)
            + check_configs(compose, compose_dir, run_sh, gangway))


def self_test(compose, dockerfile, test_sh, run_sh, gangway, tool):
    """Each break must be found; returns the breaks that were not."""
    def broken(edit):
        c = copy.deepcopy(compose)
        edit(c["services"])
        return c
    first = next(iter(compose["services"]))
    breaks = {
        "a port on every address": (broken(lambda s: s["gateway-legacy"].update(
            ports=["8443:8443"])), dockerfile, run_sh),
        "a missing bind-mounted file": (broken(lambda s: s["mariadb-legacy"]["volumes"].append(
            "../demo/no_such_seed.sql:/docker-entrypoint-initdb.d/3.sql:ro")), dockerfile, run_sh),
        "an undeclared volume": (broken(lambda s: s[first]["volumes"].append("nowhere:/x")),
                                 dockerfile, run_sh),
        "an unknown build target": (broken(lambda s: s["gateway-new"].update(
            build={**s["gateway-new"]["build"], "target": "nosuchstage"})), dockerfile, run_sh),
        "no image and no build": (broken(lambda s: s.update(
            {"app-new": {"command": s["app-new"]["command"]}})), dockerfile, run_sh),
        "depends_on an unknown service": (broken(lambda s: s["init"]["depends_on"].update(
            nosuch={"condition": "service_started"})), dockerfile, run_sh),
        "a script the image lacks": (broken(lambda s: s["setup"].update(
            command=["bash", IMAGE_HOME + "docker/no_such.sh"])), dockerfile, run_sh),
        "a different cmake line": (compose, dockerfile.replace(" -DGANGWAY_TESTS=ON", ""), run_sh),
        "fewer ninja targets": (compose, re.sub(r"ninja -C build\b", "ninja -C build gangway",
                                                dockerfile), run_sh),
        "a COPY of a missing file": (compose, dockerfile.replace(
            "COPY demo/ ", "COPY demo/no_such_file "), run_sh),
        "a runtime stage running as root": (compose, dockerfile.replace(
            "USER gangway\nEXPOSE", "USER root\nEXPOSE"), run_sh),
        "a config key demo/run.sh lacks": (compose, dockerfile, run_sh.replace(
            "pool_size = 4\n", "")),
    }
    missed = [what for what, (c, d, r) in breaks.items() if not all_problems(c, d, test_sh, r, None)]
    if gangway:
        legacy = read(os.path.join(REPO, "docker", "legacy.toml"))
        if not check_config_loads("legacy.toml", legacy.replace("[upstream]", "[upstream]\nx = 1"),
                                  gangway):
            missed.append("a config gangway does not load")
    if tool:
        bad = copy.deepcopy(compose)
        for s in bad["services"].values():
            if "build" in s:
                s["build"]["context"] = REPO
        bad["services"][first]["no_such_option"] = True
        with tempfile.TemporaryDirectory() as tmp:
            bad_file = os.path.join(tmp, "compose.yaml")
            with open(bad_file, "w") as f:
                yaml.safe_dump(bad, f)
            if not tool_problems(tool, bad_file):
                missed.append("a compose file the compose tool refuses")
    return missed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gangway", help="the gangway binary, to check-config the configs")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    compose = yaml.safe_load(read(COMPOSE))
    dockerfile = read(os.path.join(REPO, "docker", "Dockerfile"))
    test_sh = read(os.path.join(REPO, "scripts", "test.sh"))
    run_sh = read(os.path.join(REPO, "demo", "run.sh"))
    tool = compose_tool()

    problems = all_problems(compose, dockerfile, test_sh, run_sh, args.gangway)
    if tool:
        problems += tool_problems(tool, COMPOSE)
        print(f"check_compose: validated with {' '.join(tool)}")
    else:
        print("check_compose: no compose tool (docker compose, docker-compose): its validation skipped")
    if args.self_test:
        missed = self_test(compose, dockerfile, test_sh, run_sh, args.gangway, tool)
        problems += [f"self-test: not detected: {what}" for what in missed]
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"check_compose: {len(compose['services'])} services, Dockerfile and configs clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())
