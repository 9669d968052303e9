// MgitAlignment: Git Re-Basin's alignment: linear assignment, permutation specs, weight matching (§3.2), activation matching (§3.1), the function check.
//
// Must never import: the store, the lineage database, merges, hooks or operations.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
