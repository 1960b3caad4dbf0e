// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; a target only imports targets listed before it.
//   G711      pure G.711 codec (no dependencies)
//   DSP       mixdown, resampler, the stage protocol of the processing chain
//   AudioIO   decoders and writers over libmpg123, libsndfile, LAME (only place C is touched)
//   PromptKit conversion pipeline, batch, install
//   promptc   the command-line tool
let package = Package(
    name: "promptc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "promptc", targets: ["promptc"]),
        .library(name: "PromptKit", targets: ["PromptKit"]),
        .library(name: "G711", targets: ["G711"]),
        .library(name: "DSP", targets: ["DSP"]),
        .library(name: "AudioIO", targets: ["AudioIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        .target(name: "G711"),
        .target(name: "DSP"),
        .systemLibrary(name: "CMPG123", pkgConfig: "libmpg123",
                       providers: [.apt(["libmpg123-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CLame", providers: [.apt(["libmp3lame-dev"])]),
        .target(name: "AudioIO", dependencies: ["G711", "CMPG123", "CSndFile", "CLame"]),
        .target(name: "PromptKit", dependencies: ["G711", "DSP", "AudioIO"]),
        .executableTarget(name: "promptc", dependencies: [
            "PromptKit",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "G711Tests", dependencies: ["G711"]),
        .testTarget(name: "DSPTests", dependencies: ["DSP"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "G711"]),
        .testTarget(name: "PromptKitTests", dependencies: ["PromptKit", "AudioIO", "DSP", "G711"]),
    ]
)
