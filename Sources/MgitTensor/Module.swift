// MgitTensor: dtypes, tensors, checkpoints in memory, and safetensors on disk: the strict reader (validation of every header), the deterministic and streaming writers, sharded indexes, the strict JSON parser.
//
// Must never import: anything above MgitInterop: it knows bytes and shapes, not git, networks or merges.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
