// MgitMerge: interpolation, loss barriers, evaluators (built-in and external), barrier plots, merge and barrier reports;
// mergekit's methods (linear, task arithmetic, TIES, DARE, SLERP, Model Stock), their YAML config (Yams), provenance.
//
// Must never import: the store, the lineage database or operations: a merge is computed here and recorded there.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
