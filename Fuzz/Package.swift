// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets, in their own package so that neither `make test` nor `make build`
// links them. `make fuzz` builds with -sanitize=fuzzer,address and runs each target; see
// the README, "Fuzzing".
let package = Package(
    name: "promptc-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "promptc", path: "..")],
    targets: [
        .executableTarget(
            name: "PromptcFuzz",
            dependencies: [
                .product(name: "AudioIO", package: "promptc"),
                .product(name: "PromptKit", package: "promptc"),
            ],
            path: "Sources/PromptcFuzz",
            // libFuzzer brings main(); the entry point is LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ]
)
