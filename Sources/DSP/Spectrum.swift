#if canImport(Glibc)
import Glibc
#endif

/// Average magnitude spectrum (Welch's method, Hann window, 50% overlap) for plots.
public enum Spectrum {
    /// Magnitudes in dB (relative to a full-scale sine) of `size / 2 + 1` bins from 0 Hz
    /// to half the sample rate. `size` must be a power of two.
    public static func averageDB(_ x: [Float], size: Int = 512) -> [Double] {
        precondition(size >= 4 && size & (size - 1) == 0, "size must be a power of two")
        let window = (0..<size).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size)) }
        let windowSum = window.reduce(0, +)
        var power = [Double](repeating: 0, count: size / 2 + 1)
        var frames = 0
        var start = 0
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        while start + size <= max(x.count, size) {
            for i in 0..<size {
                re[i] = start + i < x.count ? Double(x[start + i]) * window[i] : 0
                im[i] = 0
            }
            fft(&re, &im)
            for k in 0...(size / 2) { power[k] += re[k] * re[k] + im[k] * im[k] }
            frames += 1
            start += size / 2
        }
        // A full-scale sine gives |X| = windowSum / 2 in its bin: that is 0 dB.
        let reference = (windowSum / 2) * (windowSum / 2)
        return power.map { 10 * log10(max($0 / Double(max(frames, 1)) / reference, 1e-20)) }
    }

    /// In-place iterative radix-2 FFT.
    static func fft(_ re: inout [Double], _ im: inout [Double]) {
        let n = re.count
        var j = 0
        for i in 1..<n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var length = 2
        while length <= n {
            let angle = -2 * Double.pi / Double(length)
            for start in stride(from: 0, to: n, by: length) {
                for k in 0..<(length / 2) {
                    let wr = cos(angle * Double(k)), wi = sin(angle * Double(k))
                    let a = start + k, b = start + k + length / 2
                    let tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                }
            }
            length <<= 1
        }
    }
}
