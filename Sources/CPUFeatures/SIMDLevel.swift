#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which build of the SIMD kernels runs on this machine.
///
/// The hot kernels (G.711 encoders, filter dot products) are compiled more than once:
/// for the x86-64 baseline (SSE2, runs everywhere) inside their own module, for
/// Haswell-class CPUs (AVX2 and fused multiply-add) in a sibling module, and the G.711
/// encoders a third time for CPUs with AVX-512 half-precision arithmetic (Sapphire
/// Rapids and later). The choice is made once per process, here, so a portable binary
/// still runs at full speed on a modern CPU.
public enum SIMDLevel: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// x86-64 baseline (SSE2), or whatever the target architecture guarantees.
    case baseline = 0
    /// AVX2 + FMA (and the rest of Haswell's instruction set: BMI1/2, LZCNT, MOVBE, F16C).
    case avx2 = 1
    /// Sapphire Rapids' instruction set, AVX-512 FP16 included (the G.711 encoders
    /// multiply 16-bit floats natively); the filter kernels use their AVX2 build here.
    case avx512fp16 = 2

    public static func < (a: SIMDLevel, b: SIMDLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512fp16: "avx512fp16"
        }
    }

    /// The best level this CPU (and kernel) supports.
    public static let host: SIMDLevel = detectHost()

    /// The level the kernels use: the host's, unless the environment variable
    /// `PROMPTC_SIMD` names a lower one (`baseline` or `avx2`: for comparisons and bug reports).
    public static let active: SIMDLevel = {
        if let value = getenv("PROMPTC_SIMD"),
           let asked = allCases.first(where: { $0.description == String(cString: value) }) {
            return min(asked, host)
        }
        return host
    }()

    /// Every level this machine can run, lowest first (tests run each of them).
    public static var supported: [SIMDLevel] { allCases.filter { $0 <= host } }

    private static func detectHost() -> SIMDLevel {
        #if arch(x86_64) && os(Linux)
        // The kernel lists only the features it has enabled (AVX needs OS support for the
        // YMM state), so /proc/cpuinfo is the right question to ask.
        guard let flags = cpuinfoFlags() else { return .baseline }
        let haswell: Set<Substring> = ["avx", "avx2", "fma", "bmi1", "bmi2", "movbe", "f16c", "abm",
                                       "popcnt", "sse4_1", "sse4_2", "ssse3"]
        guard haswell.isSubset(of: flags) else { return .baseline }
        // Everything `-target-cpu sapphirerapids` lets the compiler use in vector code, not
        // just FP16: a VM may hide some of these, and then the AVX2 build is the safe one.
        let sapphireRapids: Set<Substring> = ["avx512f", "avx512dq", "avx512cd", "avx512bw", "avx512vl",
                                              "avx512ifma", "avx512vbmi", "avx512_vbmi2", "avx512_bitalg",
                                              "avx512_vpopcntdq", "avx512_vnni", "avx512_bf16", "avx512_fp16",
                                              "avx_vnni", "gfni", "vaes", "vpclmulqdq"]
        return sapphireRapids.isSubset(of: flags) ? .avx512fp16 : .avx2
        #else
        return .baseline
        #endif
    }

    #if os(Linux)
    private static func cpuinfoFlags() -> Set<Substring>? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            if text.hasPrefix("flags") {
                return Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == ":" }))
            }
        }
        return nil
    }
    #endif
}
