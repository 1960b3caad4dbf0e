// DSP's limiter kernels (LimiterKernels.swift, a symbolic link) compiled for AVX2. Not
// @inlinable on purpose: inlined into a caller, the kernels would be compiled with the
// caller's (baseline) flags.

/// Entry points of the AVX2 build of the limiter's kernels (see DSP's LimiterKernels.swift).
public enum AVX2LimiterKernels {
    public static func peakBounds(_ window: UnsafePointer<Float>, _ count: Int, _ taps: Int, _ phases: UnsafePointer<Float>, _ reach: Float,
                                  _ squaredLevel: Float, _ energies: UnsafeMutablePointer<Float>, _ last: UnsafeMutablePointer<Float>,
                                  _ peaks: UnsafeMutablePointer<Float>, _ bounds: UnsafeMutablePointer<Float>) {
        peakBoundsKernel(window: window, count: count, taps: taps, phases: phases, reach: reach, squaredLevel: squaredLevel,
                         energies: energies, last: last, peaks: peaks, bounds: bounds)
    }

    public static func neededGain(_ bounds: UnsafePointer<Float>, _ count: Int, _ ceiling: Float,
                                  _ out: UnsafeMutablePointer<Float>) -> Float {
        neededGainKernel(bounds, count: count, ceiling: ceiling, into: out)
    }

    public static func slidingMin(_ a: UnsafePointer<Float>, _ window: Int, _ count: Int, _ scratch: UnsafeMutablePointer<Float>,
                                  _ spare: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        slidingKernel(a, window: window, count: count, scratch: scratch, spare: spare, into: out) { lanewiseMin($0, $1) }
    }

    public static func slidingSum(_ a: UnsafePointer<Float>, _ window: Int, _ count: Int, _ scratch: UnsafeMutablePointer<Float>,
                                  _ spare: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        slidingKernel(a, window: window, count: count, scratch: scratch, spare: spare, into: out) { $0 + $1 }
    }

    public static func release(_ held: UnsafePointer<Float>, _ count: Int, _ powers: UnsafePointer<Float>,
                               _ needs: UnsafeMutablePointer<Float>, _ z: UnsafeMutablePointer<Float>) {
        releaseKernel(held: held, count: count, powers: powers, needs: needs, into: z)
    }

    public static func applyGain(_ x: UnsafePointer<Float>, _ sums: UnsafePointer<Float>, _ count: Int, _ scale: Float,
                                 _ out: UnsafeMutablePointer<Float>) -> (limited: Int, smallest: Float) {
        applyGainKernel(x, sums: sums, count: count, scale: scale, into: out)
    }
}
