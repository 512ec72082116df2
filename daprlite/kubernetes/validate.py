"""`components validate --kubernetes`: every file's API-server verdict and lints, at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from daprlite.components.loader import component_files, compose_documents
from daprlite.kubernetes.component_rules import document_findings
from daprlite.kubernetes.findings import Finding, in_order
from daprlite.kubernetes.lints import ComponentDoc, component_lints, duplicate_names, read_component


@dataclass(frozen=True, slots=True)
class Checked:
    findings: list[Finding]  # errors first, then warnings
    components: list[ComponentDoc]
    files: list[Path]


def check_paths(paths: Sequence[Path]) -> Checked:
    """Read every YAML file under `paths` (folders non-recursive, as daprd reads them)."""
    files = component_files(paths)
    found: list[Finding] = []
    docs: list[ComponentDoc] = []
    for file in files:
        roots, unreadable = compose_documents(file)
        found.extend(Finding("error", p.file, p.line, p.message) for p in unreadable)
        for root in roots:
            found.extend(document_findings(file, root))
            doc = read_component(file, root)
            if doc is not None:
                docs.append(doc)
                found.extend(component_lints(doc))
    found.extend(duplicate_names(docs))
    return Checked(in_order(found), docs, files)
