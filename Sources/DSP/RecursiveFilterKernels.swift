// The inner loop of a fourth-order recursive filter, eight samples at a time. This file is
// compiled twice: here for the baseline CPU, and in DSPAVX2 (a symbolic link) for AVX2;
// FourthOrderFilter picks one at run time. No fused multiply-add is written here and
// each lane does the same operations in the same order in both builds, so both give the
// same bits.

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) private func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

/// A fourth-order linear recursive filter as a block state-space recursion, in double
/// precision: for a block of eight inputs x0...x7 and the four-number state s before it,
/// the eight outputs are `sum_i s_i * Y_i + sum_j x_j * X_j` and the next state
/// `sum_i s_i * S_i + sum_j x_j * T_j`. Only the state carries from block to block,
/// through four multiplies and adds, so the recursion runs several times faster than
/// sample by sample. (Single precision is not enough: a high-pass's poles sit close to
/// the unit circle, and a state rounded to 24 bits lets a DC offset through.)
///
/// `matrices` holds 144 doubles: Y_0...Y_3 (8 each), X_0...X_7 (8 each), S_0...S_3 (4
/// each), T_0...T_7 (4 each). `count` is a multiple of 8; `state` (4 doubles) is read
/// and updated; the outputs are rounded to single precision.
@inline(__always)
func blockRecursionKernel(_ x: UnsafePointer<Float>, count n: Int, matrices m: UnsafePointer<Double>,
                          state: UnsafeMutablePointer<Double>, into out: UnsafeMutablePointer<Float>) {
    var s = load4(state)
    let y = m, xs = m + 32, ss = m + 96, ts = m + 112
    var i = 0
    while i < n {
        let a = SIMD4<Double>(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<Float>.self))
        let b = SIMD4<Double>(UnsafeRawPointer(x + i + 4).loadUnaligned(as: SIMD4<Float>.self))
        let x0 = SIMD4<Double>(repeating: a[0]), x1 = SIMD4<Double>(repeating: a[1])
        let x2 = SIMD4<Double>(repeating: a[2]), x3 = SIMD4<Double>(repeating: a[3])
        let x4 = SIMD4<Double>(repeating: b[0]), x5 = SIMD4<Double>(repeating: b[1])
        let x6 = SIMD4<Double>(repeating: b[2]), x7 = SIMD4<Double>(repeating: b[3])
        let s0 = SIMD4<Double>(repeating: s[0]), s1 = SIMD4<Double>(repeating: s[1])
        let s2 = SIMD4<Double>(repeating: s[2]), s3 = SIMD4<Double>(repeating: s[3])
        // The inputs' parts first: they do not wait on the state. Sums in pairs, so the
        // chains stay short. Outputs 0...3 come before inputs 4...7 (their X is 0 there).
        let drive = ((x0 * load4(ts) + x1 * load4(ts + 4)) + (x2 * load4(ts + 8) + x3 * load4(ts + 12)))
            + ((x4 * load4(ts + 16) + x5 * load4(ts + 20)) + (x6 * load4(ts + 24) + x7 * load4(ts + 28)))
        let early = (x0 * load4(xs) + x1 * load4(xs + 8)) + (x2 * load4(xs + 16) + x3 * load4(xs + 24))
        let late = ((x0 * load4(xs + 4) + x1 * load4(xs + 12)) + (x2 * load4(xs + 20) + x3 * load4(xs + 28)))
            + ((x4 * load4(xs + 36) + x5 * load4(xs + 44)) + (x6 * load4(xs + 52) + x7 * load4(xs + 60)))
        let y0 = ((s0 * load4(y) + s1 * load4(y + 8)) + (s2 * load4(y + 16) + s3 * load4(y + 24))) + early
        let y1 = ((s0 * load4(y + 4) + s1 * load4(y + 12)) + (s2 * load4(y + 20) + s3 * load4(y + 28))) + late
        s = ((s0 * load4(ss) + s1 * load4(ss + 4)) + (s2 * load4(ss + 8) + s3 * load4(ss + 12))) + drive
        UnsafeMutableRawPointer(out + i).storeBytes(of: SIMD4<Float>(y0), as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(out + i + 4).storeBytes(of: SIMD4<Float>(y1), as: SIMD4<Float>.self)
        i &+= 8
    }
    UnsafeMutableRawPointer(state).storeBytes(of: s, as: SIMD4<Double>.self)
}

/// The sum of the squares of `count` floats, in single precision eight lanes wide (for
/// runs of a few thousand samples: a meter's 100 ms), added up in double at the end.
@inline(__always)
func sumOfSquaresKernel(_ x: UnsafePointer<Float>, count n: Int) -> Double {
    var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
    var i = 0
    while i &+ 16 <= n {
        let u = load8(x + i), v = load8(x + i + 8)
        a += u * u
        b += v * v
        i &+= 16
    }
    let lanes = a + b
    var total = 0.0
    for lane in 0..<8 { total += Double(lanes[lane]) }
    while i < n {
        total += Double(x[i] * x[i])
        i &+= 1
    }
    return total
}
