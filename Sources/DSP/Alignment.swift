/// Finds how far one signal is shifted against another, by cross-correlation.
public enum Alignment {
    /// The lag (in samples) that maximises the correlation of `x` shifted against
    /// `reference`, searched in -maxLag...maxLag: `x[i + lag]` lines up with `reference[i]`.
    /// Direct SIMD dot products: (2 maxLag + 1) x length multiply-adds.
    public static func bestLag(_ x: [Float], _ reference: [Float], maxLag: Int) -> Int {
        guard !x.isEmpty, !reference.isEmpty else { return 0 }
        var best = 0
        var bestValue = -Float.infinity
        x.withUnsafeBufferPointer { xp in
            reference.withUnsafeBufferPointer { rp in
                for lag in -maxLag...maxLag {
                    // Overlap: i in [max(0, -lag), min(ref.count, x.count - lag))
                    let start = max(0, -lag)
                    let end = min(rp.count, xp.count - lag)
                    guard end - start > 0 else { continue }
                    let n = end - start
                    let body = n / 16 * 16
                    var c = body > 0 ? dotProduct(xp.baseAddress! + start + lag, rp.baseAddress! + start, body) : 0
                    for i in body..<n { c += xp[start + lag + i] * rp[start + i] }
                    if c > bestValue { bestValue = c; best = lag }
                }
            }
        }
        return best
    }
}
