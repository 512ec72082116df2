"""The broker's jars: `$KAFKA_HOME/libs`, or Kafka and its runtime dependencies copied from Maven
into a versioned cache folder by a throw-away pom, once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from daprlite.localkafka.settings import BrokerSettings
from daprlite.model.errors import BrokerError

# Kafka 4.1 logs through SLF4J 1.7; the binary distribution ships log4j2 behind it, so do we.
LOG4J_VERSION = "2.24.3"
_MARKER = ".complete"

Runner = Callable[[list[str], Path], "subprocess.CompletedProcess[str]"]


def find_java() -> str:
    """`$JAVA_HOME/bin/java` when set, else `java` on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise BrokerError(
            "java was not found: the local Kafka broker needs a Java 17+ runtime. "
            "Install one (e.g. `apt install openjdk-17-jre-headless`) or set JAVA_HOME."
        )
    return found


def render_pom(version: str) -> str:
    """A pom whose only purpose is to make `mvn dependency:copy-dependencies` fetch the broker."""
    deps = [
        ("org.apache.kafka", "kafka_2.13", version),
        ("org.apache.logging.log4j", "log4j-core", LOG4J_VERSION),
        ("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION),
    ]
    items = "\n".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>"
        for g, a, v in deps
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        "  <groupId>dev.daprlite</groupId>\n"
        "  <artifactId>kafka-distribution</artifactId>\n"
        "  <version>1</version>\n"
        "  <packaging>pom</packaging>\n"
        f"  <dependencies>\n{items}\n  </dependencies>\n"
        "</project>\n"
    )


def _run_maven(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )


def is_complete(libs: Path) -> bool:
    return (libs / _MARKER).is_file()


def ensure_distribution(settings: BrokerSettings, run: Runner = _run_maven) -> Path:
    """The folder of jars to put on the classpath, downloading them with Maven if needed."""
    libs = settings.libs_dir
    if settings.kafka_home is not None:
        if not any(libs.glob("kafka_*.jar")):
            raise BrokerError(
                f"KAFKA_HOME is {settings.kafka_home} but {libs} holds no kafka_*.jar; "
                "point KAFKA_HOME at an unpacked Apache Kafka distribution or unset it."
            )
        return libs
    if is_complete(libs):
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(
            f"mvn was not found: it is needed once to download Apache Kafka {settings.version}. "
            "Install Maven (e.g. `apt install maven`) or set KAFKA_HOME to an unpacked Kafka."
        )
    libs.parent.mkdir(parents=True, exist_ok=True)
    # Copy into a sibling temp folder and rename: a half-finished download is never mistaken
    # for a distribution, and two concurrent inits cannot mix their files.
    with tempfile.TemporaryDirectory(prefix=".mvn-", dir=libs.parent) as work:
        work_dir = Path(work)
        (work_dir / "pom.xml").write_text(render_pom(settings.version))
        staged = work_dir / "libs"
        command = [
            mvn,
            "-q",
            "-B",
            *settings.maven_args,
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staged}",
            "-DincludeScope=runtime",
        ]
        result = run(command, work_dir)
        if result.returncode != 0 or not any(staged.glob("kafka_*.jar")):
            output = (result.stdout + result.stderr).strip().splitlines()[-20:]
            raise BrokerError(
                f"Maven could not download Apache Kafka {settings.version} "
                f"(exit code {result.returncode}). Check network access to Maven Central "
                "(or your ~/.m2/settings.xml mirror), or set KAFKA_HOME.\n" + "\n".join(output)
            )
        (staged / _MARKER).write_text(settings.version + "\n")
        if is_complete(libs):  # another init won the race
            return libs
        if libs.exists():
            shutil.rmtree(libs)
        staged.rename(libs)
    return libs


def detect_version(libs: Path) -> str | None:
    """The Kafka version a libs folder holds, read from its kafka_2.13-X.jar name."""
    for jar in sorted(libs.glob("kafka_*-*.jar")):
        name = jar.stem
        if name.count("-") == 1:  # skip -test, -sources and the like
            return name.split("-", 1)[1]
    return None
