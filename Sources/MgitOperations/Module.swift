// MgitOperations: the use cases, one type each, with options, steps in order and a report: RebaseOperation, MergeOperation, BarrierOperation, evaluate, commit, push/pull/fetch/clone, history; the shared steps AlignmentStep (the one alignment path) and HookGate (the one refusal contract); Repository, the facade a CLI opens.
//
// Must never import: the CLI or ArgumentParser: it speaks of concepts (MgitError.parameter), the CLI adds flag names.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
