import Foundation
import Testing
@testable import AudioIO
import DSP
@testable import PromptKit

/// A stage that needs the whole input: it scales the signal so that its peak is 0.5.
final class PeakTo: MeasuringStage {
    let inputChannels = 1, outputChannels = 1
    let target: Float
    private var peak: Float = 0
    private(set) var gain: Float = 1
    private(set) var measuredSamples = 0
    init(_ target: Float = 0.5) { self.target = target }
    func measure(_ input: UnsafeBufferPointer<Float>) {
        for x in input { peak = max(peak, abs(x)) }
        measuredSamples += input.count
    }
    func finishMeasuring() { gain = peak > 0 ? target / peak : 1 }
    func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) { output.append(contentsOf: input.map { $0 * gain }) }
    func drain(into output: inout [Float]) {}
}

@Suite("conversion plans")
struct PlanTests {
    @Test("a stage that needs the whole input gets it through the spool; the result is the plain conversion times its gain")
    func measuringStage() throws {
        let input = fixture("speech/speech-44k-stereo.wav")
        func run(_ measuring: PeakTo?) throws -> (samples: [Float], result: PlanExecutor.Result) {
            let source = try AudioDecoder.open(input)
            let sink = CollectorSink()
            var front = Planner.front(channels: source.channels, pick: nil)
            if let m = measuring { front.append(m) }
            let plan = ConversionPlan(source: source, front: front,
                                      branches: Planner.branches(inputRate: source.sampleRate, delay: .zero, quality: .telephone,
                                                                 sinks: [(8000, sink)]))
            let result = try PlanExecutor.run(plan)
            return (sink.samples, result)
        }
        let plain = try run(nil)
        let stage = PeakTo(0.5)
        let scaled = try run(stage)
        // The independent reference for the gain: the peak of the file's own mono mix.
        let mono = try decodeMono(input).samples
        let expectedGain = 0.5 / mono.map { abs($0) }.max()!
        #expect(abs(stage.gain - expectedGain) < 1e-6)
        #expect(stage.measuredSamples == mono.count)
        #expect(scaled.samples.count == plain.samples.count && scaled.result.inputFrames == plain.result.inputFrames)
        let worst = zip(scaled.samples, plain.samples).map { abs($0 - $1 * stage.gain) }.max() ?? 1
        #expect(worst < 1e-6, "largest difference from gain x plain: \(worst)")
        // The spool is unnamed: nothing is left in the temporary folder.
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).allSatisfy { !$0.hasPrefix(".promptc-spool") })
    }

    @Test("a plan whose stages do not fit the input's format fails when it starts, before any output")
    func formatsAreChecked() throws {
        let source = try AudioDecoder.open(fixture("speech/speech-44k-stereo.wav"))
        let plan = ConversionPlan(source: source, front: [ChannelMixer(channels: 1)],
                                  branches: Planner.branches(inputRate: source.sampleRate, delay: .zero, quality: .telephone,
                                                             sinks: [(8000, CollectorSink())]))
        #expect(throws: StageError.self) { _ = try PlanExecutor.run(plan) }
    }

    @Test("the planner puts a measuring stage after a resampler to the highest output rate, so the spool holds that rate")
    func measuringAtTheLowestUsefulRate() throws {
        let input = fixture("speech/speech-44k-stereo.wav")
        let plainWide = CollectorSink(), plainNarrow = CollectorSink()
        let source = try AudioDecoder.open(input)
        _ = try PlanExecutor.run(Planner.plan(source: source, sinks: [(16000, plainWide), (8000, plainNarrow)], pick: nil, quality: .telephone))
        let wide = CollectorSink(), narrow = CollectorSink()
        let stage = PeakTo(0.5)
        let measured = try AudioDecoder.open(input)
        let plan = Planner.plan(source: measured, sinks: [(16000, wide), (8000, narrow)], pick: nil, quality: .telephone, atOutputRate: [stage])
        _ = try PlanExecutor.run(plan)
        // The stage saw the signal at 16 kHz: as many samples as the 16 kHz output has.
        #expect(stage.measuredSamples == plainWide.samples.count)
        #expect(wide.samples.count == plainWide.samples.count && narrow.samples.count == plainNarrow.samples.count)
        // 16 kHz: exactly the plain conversion times the gain; 8 kHz: 16 -> 8 kHz after the
        // measuring stage instead of 44.1 -> 8 kHz directly, the same within the resampler's error.
        let worst = zip(wide.samples, plainWide.samples).map { abs($0 - $1 * stage.gain) }.max() ?? 1
        #expect(worst < 1e-6, "16 kHz: \(worst)")
        let scaled = plainNarrow.samples.map { $0 * stage.gain }
        var signal = 0.0, noise = 0.0
        for (a, b) in zip(narrow.samples, scaled) { signal += Double(b * b); noise += Double((a - b) * (a - b)) }
        #expect(10 * log10(signal / noise) > 60, "8 kHz: \(10 * log10(signal / noise)) dB")
    }
}
