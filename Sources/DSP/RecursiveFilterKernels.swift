// The inner loop of a fourth-order recursive filter, eight samples at a time. This file is
// compiled twice: here for the baseline CPU, and in DSPAVX2 (a symbolic link) for AVX2,
// where multiplies and adds are fused; FourthOrderFilter picks one at run time. The
// builds work in double precision and round to single at the end, so they differ at
// most in the last bit of an output, and rarely.

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
        // The inputs' parts first: they do not wait on the state. Outputs 0...3 take
        // inputs 0...3 only (their X is 0 beyond).
        let v0 = SIMD4<Double>(repeating: Double(x[i]))
        var drive = v0 * load4(ts), early = v0 * load4(xs), late = v0 * load4(xs + 4)
        var j = 1
        while j < 4 {
            let v = SIMD4<Double>(repeating: Double(x[i &+ j]))
            multiplyAdd(&drive, v, load4(ts + 4 &* j))
            multiplyAdd(&early, v, load4(xs + 8 &* j))
            multiplyAdd(&late, v, load4(xs + (8 &* j &+ 4)))
            j &+= 1
        }
        while j < 8 {
            let v = SIMD4<Double>(repeating: Double(x[i &+ j]))
            multiplyAdd(&drive, v, load4(ts + 4 &* j))
            multiplyAdd(&late, v, load4(xs + (8 &* j &+ 4)))
            j &+= 1
        }
        let s0 = SIMD4<Double>(repeating: s[0]), s1 = SIMD4<Double>(repeating: s[1])
        let s2 = SIMD4<Double>(repeating: s[2]), s3 = SIMD4<Double>(repeating: s[3])
        var y0 = early, y1 = late
        multiplyAdd(&y0, s0, load4(y)); multiplyAdd(&y1, s0, load4(y + 4))
        multiplyAdd(&y0, s1, load4(y + 8)); multiplyAdd(&y1, s1, load4(y + 12))
        multiplyAdd(&y0, s2, load4(y + 16)); multiplyAdd(&y1, s2, load4(y + 20))
        multiplyAdd(&y0, s3, load4(y + 24)); multiplyAdd(&y1, s3, load4(y + 28))
        // The next state in two chains of two, so the state waits on as little as can be.
        var a = drive, b = s1 * load4(ss + 4)
        multiplyAdd(&a, s0, load4(ss))
        multiplyAdd(&b, s3, load4(ss + 12))
        multiplyAdd(&a, s2, load4(ss + 8))
        s = a + b
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
