"""One configured serializer: specs once per definition version, instance state without the spec.

State JSON is only ever produced by this server. Loading refuses any document whose serializer
version differs from ours *before* the library sees it: SpiffWorkflow's migrations of old
versions run plain ``eval`` on expressions inside the document (notes §6a).
"""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (BpmnWorkflowConverter,
                                                           WorkflowConverter)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .errors import EngineError


class _SharedSpecConverter(BpmnWorkflowConverter):
    """Writes a workflow's own state without its specs, and restores it around spec objects
    already in memory (specs are parsed and stored once per version, not on every save)."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)        # tasks, data, ... (no specs)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = dct.pop("spec"), dct.pop("subprocess_specs", {})
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        written = {_uuid(key): n for n, key in enumerate(dct["subprocesses"])}
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        # Spiff restores subprocesses in task order, not the order they were written (created);
        # engine steps run sibling subprocesses in that order, so keep the written one.
        workflow.subprocesses = dict(sorted(workflow.subprocesses.items(),
                                            key=lambda item: written.get(item[0], len(written))))
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value):
    from uuid import UUID
    return UUID(value)


def _build_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SharedSpecConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda d: {"value": d.isoformat()},
                      lambda d: date.fromisoformat(d["value"]))
    registry.register(Decimal, lambda d: {"value": str(d)}, lambda d: Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


SERIALIZER = _build_serializer()
VERSION = SERIALIZER.VERSION


class StateVersionError(EngineError):
    """Stored state was written by another serializer version and will not be loaded."""

    code = "state_version"


def spec_to_json(spec, subprocess_specs: dict) -> str:
    """The parsed spec of one definition version as JSON (stored once per version)."""
    return json.dumps({
        "spec": SERIALIZER.to_dict(spec),
        "subprocess_specs": {k: SERIALIZER.to_dict(v) for k, v in subprocess_specs.items()},
    }, sort_keys=True)


def spec_from_json(text: str):
    """``(spec, subprocess_specs)`` restored from ``spec_to_json`` output."""
    data = json.loads(text)
    spec = SERIALIZER.from_dict(data["spec"])
    subs = {k: SERIALIZER.from_dict(v) for k, v in data["subprocess_specs"].items()}
    return spec, subs


def state_to_json(workflow: BpmnWorkflow) -> str:
    """The workflow's own state (no spec) as JSON."""
    registry = SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = SERIALIZER.to_dict(workflow)
        return json.dumps(dct, cls=SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def state_from_json(text: str, version: str, spec, subprocess_specs: dict) -> BpmnWorkflow:
    """Restore a workflow from ``state_to_json`` output around already-parsed specs."""
    if version != VERSION:
        raise StateVersionError(
            f"instance state has serializer version {version!r}, this server reads {VERSION!r}")
    dct = json.loads(text)
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    return SERIALIZER.from_dict(dct)
