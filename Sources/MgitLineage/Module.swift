// MgitLineage: the lineage database (SQLite through GRDB): schema, queries, and catching up with git (LineageStore+CatchUp reads commits through the store). An index: git is the truth.
//
// Must never import: networks, alignment, merges, hooks or operations.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
