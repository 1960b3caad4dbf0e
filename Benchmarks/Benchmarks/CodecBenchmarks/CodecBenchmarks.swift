import Benchmark
import Foundation
import G711

/// One iteration makes 10 passes over a 100,000-sample buffer: 1,000,000 samples (125 s
/// of 8 kHz audio), so throughput in iterations/s times 10^6 is samples/s. The buffer
/// stays in L2, like the pipeline's blocks; it measures the kernel, not DRAM.
let sampleCount = 100_000
let passes = 10

let int16Speech: [Int16] = {
    // Deterministic, speech-like spread of levels: a sum of tones with a slow envelope.
    (0..<sampleCount).map { i in
        let t = Double(i) / 8000
        let env = 0.2 + 0.8 * abs(sin(2 * .pi * 0.7 * t))
        let v = env * (0.5 * sin(2 * .pi * 220 * t) + 0.3 * sin(2 * .pi * 1330 * t) + 0.1 * sin(2 * .pi * 3100 * t))
        return Int16(clamping: Int((v * 32767).rounded()))
    }
}()
let floatSpeech: [Float] = int16Speech.map { Float($0) / 32768 }
let codes: [UInt8] = G711Law.aLaw.encode(int16Speech)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 2_000
    )
    var out16 = [Int16](repeating: 0, count: sampleCount)
    var outF = [Float](repeating: 0, count: sampleCount)
    var out8 = [UInt8](repeating: 0, count: sampleCount)

    func encodeBench(_ name: String, _ body: @escaping (UnsafeBufferPointer<Int16>, UnsafeMutableBufferPointer<UInt8>) -> Void) {
        Benchmark(name) { benchmark in
            int16Speech.withUnsafeBufferPointer { input in
                out8.withUnsafeMutableBufferPointer { output in
                    for _ in benchmark.scaledIterations {
                        for _ in 0..<passes { body(input, output) }
                        blackHole(output[sampleCount - 1])
                    }
                }
            }
        }
    }

    // The SIMD rows run every build of the kernels this CPU supports (SIMDLevel): the
    // baseline (x86-64 SSE2) one and, on AVX2 machines, the one promptc picks there.
    for level in SIMDLevel.supported {
        encodeBench("int16->alaw SIMD \(level)") { G711Law.aLaw.encode($0, into: $1, simd: level) }
    }
    encodeBench("int16->alaw scalar") { ALaw.encodeScalar($0, into: $1) }
    let alawTable = G711LookupTableEncoder(law: .aLaw)
    encodeBench("int16->alaw table") { alawTable.encode($0, into: $1) }
    for level in SIMDLevel.supported {
        encodeBench("int16->ulaw SIMD \(level)") { G711Law.muLaw.encode($0, into: $1, simd: level) }
    }
    encodeBench("int16->ulaw scalar") { MuLaw.encodeScalar($0, into: $1) }
    let ulawTable = G711LookupTableEncoder(law: .muLaw)
    encodeBench("int16->ulaw table") { ulawTable.encode($0, into: $1) }

    for level in SIMDLevel.supported {
        Benchmark("float->alaw SIMD \(level)") { benchmark in
            floatSpeech.withUnsafeBufferPointer { input in
                out8.withUnsafeMutableBufferPointer { output in
                    for _ in benchmark.scaledIterations {
                        for _ in 0..<passes { G711Law.aLaw.encode(input, into: output, simd: level) }
                        blackHole(output[0])
                    }
                }
            }
        }
    }
    Benchmark("float->alaw scalar") { benchmark in
        floatSpeech.withUnsafeBufferPointer { input in
            out8.withUnsafeMutableBufferPointer { output in
                for _ in benchmark.scaledIterations { for _ in 0..<passes { ALaw.encodeScalar(input, into: output) }; blackHole(output[0]) }
            }
        }
    }
    Benchmark("alaw->int16 decode") { benchmark in
        codes.withUnsafeBufferPointer { input in
            out16.withUnsafeMutableBufferPointer { output in
                for _ in benchmark.scaledIterations { for _ in 0..<passes { G711Law.aLaw.decode(input, into: output) }; blackHole(output[0]) }
            }
        }
    }
    Benchmark("alaw->float decode") { benchmark in
        codes.withUnsafeBufferPointer { input in
            outF.withUnsafeMutableBufferPointer { output in
                for _ in benchmark.scaledIterations { for _ in 0..<passes { G711Law.aLaw.decode(input, into: output) }; blackHole(output[0]) }
            }
        }
    }
}
