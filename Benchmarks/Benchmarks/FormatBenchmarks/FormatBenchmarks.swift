import AudioIO
import Benchmark
import Foundation

/// One iteration encodes 100,000 samples (12.5 s at 8 kHz, 6.25 s at 16 kHz) of speech-like
/// float audio through a format's writer into /dev/null (written as it is, no temporary
/// file): the codec's cost as the pipeline pays it, with the float to 16-bit step.
let sampleCount = 100_000

let speech: [Float] = (0..<sampleCount).map { i in
    let t = Double(i) / 8000
    let env = 0.2 + 0.8 * abs(sin(2 * .pi * 0.7 * t))
    return Float(env * (0.5 * sin(2 * .pi * 220 * t) + 0.3 * sin(2 * .pi * 1330 * t) + 0.1 * sin(2 * .pi * 3100 * t)))
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 500
    )
    for format in [PromptFormat.alaw, .gsm, .g722, .g729] {
        Benchmark("encode \(format.rawValue) (100k samples)") { benchmark in
            for _ in benchmark.scaledIterations {
                let w = try makePromptWriter(format: format, path: "/dev/null", overwrite: true)
                try speech.withUnsafeBufferPointer { try w.write($0) }
                try w.finish()
                blackHole(w.bytesWritten)
            }
        }
    }
}
