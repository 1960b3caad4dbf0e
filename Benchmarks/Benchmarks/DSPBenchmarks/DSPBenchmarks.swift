import Benchmark
import DSP
import Foundation

/// One iteration resamples 10 s of a speech-like mono signal; throughput (#/s) times 10
/// is seconds of audio per second (x realtime).
let seconds = 10

func signal(rate: Int) -> [Float] {
    (0..<(rate * seconds)).map { i in
        let t = Double(i) / Double(rate)
        return Float(0.3 * sin(2 * .pi * 220 * t) + 0.2 * sin(2 * .pi * 1330 * t) + 0.05 * sin(2 * .pi * 6100 * t))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3), maxIterations: 200)
    let cases = [(44100, 8000), (48000, 8000), (22050, 8000), (16000, 8000), (11025, 8000), (44101, 8000), (44100, 16000)]
    for (rate, out) in cases {
      for level in SIMDLevel.supported where level == .baseline || rate == 44100 || rate == 22050 {
        let x = signal(rate: rate)
        Benchmark("resample \(rate)->\(out) (10 s, \(level))") { benchmark in
            var y: [Float] = []
            y.reserveCapacity(out * seconds + 100)
            for _ in benchmark.scaledIterations {
                y.removeAll(keepingCapacity: true)
                let r = PolyphaseResampler(inputRate: rate, outputRate: out, simd: level)
                x.withUnsafeBufferPointer { p in
                    var i = 0
                    while i < p.count {
                        let j = min(p.count, i + 4096)
                        r.process(UnsafeBufferPointer(rebasing: p[i..<j]), into: &y)
                        i = j
                    }
                }
                r.drain(into: &y)
                blackHole(y.count)
            }
        }
      }
    }
}
