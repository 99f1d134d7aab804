"""Readers for the static checks of the Docker stack (tests/test_compose*.py).

docker-compose.yaml is read with PyYAML and its ${VAR:-default} interpolation resolved the
way `docker compose config` does with no .env file; include/docker/Dockerfile is split into
its stages and instructions; the lock files are read as name -> version. No Docker engine
is involved.
"""

from __future__ import annotations

import fnmatch
import math
import re
import shlex
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKER_DIR = ROOT / "include" / "docker"
DOCKERFILE = DOCKER_DIR / "Dockerfile"
DOCKERIGNORE = DOCKER_DIR / "Dockerfile.dockerignore"
INIT_SQL = DOCKER_DIR / "init-warehouse.sql"
INIT_SUPERSET_SQL = DOCKER_DIR / "init-superset.sql"
BI_LOGIN_SQL = DOCKER_DIR / "bi-login.sql"
SUPERSET_DIR = DOCKER_DIR / "superset"
ENV_EXAMPLE = ROOT / ".env.example"
COMPOSE_DOC = ROOT / "docs" / "compose.md"
LOCK_FILE = ROOT / "requirements.lock"
PROD_LOCK_FILE = ROOT / "requirements-prod.lock"
REQUIREMENTS = ROOT / "requirements.txt"
PROD_REQUIREMENTS = ROOT / "requirements-prod.txt"

PLACEHOLDER = "change-me"
PROD_TARGET = "prod"
SUPERSET_TARGET = "superset"

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}, ${VAR:+alt}, ${VAR+alt}
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
_TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]{20,}")


# ------------------------------------------------------------------------ compose file


def interpolate(value: str) -> str:
    """Resolve compose interpolation the way `docker compose config` does with no .env."""

    def replace(match: re.Match[str]) -> str:
        operator, default = match.group(2), match.group(3) or ""
        if operator in {":-", "-"}:
            return default
        return ""

    return INTERPOLATION.sub(replace, value.replace("$$", "\0")).replace("\0", "$")


def resolve(node: Any) -> Any:
    if isinstance(node, str):
        return interpolate(node)
    if isinstance(node, dict):
        return {key: resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item) for item in node]
    return node


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


@cache
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


def raw() -> dict[str, Any]:
    """The file as written (anchors merged, nothing interpolated)."""
    data = yaml.safe_load(compose_text())
    assert isinstance(data, dict)
    return data


def compose() -> dict[str, Any]:
    """The file as `docker compose config` would see it with no .env file."""
    resolved = resolve(raw())
    assert isinstance(resolved, dict)
    return resolved


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) for item in env)
        return {pair[0]: pair[1] if len(pair) == 2 else "" for pair in pairs}
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def is_one_shot(service: dict[str, Any]) -> bool:
    """A service that runs to completion (restart "no"), such as airflow-init."""
    return str(service.get("restart", "no")) == "no"


def builds(service: dict[str, Any], target: str) -> bool:
    build = service.get("build")
    return isinstance(build, dict) and build.get("target") == target


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """Host path (relative, as written) -> container path for short-syntax bind mounts."""
    mounts: dict[str, str] = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str) and volume.startswith("."):
            host, target = volume.split(":")[:2]
            mounts[host] = target
        elif isinstance(volume, dict) and volume.get("type") == "bind":
            mounts[volume["source"]] = volume["target"]
    return mounts


def named_volumes(service: dict[str, Any]) -> dict[str, str]:
    """Volume name -> container path for short-syntax named volumes."""
    mounts: dict[str, str] = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str) and not volume.startswith((".", "/")):
            name, target = volume.split(":")[:2]
            mounts[name] = target
    return mounts


def published_ports() -> dict[str, int]:
    """Service -> the default host port of each published port (`[ip:]host:container`)."""
    ports: dict[str, int] = {}
    for name, service in services().items():
        for port in service.get("ports", []):
            parts = str(port).split(":")
            assert len(parts) >= 2, f"{name}: publish {port} with an explicit host port"
            ports[f"{name}:{parts[-1]}"] = int(parts[-2])
    return ports


# ---------------------------------------------------------------------------- secrets


def is_placeholder(value: str) -> bool:
    return value == "" or PLACEHOLDER in value.lower()


def looks_random(token: str) -> bool:
    """A long mixed letters/digits string with high character entropy: a key, not a word."""
    if len(token) < 20 or is_placeholder(token):
        return False
    if not (re.search(r"[A-Za-z]", token) and re.search(r"[0-9]", token)):
        return False
    mixed_case = bool(re.search(r"[a-z]", token) and re.search(r"[A-Z]", token))
    long_hex = len(token) >= 32 and re.fullmatch(r"[0-9a-fA-F]+", token) is not None
    if not (mixed_case or long_hex):
        return False  # e.g. a URL path such as 8080/api/v2/monitor/health
    counts = Counter(token)
    entropy = -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())
    return entropy >= 3.5


def random_tokens(text: str) -> list[str]:
    return [token for token in _TOKEN.findall(text) if looks_random(token)]


def env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


# ------------------------------------------------------------------------- Dockerfile


@dataclass(frozen=True)
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]]  # (INSTRUCTION, arguments), continuations joined

    def args(self, instruction: str) -> list[str]:
        return [rest for name, rest in self.instructions if name == instruction]

    def copies(self) -> list[tuple[list[str], str]]:
        """(sources, destination) of every COPY that reads the build context."""
        result = []
        for rest in self.args("COPY"):
            words = [word for word in shlex.split(rest) if not word.startswith("--")]
            if "--from=" not in rest:
                result.append((words[:-1], words[-1]))
        return result

    def made_dirs(self) -> set[str]:
        """Folders created by `mkdir -p` or `useradd --home-dir` in RUN instructions."""
        made: set[str] = set()
        for rest in self.args("RUN"):
            for command in re.split(r"&&|;", rest):
                words = shlex.split(command)
                if words[:2] == ["mkdir", "-p"]:
                    made.update(word.rstrip("/") for word in words[2:])
                if words and words[0] == "useradd" and "--home-dir" in words:
                    made.add(words[words.index("--home-dir") + 1].rstrip("/"))
        return made


def dockerfile_stages() -> dict[str, Stage]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", rest.strip(), re.IGNORECASE)
            assert match, f"every stage needs a name: FROM {rest}"
            current = Stage(match.group(2), match.group(1), [])
            stages[current.name] = current
        else:
            assert current is not None, f"{line} before the first FROM"
            current.instructions.append((instruction, rest.strip()))
    return stages


def dockerignore_excludes(path: str) -> bool:
    """Whether the build context filter drops `path` (last matching pattern wins)."""
    excluded = False
    for raw_line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").rstrip("/")
        clean = path.rstrip("/")
        if (
            fnmatch.fnmatch(clean, pattern)
            or clean.startswith(pattern + "/")
            or fnmatch.fnmatch(clean, pattern.replace("**/", ""))
        ):
            excluded = not negate
    return excluded


# ------------------------------------------------------------------------------ locks


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        assert match, f"{path.name}: not a plain pin: {line!r}"
        pins[canonical(match.group(1))] = match.group(2)
    return pins


def requirement_names(lines: list[str]) -> list[str]:
    names = []
    for raw_line in lines:
        line = raw_line.split("#", 1)[0].strip()
        if line:
            names.append(canonical(re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0]))
    return names
