// DSP's recursive-filter kernels (RecursiveFilterKernels.swift, a symbolic link) compiled
// for AVX2. Not @inlinable on purpose: inlined into a caller, the kernels would be
// compiled with the caller's (baseline) flags.

/// Entry points of the AVX2 build of the recursive-filter kernels (see DSP's RecursiveFilterKernels.swift).
public enum AVX2RecursiveFilterKernels {
    public static func blockRecursion(_ x: UnsafePointer<Float>, _ count: Int, _ matrices: UnsafePointer<Double>,
                                      _ state: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Float>) {
        blockRecursionKernel(x, count: count, matrices: matrices, state: state, into: out)
    }

    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ count: Int) -> Double {
        sumOfSquaresKernel(x, count: count)
    }
}
