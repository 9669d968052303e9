// swift-tools-version:6.1
import PackageDescription

// Every library module sees only the modules below it (docs/ARCHITECTURE.md); scripts/check-layering checks
// each file's imports against the same arrows, and no module but MgitInterop sees a C library.
let strict: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "mgit",
    products: [
        .executable(name: "mgit", targets: ["mgit"]),
        .executable(name: "mgit-bench", targets: ["mgit-bench"]),
        .library(name: "ModelRepo", targets: ["ModelRepo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // mergekit YAML configs (mgit merge --config).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries from Debian packages (scripts/bootstrap installs them).
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // Every C call: libgit2, BLAS, zlib, OpenSSL, system calls. The error type and object ids.
        .target(name: "MgitInterop", dependencies: ["CLibGit2", "CBLAS", "CZlib", "CCrypto"], swiftSettings: strict),
        // dtypes, tensors, checkpoints, safetensors.
        .target(name: "MgitTensor", dependencies: ["MgitInterop"], swiftSettings: strict),
        // Objects, packs, manifests, commits, refs, notes: storage verbs only.
        .target(name: "MgitStore", dependencies: ["MgitInterop", "MgitTensor"], swiftSettings: strict),
        // The lineage database (SQLite through GRDB), an index of what the store holds.
        .target(name: "MgitLineage", dependencies: [
            "MgitInterop", "MgitTensor", "MgitStore", .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
        // Forward passes, datasets, evaluation.
        .target(name: "MgitNetworks", dependencies: ["MgitInterop", "MgitTensor"], swiftSettings: strict),
        // Linear assignment, permutation specs, weight and activation matching, the function check.
        .target(name: "MgitAlignment", dependencies: ["MgitInterop", "MgitTensor", "MgitNetworks"], swiftSettings: strict),
        // Hooks and external evaluators: programs run in their own process groups.
        .target(name: "MgitHooks", dependencies: ["MgitInterop", "MgitTensor"], swiftSettings: strict),
        // Interpolation, loss barriers, evaluators, plots, merge reports.
        .target(name: "MgitMerge", dependencies: [
            "MgitInterop", "MgitTensor", "MgitNetworks", "MgitAlignment", "MgitHooks",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        // The use cases: commit, rebase, barrier, merge, evaluate, push/pull, history; `Repository`.
        .target(name: "MgitOperations", dependencies: [
            "MgitInterop", "MgitTensor", "MgitStore", "MgitLineage", "MgitNetworks", "MgitAlignment", "MgitHooks",
            "MgitMerge",
        ], swiftSettings: strict),
        // The public library: re-exports the modules above.
        .target(name: "ModelRepo", dependencies: [
            "MgitInterop", "MgitTensor", "MgitStore", "MgitLineage", "MgitNetworks", "MgitAlignment", "MgitHooks",
            "MgitMerge", "MgitOperations",
        ], swiftSettings: strict),
        // Demo and test tooling, apart from the core: backward passes, optimisers, initialisation.
        .target(name: "Training", dependencies: ["MgitInterop", "MgitTensor", "MgitStore", "MgitNetworks"], swiftSettings: strict),

        // The CLI: parse, call ModelRepo, print.
        .executableTarget(
            name: "mgit",
            dependencies: [
                "ModelRepo", "Training", "MgitInterop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks: documented commands that print figures (docs/PERFORMANCE.md).
        .executableTarget(
            name: "mgit-bench",
            dependencies: [
                "ModelRepo", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        .testTarget(name: "ModelRepoTests", dependencies: [
            "ModelRepo", "Training", "MgitInterop", "MgitTensor", "MgitStore", "MgitLineage", "MgitNetworks",
            "MgitAlignment", "MgitHooks", "MgitMerge", "MgitOperations",
        ]),
        .testTarget(name: "mgitTests", dependencies: ["ModelRepo"]),
    ],
    swiftLanguageModes: [.v6]
)
