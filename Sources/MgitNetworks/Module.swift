// MgitNetworks: forward passes on BLAS (MLP, VGG, ResNet-20), architecture descriptions, datasets (Fashion-MNIST, dataset files, subsets), evaluation, BatchNorm statistics.
//
// Must never import: the store, the lineage database, alignment, merges or hooks.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
