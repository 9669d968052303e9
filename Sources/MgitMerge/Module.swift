// MgitMerge: interpolation, loss barriers, evaluators (built-in and external), barrier plots, merge and barrier reports.
//
// Must never import: the store, the lineage database or operations: a merge is computed here and recorded there.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
