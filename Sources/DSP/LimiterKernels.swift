// The true-peak limiter's inner loops (and its detector's). This file is compiled twice:
// here for the baseline CPU, and in DSPAVX2 (a symbolic link) for AVX2; LimiterKernelSet
// picks one at run time. Only pointers and numbers cross this boundary. No fused
// multiply-add is written here, and each lane does the same operations in the same
// order in both builds, so both give the same bits.

@inline(__always) private func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

// The standard library's pointwise minimum and maximum are generic and go lane by lane.
@inline(__always) func lanewiseMin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }
@inline(__always) func lanewiseMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }
@inline(__always) private func magnitude(_ v: SIMD8<Float>) -> SIMD8<Float> { lanewiseMax(v, -v) }

@inline(__always) private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// The 4x interpolating peak detector over a block, eight samples at a time.
///
/// `window` holds 15 samples of history, then `count` new ones, then at least 8 more
/// readable floats (their values do not matter). `phases` holds the three interpolating
/// phases, `taps` (16) each, every tap repeated 8 times (a vector of it). For each new
/// sample i the window `window[i..<i + 16]` is measured: where its energy times `reach`
/// is under `squaredLevel` nothing can reach the level, and the sample is skipped (its
/// interpolated points and its peak read 0). The windows' energies are sums of squares
/// by doubling (pairs, fours, eights, sixteens), in `energies` (room for `count` + 40). Otherwise
/// the five points across the interval between `window[i + 7]` and `window[i + 8]` (the
/// two samples and three between) and the last point before it give the highest point
/// by a parabola through the highest and its neighbours.
///
/// `last` and `peaks` carry from block to block: `last[-1]` is the previous block's final
/// interpolated point (0 if skipped), `peaks[-1]` its final peak. Writes `last[i]` and
/// `peaks[i]` for the new samples that were not skipped and for the block's final sample,
/// and `bounds[i]` for each: the higher of the peaks of the two intervals beside sample
/// `window[i + 7]`, or 0 where the sample was skipped.
@inline(__always)
func peakBoundsKernel(window x: UnsafePointer<Float>, count n: Int, taps: Int, phases c: UnsafePointer<Float>, reach: Float,
                      squaredLevel: Float, energies e: UnsafeMutablePointer<Float>, last: UnsafeMutablePointer<Float>,
                      peaks: UnsafeMutablePointer<Float>, bounds: UnsafeMutablePointer<Float>) {
    let zero = SIMD8<Float>(repeating: 0), reachV = SIMD8<Float>(repeating: reach), levelV = SIMD8<Float>(repeating: squaredLevel)
    // e[k] = sum of the squares of x[k..<k + 16], for every k the vectors below read
    // (whole vectors: entries past those are never read).
    // `taps` is 16.
    let whole = (n + 7) & ~7
    var j = 0
    while j < whole &+ 16 { let v = load8(x + j); store8(v * v, e + j); j &+= 8 }
    var span = 1
    while span < taps {
        let limit = whole &+ (span < 4 ? 16 : span == 4 ? 8 : 0)
        j = 0
        while j < limit { store8(load8(e + j) + load8(e + j + span), e + j); j &+= 8 }
        span &*= 2
    }
    // The previous sample's last point and peak, carried in registers (a load of what
    // was just stored, one lane over, would wait on the store).
    var lastCarry = last[-1], peakCarry = peaks[-1]
    var i = 0
    while i < n {
        let w = x + i
        let skip = load8(e + i) * reachV .< levelV
        if all(skip) {
            store8(zero, bounds + i)
            lastCarry = 0
            peakCarry = 0
            if i &+ 8 >= n {   // the block's final sample carries to the next block
                store8(zero, last + i)
                store8(zero, peaks + i)
            }
            i &+= 8
            continue
        }
        var p1 = zero, p2 = zero, p3 = zero
        var k = 0
        while k < taps {
            let v = load8(w + k)
            p1 += v * load8(c + 8 &* k)
            p2 += v * load8(c + 8 &* (taps &+ k))
            p3 += v * load8(c + 8 &* (2 &* taps &+ k))
            k &+= 1
        }
        let lastPoints = p3.replacing(with: 0, where: skip)
        store8(lastPoints, last + i)
        // The point before each interval: the previous sample's last point.
        let a0 = magnitude(SIMD8<Float>(lastCarry, lastPoints[0], lastPoints[1], lastPoints[2], lastPoints[3],
                                        lastPoints[4], lastPoints[5], lastPoints[6]))
        lastCarry = lastPoints[7]
        let a1 = magnitude(load8(w + 7)), a2 = magnitude(p1), a3 = magnitude(p2), a4 = magnitude(p3)
        let a5 = magnitude(load8(w + 8))
        // The highest of a1...a4 (the first on a tie) and its neighbours.
        var below = a0, top = a1, above = a2
        var beats = a2 .> top
        below.replace(with: a1, where: beats); top.replace(with: a2, where: beats); above.replace(with: a3, where: beats)
        beats = a3 .> top
        below.replace(with: a2, where: beats); top.replace(with: a3, where: beats); above.replace(with: a4, where: beats)
        beats = a4 .> top
        below.replace(with: a3, where: beats); top.replace(with: a4, where: beats); above.replace(with: a5, where: beats)
        // A top: the vertex of the parabola lies within half a point of it.
        let curvature = below - 2 * top + above
        let vertex = top .>= below .& top .>= above .& curvature .< zero
        let offset = 0.5 * (below - above) / curvature
        var peak = top
        peak.replace(with: lanewiseMax(top, top - 0.25 * (below - above) * offset), where: vertex)
        peak.replace(with: 0, where: skip)
        store8(peak, peaks + i)
        // A sample bounds the intervals on both sides of it.
        var bound = lanewiseMax(peak, SIMD8<Float>(peakCarry, peak[0], peak[1], peak[2], peak[3], peak[4], peak[5], peak[6]))
        peakCarry = peak[7]
        bound.replace(with: 0, where: skip)
        store8(bound, bounds + i)
        i &+= 8
    }
}

/// The gain each sample needs to stay under `ceiling`: `ceiling / bound` where the
/// bound is above it, else 1. Returns the highest bound.
@inline(__always)
func neededGainKernel(_ bounds: UnsafePointer<Float>, count n: Int, ceiling: Float, into out: UnsafeMutablePointer<Float>) -> Float {
    let ceilingV = SIMD8<Float>(repeating: ceiling), one = SIMD8<Float>(repeating: 1)
    var highest = SIMD8<Float>(repeating: 0)
    var i = 0
    while i &+ 8 <= n {
        let b = load8(bounds + i)
        highest = lanewiseMax(highest, b)
        var g = one
        let over = b .> ceilingV
        if any(over) { g.replace(with: ceilingV / b, where: over) }
        store8(g, out + i)
        i &+= 8
    }
    var top = highest.max()
    while i < n {
        let b = bounds[i]
        top = max(top, b)
        out[i] = b > ceiling ? ceiling / b : 1
        i &+= 1
    }
    return top
}

/// A sliding reduction by doubling: `out[i]` is `combine` over `a[i - window + 1 ... i]`
/// for `i < n`, where `a` is readable from `a[-(window - 1)]`. The windows are built from
/// powers of two (`a[j] op a[j - 1]`, then pairs of those, ...), so each output is
/// combined in the same order wherever the blocks begin. `scratch` and `spare` hold
/// `n + window` floats each.
@inline(__always)
func slidingKernel(_ a: UnsafePointer<Float>, window w: Int, count n: Int, scratch: UnsafeMutablePointer<Float>,
                   spare: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                   _ combine: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>) {
    // `power` (covering `span` samples) is valid from index `first`, relative to a[0].
    var power = a, span = 1, first = -(w - 1)
    var buffers = (scratch + (w - 1), spare + (w - 1))
    var offset = 0, started = false
    let end = n + 7 - ((n + 7) % 8)   // whole vectors: the arrays have room past n
    while span <= w {
        if w & span != 0 {
            // out[i] (the newest `offset` samples) combined with the `span` before them.
            var i = 0
            if started {
                while i < end { store8(combine(load8(out + i), load8(power + i - offset)), out + i); i &+= 8 }
            } else {
                while i < end { store8(load8(power + i - offset), out + i); i &+= 8 }
                started = true
            }
            offset += span
        }
        guard span * 2 <= w else { break }
        // The next power: pairs of this one, valid `span` later.
        let next = buffers.0
        var j = first + span
        while j < end { store8(combine(load8(power + j), load8(power + j - span)), next + j); j &+= 8 }
        first += span
        span *= 2
        power = UnsafePointer(next)
        buffers = (buffers.1, buffers.0)
    }
}

/// The gain's release: how far the gain is under 1, `z[i] = max(need[i], z[i - 1] * factor)`
/// where `need[i] = 1 - held[i]`, raised to at least 0.0001 where it is not 0; and a z
/// under 0.0001 reads 0, so a released gain is exactly 1 again. `z[-1]` is the carry.
///
/// Eight samples at a time, each from the group's needs and the carry into the group:
/// `z[g + j] = max(need[g + j], need[g + j - 1] * f, ..., need[g] * f^j, z[g - 1] * f^(j + 1))`,
/// with the powers of the factor in `powers` (f, f^2, ..., f^8). Only the carry waits on
/// the group before (a multiply and a maximum), where the chain one sample at a time
/// waits on every sample. Since every need is 0 or at least 0.0001, a z under 0.0001 can
/// never beat a need again, so dropping it to 0 changes nothing after. `needs` is
/// scratch for `count` + 8 floats. Samples past the last whole group go one at a time;
/// the limiter gives whole groups from the start of the stream, so the groups are the
/// same however the stream is cut.
@inline(__always)
func releaseKernel(held: UnsafePointer<Float>, count n: Int, powers: UnsafePointer<Float>, needs: UnsafeMutablePointer<Float>,
                   into z: UnsafeMutablePointer<Float>) {
    let floor: Float = 0.0001
    let one = SIMD8<Float>(repeating: 1), zero = SIMD8<Float>(repeating: 0), floorV = SIMD8<Float>(repeating: floor)
    let lane = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
    let decay = load8(powers)
    // The needs, for the groups to read back into.
    var k = 0
    while k < n {
        var need = one - load8(held + k)
        need.replace(with: lanewiseMax(need, floorV), where: need .> zero)
        store8(need, needs + k)
        k &+= 8
    }
    var previous = z[-1]
    var i = 0
    while i &+ 8 <= n {
        let need = load8(needs + i)
        // Eight samples that need nothing while nothing is releasing: zeros.
        if previous == 0 && all(need .== zero) {
            store8(zero, z + i)
            i &+= 8
            continue
        }
        // The needs before each sample in the group, decayed; lanes before the group's
        // start are left out (the carry stands for them).
        var highest = need
        var d = 1
        while d < 8 {
            var earlier = load8(needs + i - d) * SIMD8<Float>(repeating: powers[d - 1])
            earlier.replace(with: 0, where: lane .< SIMD8<Float>(repeating: Float(d)))
            highest = lanewiseMax(highest, earlier)
            d &+= 1
        }
        var v = lanewiseMax(highest, decay * previous)
        v.replace(with: 0, where: v .< floorV)
        store8(v, z + i)
        previous = v[7]
        i &+= 8
    }
    let factor = powers[0]
    while i < n {
        var v = max(needs[i], previous * factor)
        if v < floor { v = 0 }
        z[i] = v
        previous = v
        i &+= 1
    }
}

/// The limiter's output: `out[i] = x[i] * (1 - sums[i] * scale)`, where `sums` are the
/// double moving sums of the release (0 where nothing is limited, so those samples pass
/// exactly). Returns how many samples got a gain under 1, and the smallest gain.
@inline(__always)
func applyGainKernel(_ x: UnsafePointer<Float>, sums: UnsafePointer<Float>, count n: Int, scale: Float,
                     into out: UnsafeMutablePointer<Float>) -> (limited: Int, smallest: Float) {
    var limited = 0
    var smallest: Float = 1
    let zero = SIMD8<Float>(repeating: 0), one = SIMD8<Float>(repeating: 1), s = SIMD8<Float>(repeating: scale)
    var i = 0
    while i &+ 8 <= n {
        let d = load8(sums + i)
        if all(d .== zero) {
            store8(load8(x + i), out + i)
        } else {
            let g = one - d * s
            store8(load8(x + i) * g, out + i)
            let under = g .< one
            for lane in 0..<8 where under[lane] { limited &+= 1 }
            smallest = min(smallest, g.min())
        }
        i &+= 8
    }
    while i < n {
        let g = 1 - sums[i] * scale
        out[i] = x[i] * g
        if g < 1 { limited &+= 1; smallest = min(smallest, g) }
        i &+= 1
    }
    return (limited, smallest)
}
