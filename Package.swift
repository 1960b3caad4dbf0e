// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; a target only imports targets listed before it.
//   CPUFeatures  which build of the SIMD kernels this CPU runs (SIMDLevel)
//   Threads   threads, locks and condition variables over pthreads
//   G711      pure G.711 codec (no dependencies but its own AVX2 and AVX-512 builds)
//   DSP       mixdown, resampler, the stage protocol of the processing chain (+ DSPAVX2)
//   AudioIO   decoders and writers over libmpg123, libsndfile, LAME, libgsm, spandsp's G.722
//             and bcg729, AAC over libfaad2, AMR-NB over opencore-amrnb, Opus over libopus,
//             loudness over libebur128 (the only place C is touched)
//   PromptKit conversion pipeline, batch, install
//   promptc   the command-line tool
// The hot kernels are compiled a second time for Haswell-class CPUs (AVX2 + FMA) in
// the *AVX2 targets, whose kernel sources are symbolic links to the portable ones;
// SIMDLevel picks one at run time, so the default build stays portable. The G.711
// encoders are compiled a third time for Sapphire Rapids (AVX-512 FP16) in G711AVX512.
#if arch(x86_64)
let avx2Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"]), .define("PROMPTC_FMA")]
let avx512Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "sapphirerapids"]), .define("PROMPTC_FMA")]
#else
let avx2Settings: [SwiftSetting] = []
let avx512Settings: [SwiftSetting] = []
#endif

let package = Package(
    name: "promptc",
    platforms: [.macOS(.v15)],
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
        .target(name: "CPUFeatures"),
        .target(name: "Threads"),
        .target(name: "G711AVX2", swiftSettings: avx2Settings),
        .target(name: "G711AVX512", swiftSettings: avx512Settings),
        .target(name: "G711", dependencies: ["CPUFeatures", "G711AVX2", "G711AVX512"]),
        .target(name: "DSPAVX2", swiftSettings: avx2Settings),
        .target(name: "DSP", dependencies: ["CPUFeatures", "DSPAVX2", "Threads"]),
        .systemLibrary(name: "CMPG123", pkgConfig: "libmpg123",
                       providers: [.apt(["libmpg123-dev"])]),
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile",
                       providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CLame", providers: [.apt(["libmp3lame-dev"])]),
        .systemLibrary(name: "CGSM", providers: [.apt(["libgsm1-dev"])]),
        .systemLibrary(name: "CSpanDSP", pkgConfig: "spandsp", providers: [.apt(["libspandsp-dev"])]),
        .systemLibrary(name: "CBcg729", pkgConfig: "libbcg729", providers: [.apt(["libbcg729-dev"])]),
        .systemLibrary(name: "CEbur128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        .systemLibrary(name: "CFAAD", providers: [.apt(["libfaad-dev"])]),
        .systemLibrary(name: "COpenCoreAMR", pkgConfig: "opencore-amrnb", providers: [.apt(["libopencore-amrnb-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "opus", providers: [.apt(["libopus-dev"])]),
        .systemLibrary(name: "CSpeexDSP", pkgConfig: "speexdsp", providers: [.apt(["libspeexdsp-dev"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .target(name: "AudioIO", dependencies: ["G711", "DSP", "Threads", "CMPG123", "CSndFile", "CLame", "CGSM", "CSpanDSP", "CBcg729", "CEbur128", "CFAAD", "COpenCoreAMR", "COpus", "CSpeexDSP", "CALSA"]),
        .target(name: "PromptKit", dependencies: ["G711", "DSP", "AudioIO", "Threads"]),
        .executableTarget(name: "promptc", dependencies: [
            "PromptKit", "AudioIO", "DSP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "G711Tests", dependencies: ["G711"]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "DSPTests", dependencies: ["DSP", "CPUFeatures", "TestSupport"]),
        .testTarget(name: "AudioIOTests", dependencies: ["AudioIO", "G711"]),
        .testTarget(name: "PromptKitTests", dependencies: ["PromptKit", "AudioIO", "DSP", "G711", "TestSupport"]),
    ]
)
