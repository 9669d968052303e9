// MgitStore: CheckpointStore: the storage verbs. Tensor blobs in packs (PackWriter), manifests, commit trees and trailers, refs, tags, diff, export, the metrics notes, object transfer between repositories.
//
// Must never import: the lineage database, networks, alignment, merges or hooks: nothing here may mention a network, a permutation, a barrier or a hook (scripts/check-layering checks).
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
