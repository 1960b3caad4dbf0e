// The resampler's inner loops. This file is compiled twice: here for the baseline
// CPU, and in DSPAVX2 (a symbolic link) for AVX2 + FMA; FilterKernelSet picks one
// at run time. Only pointers and integers cross this boundary.

/// Integer decimation: `out[i] = sum_j c[j] * x[i * step + j]` for `i < n`, `taps` a
/// multiple of 8. Four outputs share every coefficient load; a remainder of fewer than
/// four (only at the end of a stream) is computed with the same arithmetic, one by one.
@inline(__always)
func decimateKernel(_ c: UnsafePointer<Float>, taps: Int, input x: UnsafePointer<Float>, step: Int,
                    output out: UnsafeMutablePointer<Float>, count n: Int) {
    var w = x
    var i = 0
    while i &+ 4 <= n {
        let y = dotProduct4(c, w, w + step, w + 2 &* step, w + 3 &* step, taps)
        out[i] = y[0]; out[i &+ 1] = y[1]; out[i &+ 2] = y[2]; out[i &+ 3] = y[3]
        w += 4 &* step
        i &+= 4
    }
    while i < n {
        out[i] = dotProduct1(c, w, taps)
        w += step
        i &+= 1
    }
}

/// Polyphase filtering with one stored row per phase. Output i is the dot product of
/// row `phase(i)` with the window starting at `x + offset(i)`, where output i sits
/// `(phase + i * step) / phases` input samples after output 0. Outputs i, i + L, i + 2L
/// and i + 3L use the same row with windows `step` apart, so blocks of 4L outputs share
/// each coefficient load; a partial block (only at the end of a stream) goes one by one
/// with the same arithmetic, so the block structure never changes a sample.
@inline(__always)
func polyphaseKernel(_ table: UnsafePointer<Float>, stride s: Int, phases l: Int, step m: Int,
                     input x: UnsafePointer<Float>, phase: Int, output out: UnsafeMutablePointer<Float>, count n: Int) {
    let stepInt = m / l, stepFrac = m % l
    var w = x
    var ph = phase
    var i = 0
    while i &+ 4 &* l <= n {
        for j in 0..<l {
            let y = dotProduct4(table + ph &* s, w, w + m, w + 2 &* m, w + 3 &* m, s)
            out[i &+ j] = y[0]; out[i &+ j &+ l] = y[1]; out[i &+ j &+ 2 &* l] = y[2]; out[i &+ j &+ 3 &* l] = y[3]
            w += stepInt
            ph &+= stepFrac
            if ph >= l { ph &-= l; w += 1 }
        }
        w += 3 &* m          // L outputs advance the window by exactly M; skip the three blocks done alongside
        i &+= 4 &* l
    }
    while i < n {
        out[i] = dotProduct1(table + ph &* s, w, s)
        w += stepInt
        ph &+= stepFrac
        if ph >= l { ph &-= l; w += 1 }
        i &+= 1
    }
}

/// Polyphase filtering for ratios with more than 1024 phases: the table holds
/// `rows - 1` evenly spaced phases (plus the closing one) and each output interpolates
/// linearly between the two rows around its phase.
@inline(__always)
func interpolatedPolyphaseKernel(_ table: UnsafePointer<Float>, stride s: Int, rows: Int, phases l: Int, step m: Int,
                                 input x: UnsafePointer<Float>, phase: Int, output out: UnsafeMutablePointer<Float>, count n: Int) {
    let stepInt = m / l, stepFrac = m % l
    let scale = Double(rows - 1) / Double(l)
    var w = x
    var ph = phase
    for i in 0..<n {
        let position = Double(ph) * scale
        let row = Int(position)
        let alpha = Float(position - Double(row))
        let a = dotProduct(table + row &* s, w, s)
        let b = dotProduct(table + (row &+ 1) &* s, w, s)
        out[i] = a + alpha * (b - a)
        w += stepInt
        ph &+= stepFrac
        if ph >= l { ph &-= l; w += 1 }
    }
}

/// Dot product of two float vectors of length n (a multiple of 16), four independent
/// accumulators to hide the add latency.
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
    @inline(__always) func load(_ p: UnsafeRawPointer, _ i: Int) -> SIMD8<Float> {
        p.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
    }
    var i = 0
    while i &+ 32 <= n {
        multiplyAdd(&acc0, load(ra, i), load(rb, i))
        multiplyAdd(&acc1, load(ra, i &+ 8), load(rb, i &+ 8))
        multiplyAdd(&acc2, load(ra, i &+ 16), load(rb, i &+ 16))
        multiplyAdd(&acc3, load(ra, i &+ 24), load(rb, i &+ 24))
        i &+= 32
    }
    if i < n {
        multiplyAdd(&acc0, load(ra, i), load(rb, i))
        multiplyAdd(&acc1, load(ra, i &+ 8), load(rb, i &+ 8))
    }
    // A tree, not the stdlib's sum(), which adds the lanes one after another.
    let v = (acc0 + acc1) + (acc2 + acc3)
    let q = v.lowHalf + v.highHalf
    let d = q.lowHalf + q.highHalf
    return d.x + d.y
}

/// Four dot products with one coefficient vector: each coefficient load serves four
/// windows. `n` is a multiple of 8.
@inline(__always)
func dotProduct4(_ c: UnsafePointer<Float>, _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>,
                 _ w2: UnsafePointer<Float>, _ w3: UnsafePointer<Float>, _ n: Int) -> SIMD4<Float> {
    let rc = UnsafeRawPointer(c), r0 = UnsafeRawPointer(w0), r1 = UnsafeRawPointer(w1)
    let r2 = UnsafeRawPointer(w2), r3 = UnsafeRawPointer(w3)
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var i = 0
    while i < n {
        let k = rc.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
        multiplyAdd(&a0, k, r0.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
        multiplyAdd(&a1, k, r1.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
        multiplyAdd(&a2, k, r2.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
        multiplyAdd(&a3, k, r3.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
        i &+= 8
    }
    // Transpose-and-add: four horizontal sums in three vector steps.
    let b0 = a0.lowHalf + a0.highHalf, b1 = a1.lowHalf + a1.highHalf
    let b2 = a2.lowHalf + a2.highHalf, b3 = a3.lowHalf + a3.highHalf
    let c01 = SIMD4(lowHalf: b0.lowHalf + b0.highHalf, highHalf: b1.lowHalf + b1.highHalf)
    let c23 = SIMD4(lowHalf: b2.lowHalf + b2.highHalf, highHalf: b3.lowHalf + b3.highHalf)
    return SIMD4(lowHalf: c01.evenHalf + c01.oddHalf, highHalf: c23.evenHalf + c23.oddHalf)
}

/// One lane of ``dotProduct4(_:_:_:_:_:_:)``, with exactly its arithmetic (same
/// accumulation order, same reduction tree), for the few outputs left at a stream's end.
@inline(__always)
func dotProduct1(_ c: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ n: Int) -> Float {
    let rc = UnsafeRawPointer(c), rw = UnsafeRawPointer(w)
    var a = SIMD8<Float>()
    var i = 0
    while i < n {
        multiplyAdd(&a, rc.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self),
                    rw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
        i &+= 8
    }
    let b = a.lowHalf + a.highHalf
    let d = b.lowHalf + b.highHalf
    return d.x + d.y
}

/// `acc += x * y`, fused where the build has FMA (the AVX2 build; TUNE builds). The
/// baseline build must not fuse: FMA without hardware support is a library call per lane.
/// (Also the recursive filter's, on vectors of doubles.)
@inline(__always)
func multiplyAdd<V: SIMD>(_ acc: inout V, _ x: V, _ y: V) where V.Scalar: FloatingPoint {
    #if PROMPTC_FMA
    acc.addProduct(x, y)
    #else
    acc += x * y
    #endif
}
