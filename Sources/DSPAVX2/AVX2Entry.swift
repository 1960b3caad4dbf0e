// This module is DSP's filter kernels (FilterKernels.swift, a symbolic link) compiled
// for AVX2 + FMA (see Package.swift). DSP calls the entry points below when
// SIMDLevel.active is .avx2. Not @inlinable on purpose: inlined into a caller, the
// kernels would be compiled with the caller's (baseline) flags.

/// Entry points of the AVX2 build of the resampler's kernels (see DSP's FilterKernels.swift).
public enum AVX2FilterKernels {
    public static func decimate(_ c: UnsafePointer<Float>, taps: Int, input: UnsafePointer<Float>, step: Int,
                                output: UnsafeMutablePointer<Float>, count: Int) {
        decimateKernel(c, taps: taps, input: input, step: step, output: output, count: count)
    }

    public static func polyphase(_ table: UnsafePointer<Float>, stride: Int, phases: Int, step: Int,
                                 input: UnsafePointer<Float>, phase: Int, output: UnsafeMutablePointer<Float>, count: Int) {
        polyphaseKernel(table, stride: stride, phases: phases, step: step, input: input, phase: phase, output: output, count: count)
    }

    public static func interpolatedPolyphase(_ table: UnsafePointer<Float>, stride: Int, rows: Int, phases: Int, step: Int,
                                             input: UnsafePointer<Float>, phase: Int,
                                             output: UnsafeMutablePointer<Float>, count: Int) {
        interpolatedPolyphaseKernel(table, stride: stride, rows: rows, phases: phases, step: step, input: input,
                                    phase: phase, output: output, count: count)
    }
}
