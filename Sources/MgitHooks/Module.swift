// MgitHooks: running programs on the repository's behalf: hooks (HookRunner, told a HookContext, never the repository), external evaluators, the sample hooks.
//
// Must never import: the store, the lineage database, networks, alignment or merges.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
