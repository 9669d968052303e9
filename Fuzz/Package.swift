// swift-tools-version:6.1
// libFuzzer harness for mgit's parsers of outside data (docs/RELIABILITY.md). Built only by scripts/fuzz:
//   swift build --package-path Fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing
// a separate package, so the main build never links libFuzzer.
import PackageDescription

let package = Package(
    name: "mgit-fuzz",
    dependencies: [.package(name: "mgit", path: "..")],
    targets: [
        .executableTarget(
            name: "mgit-fuzz",
            dependencies: [.product(name: "ModelRepo", package: "mgit")],  // its modules, imported @testable
            // libFuzzer provides main(); the target only defines LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
