"""The Kafka distribution a local broker runs: Java and Maven checks, jars from Maven Central.

The broker's jars are resolved by ``deploy/kafka-broker/pom.xml`` into a libs directory
(once: a stamp file records the version), and it runs on the ``java`` of JAVA_HOME or PATH.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from kafka_local.diagnostics import tail_text
from kafka_local.errors import KafkaToolError

__all__ = [
    "DEFAULT_LIBS",
    "KAFKA_VERSION",
    "LOG4J2_CONFIG",
    "REPO_ROOT",
    "ensure_libs",
    "require_java",
]

KAFKA_VERSION = "4.2.0"
"""Kafka release resolved by deploy/kafka-broker/pom.xml (keep both in sync)."""

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY_KAFKA_DIR = REPO_ROOT / "deploy" / "kafka-broker"
POM_FILE = DEPLOY_KAFKA_DIR / "pom.xml"
LOG4J2_CONFIG = DEPLOY_KAFKA_DIR / "log4j2.yaml"
DEFAULT_LIBS = REPO_ROOT / ".local" / "kafka" / "libs"

LIBS_STAMP = ".kafka-version"

_log = logging.getLogger(__name__)

_JAVA_REQUIRED = (
    "Java 17+ is required to run the local Kafka broker: install a JDK "
    "(e.g. apt-get install openjdk-17-jre-headless) or put `java` on PATH / set JAVA_HOME."
)


def _java_major(java: str) -> int | None:
    """Major version of ``java`` from ``java -version`` (``"1.8.0_x"`` -> 8), None if unknown."""
    try:
        result = subprocess.run(
            [java, "-version"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        major = int(match.group(2))
    return major


def require_java() -> str:
    """The ``java`` of JAVA_HOME, else of PATH; it must be Java 17 or newer."""
    java: str | None = None
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            java = str(candidate)
    if java is None:
        java = shutil.which("java")
    if java is None:
        raise KafkaToolError(_JAVA_REQUIRED)
    major = _java_major(java)
    if major is not None and major < 17:
        raise KafkaToolError(f"{_JAVA_REQUIRED} Found Java {major} at {java}.")
    return java


def _require_mvn() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaToolError(
            "Maven is required to download the Kafka broker jars: install it "
            "(e.g. apt-get install maven) and make sure `mvn` is on PATH, "
            f"or fill the libs directory yourself and add a {LIBS_STAMP} file containing "
            f"{KAFKA_VERSION!r}."
        )
    return mvn


def ensure_libs(libs_dir: Path = DEFAULT_LIBS) -> None:
    """Make sure ``libs_dir`` holds the Kafka broker jars, resolving them with Maven if needed.

    A stamp file (``.kafka-version``) records the resolved Kafka version, so once the jars are
    there this returns immediately without starting Maven.

    Raises:
        KafkaToolError: Maven is missing or the resolution failed (message has mvn's output).
    """
    libs_dir = Path(libs_dir).resolve()
    stamp = libs_dir / LIBS_STAMP
    try:
        if stamp.read_text(encoding="utf-8").strip() == KAFKA_VERSION:
            return
    except FileNotFoundError:
        pass
    mvn = _require_mvn()
    libs_dir.mkdir(parents=True, exist_ok=True)
    # A previous Kafka version's jars must not linger on the classpath.
    for old in libs_dir.glob("*.jar"):
        old.unlink()
    cmd = [
        mvn,
        "-B",
        "-q",
        "-Dstyle.color=never",
        "-f",
        str(POM_FILE),
        f"-Dkafka.libs.dir={libs_dir}",
        "package",
    ]
    _log.info("resolving Kafka %s jars into %s", KAFKA_VERSION, libs_dir)
    try:
        result = subprocess.run(
            cmd,
            cwd=DEPLOY_KAFKA_DIR,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise KafkaToolError(f"could not run Maven ({mvn}): {exc}") from exc
    if result.returncode != 0 or not (libs_dir / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file():
        output = tail_text(result.stdout + result.stderr)
        raise KafkaToolError(
            f"Maven could not resolve Kafka {KAFKA_VERSION} (exit code {result.returncode}).\n"
            f"Command: {' '.join(cmd)}\n"
            "Check network access to Maven Central (or your ~/.m2/settings.xml mirror), "
            "then retry.\n"
            f"--- last lines of mvn output ---\n{output}"
        )
    stamp.write_text(KAFKA_VERSION + "\n", encoding="utf-8")
