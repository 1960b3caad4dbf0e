#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which build of the SIMD kernels runs on this machine.
///
/// The hot kernels (G.711 encoders, filter dot products) are compiled twice: once for
/// the x86-64 baseline (SSE2, runs everywhere) inside their own module, and once for
/// Haswell-class CPUs (AVX2 and fused multiply-add) in a sibling module. The choice is
/// made once per process, here, so a portable binary still runs at full speed on a
/// modern CPU.
public enum SIMDLevel: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// x86-64 baseline (SSE2), or whatever the target architecture guarantees.
    case baseline = 0
    /// AVX2 + FMA (and the rest of Haswell's instruction set: BMI1/2, LZCNT, MOVBE, F16C).
    case avx2 = 1

    public static func < (a: SIMDLevel, b: SIMDLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String { self == .baseline ? "baseline" : "avx2" }

    /// The best level this CPU (and kernel) supports.
    public static let host: SIMDLevel = detectHost()

    /// The level the kernels use: the host's, unless the environment variable
    /// `PROMPTC_SIMD=baseline` asks for the portable kernels (for comparisons and bug reports).
    public static let active: SIMDLevel = {
        if let value = getenv("PROMPTC_SIMD"), String(cString: value) == "baseline" { return .baseline }
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
        return haswell.isSubset(of: flags) ? .avx2 : .baseline
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
