"""The execution environment for AWX: built for real, cached by what goes into it.

``python -m lab ee`` builds (or finds) two images and prints the second one's tag:

- ``localhost/hisops-ee-base:trixie-<hash of ee/base>``: Debian 13 made with debootstrap
  (``ee/base/rootfs.sh``), as no container registry is reachable;
- ``localhost/hisops-ee:<hash>``: ``ansible-builder build`` of ``execution-environment.yml`` on
  that base, with the collection artifact of ``ansible-galaxy collection build`` and the
  Python pins. The hash covers the base's tag, the definition, the requirements and lock
  files, ansible-builder's version and the artifact's file manifest (each file's checksum,
  no timestamps), so an unchanged image is reused and any change rebuilds it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from lab.podman import ROOT, LabError, build_rootfs_image, image_exists, podman, podman_env, recipe_hash, say

BASE_DIR = ROOT / "ee" / "base"
BASE_REPO = "localhost/hisops-ee-base"
EE_REPO = "localhost/hisops-ee"
DEFINITION = ROOT / "execution-environment.yml"
ARTIFACT = ROOT / "ee" / "context-files" / "hisops-him.tar.gz"
# Every file the build reads besides the artifact and the base (execution-environment.yml
# names them).
BUILD_INPUTS = (DEFINITION, ROOT / "requirements.txt", ROOT / "constraints.txt")
# pip inside the build reaches the package index the way this machine's pip does: its global
# configuration and CA certificates (a site's TLS-inspecting proxy) are mounted into the build's
# RUN steps only, never copied into the image.
BUILD_MOUNTS = (Path("/etc/pip.conf"), Path("/etc/ssl/certs/ca-certificates.crt"))


def base_tag() -> str:
    return "%s:trixie-%s" % (BASE_REPO, recipe_hash(BASE_DIR))


def build_artifact() -> Path:
    """``ansible-galaxy collection build`` of this repository, where the definition expects it."""
    with tempfile.TemporaryDirectory(prefix="hisops-ee-artifact-") as out:
        subprocess.run(
            [str(Path(sys.executable).parent / "ansible-galaxy"), "collection", "build", "--output-path", out],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (built,) = Path(out).glob("*.tar.gz")
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, ARTIFACT)
    return ARTIFACT


def artifact_digest(artifact: Path) -> str:
    """The artifact's identity: its manifests (every file's checksum), not the tar's timestamps."""
    digest = hashlib.sha256()
    with tarfile.open(artifact) as tar:
        for name in ("MANIFEST.json", "FILES.json"):
            member = tar.extractfile(name)
            if member is None:
                raise LabError("the collection artifact %s has no %s" % (artifact, name))
            digest.update(json.dumps(json.load(member), sort_keys=True).encode())
    return digest.hexdigest()


def ee_tag(artifact: Path) -> str:
    digest = hashlib.sha256()
    digest.update(base_tag().encode())
    digest.update(importlib.metadata.version("ansible-builder").encode())
    for path in BUILD_INPUTS:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(artifact_digest(artifact).encode())
    return "%s:%s" % (EE_REPO, digest.hexdigest()[:12])


def build_base() -> str:
    tag = base_tag()
    if not image_exists(tag):
        build_rootfs_image(BASE_DIR / "rootfs.sh", "trixie", tag)
    return tag


def build_ee() -> str:
    """The execution environment's tag, built when no image of that content exists."""
    tag = ee_tag(build_artifact())
    if image_exists(tag):
        say("execution environment %s is up to date" % tag)
        return tag
    started = time.monotonic()
    base = build_base()
    say("building execution environment %s with ansible-builder" % tag)
    with tempfile.TemporaryDirectory(prefix="hisops-ee-context-", dir="/var/tmp") as context:
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-builder"),
                "build",
                "--container-runtime",
                "podman",
                "-f",
                str(DEFINITION),
                "-c",
                context,
                "-t",
                tag,
                "--build-arg",
                "EE_BASE_IMAGE=" + base,
                "--extra-build-cli-args=" + " ".join("-v %s:%s:ro" % (p, p) for p in BUILD_MOUNTS if p.is_file()),
                "-v",
                "2",
            ],
            cwd=ROOT,
            env=podman_env(),
            check=False,
        )
    if proc.returncode != 0:
        raise LabError("ansible-builder build failed (exit %d): see its output above" % proc.returncode)
    say("execution environment %s built in %.0f s" % (tag, time.monotonic() - started))
    prune_old(EE_REPO, keep={tag})
    prune_old(BASE_REPO, keep={base})
    return tag


def prune_old(repo: str, keep: set[str]) -> None:
    """Remove the repository's images of older content."""
    out = podman("images", "--format", "{{.Repository}}:{{.Tag}}", repo, check=False)
    for tag in out.split():
        if tag not in keep and tag.startswith(repo + ":"):
            podman("rmi", "-f", tag, check=False)
