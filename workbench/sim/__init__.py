"""Dry-running a model: command handling, policies, projections and scenarios.

Modules, from the bottom up:

* :mod:`.values` — field values by type (YAML literals and stored JSON in, typed out);
  :mod:`.converters` — the same conversions compiled per type, for the hot paths;
* :mod:`.clock`, :mod:`.ids` — the simulated clock and seeded ids (determinism);
* :mod:`.compiled` — the model compiled once: expressions, types, defaults;
* :mod:`.messages` — commands, typed events and command results;
* :mod:`.aggregates` — folding events into state, loading streams, snapshots;
* :mod:`.commands` — :class:`~.commands.CommandHandler`, one command end to end;
* :mod:`.policies` — :class:`~.policies.PolicyRunner` and the delayed-command schedule;
* :mod:`.projections` — :class:`~.projections.ProjectionRunner`, read models;
* :mod:`.engine` — :class:`~.engine.Engine`, which wires them to one store;
* :mod:`.scenarios`, :mod:`.placeholders`, :mod:`.matching`, :mod:`.report` — running
  the model's given/when/then scenarios and reporting the results;
* :mod:`.workload`, :mod:`.simulation`, :mod:`.summary` — ``workbench simulate``: workload
  files or generated commands (:mod:`.generate`) into a kept store, and what they did.

This package imports nothing eagerly, so ``workbench.evolution`` can use the value
converter without an import cycle; import from the modules themselves.
"""
