// ModelRepo: mgit as a library. One import brings the whole public API; the modules it re-exports are layered,
// and each may be imported alone (docs/ARCHITECTURE.md draws the arrows).
@_exported import MgitInterop
@_exported import MgitTensor
@_exported import MgitStore
@_exported import MgitLineage
@_exported import MgitNetworks
@_exported import MgitAlignment
@_exported import MgitHooks
@_exported import MgitMerge
@_exported import MgitOperations
