// swift-tools-version:6.1
import PackageDescription

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

        // The library: all of mgit's logic.
        .target(
            name: "ModelRepo",
            dependencies: [
                "CLibGit2", "CBLAS", "CZlib", "CCrypto",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Demo and test tooling, apart from the core: backward passes, optimisers, initialisation.
        .target(name: "Training", dependencies: ["ModelRepo", "CBLAS"]),

        // The CLI: parse, call ModelRepo, print.
        .executableTarget(
            name: "mgit",
            dependencies: [
                "ModelRepo", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks: documented commands that print figures (docs/PERFORMANCE.md).
        .executableTarget(
            name: "mgit-bench",
            dependencies: [
                "ModelRepo", "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "ModelRepoTests", dependencies: ["ModelRepo", "Training"]),
        .testTarget(name: "mgitTests", dependencies: ["ModelRepo"]),
    ],
    swiftLanguageModes: [.v6]
)
