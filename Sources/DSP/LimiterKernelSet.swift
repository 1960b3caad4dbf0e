import CPUFeatures
internal import DSPAVX2

/// The limiter's kernels for one SIMD level, chosen once, like ``FilterKernelSet``.
/// Both builds give the same bits (see LimiterKernels.swift).
struct LimiterKernelSet: Sendable {
    let peakBounds: @Sendable (UnsafePointer<Float>, Int, Int, UnsafePointer<Float>, Float, Float, UnsafeMutablePointer<Float>,
                               UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    let neededGain: @Sendable (UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>) -> Float
    let slidingMin: @Sendable (UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                               UnsafeMutablePointer<Float>) -> Void
    let slidingSum: @Sendable (UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                               UnsafeMutablePointer<Float>) -> Void
    let release: @Sendable (UnsafePointer<Float>, Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    let applyGain: @Sendable (UnsafePointer<Float>, UnsafePointer<Float>, Int, Float, UnsafeMutablePointer<Float>) -> (limited: Int, smallest: Float)

    static func forLevel(_ level: SIMDLevel) -> LimiterKernelSet { level >= .avx2 ? avx2 : baseline }

    private static let baseline = LimiterKernelSet(
        peakBounds: { peakBoundsKernel(window: $0, count: $1, taps: $2, phases: $3, reach: $4, squaredLevel: $5, energies: $6, last: $7,
                                       peaks: $8, bounds: $9) },
        neededGain: { neededGainKernel($0, count: $1, ceiling: $2, into: $3) },
        slidingMin: { slidingKernel($0, window: $1, count: $2, scratch: $3, spare: $4, into: $5) { lanewiseMin($0, $1) } },
        slidingSum: { slidingKernel($0, window: $1, count: $2, scratch: $3, spare: $4, into: $5) { $0 + $1 } },
        release: { releaseKernel(held: $0, count: $1, powers: $2, needs: $3, into: $4) },
        applyGain: { applyGainKernel($0, sums: $1, count: $2, scale: $3, into: $4) })

    private static let avx2 = LimiterKernelSet(
        peakBounds: AVX2LimiterKernels.peakBounds, neededGain: AVX2LimiterKernels.neededGain,
        slidingMin: AVX2LimiterKernels.slidingMin, slidingSum: AVX2LimiterKernels.slidingSum,
        release: AVX2LimiterKernels.release, applyGain: AVX2LimiterKernels.applyGain)

    /// The kernels of ``SIMDLevel/active``.
    static let active = forLevel(.active)
}
