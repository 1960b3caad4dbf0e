import CPUFeatures
internal import DSPAVX2

/// The resampler's kernels for one SIMD level, chosen once (when a stage is built),
/// after speexdsp: setup picks the kernel, the loop just calls it.
struct FilterKernelSet: Sendable {
    typealias Decimate = @Sendable (UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>, Int) -> Void
    typealias Polyphase = @Sendable (UnsafePointer<Float>, Int, Int, Int, UnsafePointer<Float>, Int,
                                     UnsafeMutablePointer<Float>, Int) -> Void
    typealias InterpolatedPolyphase = @Sendable (UnsafePointer<Float>, Int, Int, Int, Int, UnsafePointer<Float>, Int,
                                                 UnsafeMutablePointer<Float>, Int) -> Void
    let decimate: Decimate
    let polyphase: Polyphase
    let interpolatedPolyphase: InterpolatedPolyphase

    static func forLevel(_ level: SIMDLevel) -> FilterKernelSet { level >= .avx2 ? avx2 : baseline }

    private static let baseline = make(.baseline)
    private static let avx2 = make(.avx2)

    private static func make(_ level: SIMDLevel) -> FilterKernelSet {
        switch level {
        case .baseline:
            FilterKernelSet(
                decimate: { decimateKernel($0, taps: $1, input: $2, step: $3, output: $4, count: $5) },
                polyphase: { polyphaseKernel($0, stride: $1, phases: $2, step: $3, input: $4, phase: $5, output: $6, count: $7) },
                interpolatedPolyphase: {
                    interpolatedPolyphaseKernel($0, stride: $1, rows: $2, phases: $3, step: $4, input: $5, phase: $6,
                                                output: $7, count: $8)
                })
        case .avx2, .avx512fp16:   // the filter kernels have no AVX-512 build (yet): the AVX2 one runs
            FilterKernelSet(
                decimate: { AVX2FilterKernels.decimate($0, taps: $1, input: $2, step: $3, output: $4, count: $5) },
                polyphase: { AVX2FilterKernels.polyphase($0, stride: $1, phases: $2, step: $3, input: $4, phase: $5, output: $6, count: $7) },
                interpolatedPolyphase: {
                    AVX2FilterKernels.interpolatedPolyphase($0, stride: $1, rows: $2, phases: $3, step: $4, input: $5, phase: $6,
                                                            output: $7, count: $8)
                })
        }
    }

    /// The kernels of ``SIMDLevel/active``.
    static let active = forLevel(.active)
}
