// MgitInterop: every call into C and the system: libgit2 (GitRepository, GitRemote), OpenBLAS (BLAS.gemm), zlib (Gzip, Checksum), OpenSSL (SHA1), files (MappedFile, PackOutput, ReplacementFile), processes (ChildProcess, MeasuredProcess), locks (WriterRegistry), the one EINTR rule (SystemCall); and what every layer shares: MgitError, ObjectID, TransferProgress.
//
// Must never import: any other mgit module. C types never leave it: its API speaks Swift.
// The arrows between modules are drawn in docs/ARCHITECTURE.md and checked by scripts/check-layering.
