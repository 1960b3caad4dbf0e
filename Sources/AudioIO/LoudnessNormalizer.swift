import CEbur128
#if canImport(Glibc)
import Glibc
#endif
import DSP

/// Brings a prompt to a loudness target (ITU-R BS.1770-4 integrated loudness, LUFS, by
/// ``IntegratedLoudnessMeter``, which agrees with libebur128). The first pass measures the
/// whole prompt and its true peak (by the limiter's own detector when a limiter follows,
/// so whether it will act is known exactly; by libebur128's otherwise); the gain is then
/// applied in one piece. With a true-peak limiter (`limiter`), the gain goes all the way
/// to the target and the limiter, run by this stage after the gain, holds the peaks:
/// where it must act, further passes run it over the spooled prompt and correct the gain
/// until the limited result measures on target (the limiter takes a little loudness with
/// the peaks), with at most ``deepestLimiting`` of limiting. The last of these passes
/// keeps what it made in a spool file, and that is the stage's output: the limiter runs
/// once per pass, not once more at the end. Without a limiter the gain is capped so the
/// true peak stays at or under `ceiling`: normalization never clips. Runs where the plan
/// measures, at the highest output rate, so a narrowband prompt is measured as Asterisk's
/// own 8 kHz prompts are.
public final class LoudnessNormalizer: OutputKeepingStage {
    public let inputChannels = 1
    public let outputChannels = 1
    /// The level asked for: integrated loudness (LUFS) or P.56 active speech level (dBov).
    public let target: LoudnessTarget
    /// The limiter this stage runs after the gain, if any.
    public let limiter: TruePeakLimiter.Settings?
    /// The highest true peak the gain may make, dBTP: the limiter's ceiling when there is one.
    public let ceiling: Double
    /// The most the limiter may take off the peaks to reach the target, dB; beyond it
    /// the target is given up (with a warning) rather than squash the prompt.
    public static let deepestLimiting = 12.0

    private var format = StageFormat(rate: 8000, channels: 1)
    private var meter: IntegratedLoudnessMeter?
    /// libebur128, for the true peak when no limiter follows.
    private var peakState: UnsafeMutablePointer<ebur128_state>?
    private var speech: ActiveSpeechLevel?
    /// The first pass's true-peak measure when a limiter follows.
    private var peakMeter: TruePeakMeter?
    private var linearGain: Float = 1
    private var gain = 0.0
    /// The highest gain allowed: the one that needs ``deepestLimiting`` of limiting.
    private var highestGain = 0.0
    private var trials: [(gain: Double, loudness: Double)] = []
    private var simulation: TruePeakLimiter?
    private var scratch: [Float] = []
    private var gained: [Float] = []
    private var measured: (loudness: Double, peak: Double)?
    /// The last trial's output, when it could be kept: the stage's output.
    private var trialOutput: SampleSpool?
    private var keepsTrialOutput = false
    /// The limiter of the output when the trial's output could not be kept.
    private var outputLimiter: TruePeakLimiter?
    private var limiting: TruePeakLimiter.Activity?
    /// What the passes found and what was applied; nil until the last has ended.
    public private(set) var result: LoudnessNormalization?
    public private(set) var wantsAnotherPass = false

    public init(target: LoudnessTarget, limiter: TruePeakLimiter.Settings? = nil, ceiling: Double = -1) {
        self.target = target
        self.limiter = limiter
        self.ceiling = limiter?.ceiling ?? ceiling
    }

    deinit {
        if peakState != nil { ebur128_destroy(&peakState) }
        peakMeter?.free()
    }

    public func start(_ input: StageFormat) throws -> StageFormat {
        guard input.channels == 1 else { throw StageError("LoudnessNormalizer takes 1 channel, not \(input.channels)") }
        format = input
        // libebur128's true-peak mode costs seven times its loudness measure; with a
        // limiter its detector answers the only question asked of the peak.
        if limiter != nil {
            peakMeter = TruePeakMeter()
        } else {
            peakState = ebur128_init(1, UInt(input.rate), Int32(EBUR128_MODE_TRUE_PEAK.rawValue))
            guard peakState != nil else { throw StageError("libebur128 cannot measure \(input.rate) Hz") }
        }
        meter = IntegratedLoudnessMeter(rate: input.rate)
        if case .activeSpeech = target { speech = ActiveSpeechLevel(rate: input.rate) }
        return input
    }

    public func measure(_ input: UnsafeBufferPointer<Float>) {
        guard let meter, !input.isEmpty else { return }
        guard let limiter = simulation else {
            meter.add(input)
            if let s = peakState { ebur128_add_frames_float(s, input.baseAddress, input.count) }   // finite: NonFiniteGuard ran before
            speech?.add(input)
            peakMeter?.add(input)
            return
        }
        // A trial pass: the gain, then the limiter, as the plan will run them.
        scratch.removeAll(keepingCapacity: true)
        gained.removeAll(keepingCapacity: true)
        applyGain(input, into: &gained)
        gained.withUnsafeBufferPointer { limiter.process($0, into: &scratch) }
        scratch.withUnsafeBufferPointer { meter.add($0); speech?.add($0); keep($0) }
    }

    /// Writes a trial's output to its spool; on a failure the output is made again at the end.
    private func keep(_ samples: UnsafeBufferPointer<Float>) {
        guard keepsTrialOutput, let spool = trialOutput else { return }
        do { try spool.write(samples) } catch { keepsTrialOutput = false }
    }

    public func finishMeasuring() {
        wantsAnotherPass = false
        if let limiter = simulation {
            scratch.removeAll(keepingCapacity: true)
            limiter.drain(into: &scratch)
            scratch.withUnsafeBufferPointer { meter?.add($0); speech?.add($0); keep($0) }
            finishTrial()
            return
        }
        var peak = 0.0
        guard let loudness = level(), loudness > -70 else {
            result = LoudnessNormalization(measured: nil, truePeak: nil, target: target.value, gain: 0, cappedBy: 0, limiterCeiling: limiter?.ceiling, unit: target.unit)
            return
        }
        if peakMeter != nil {
            peak = Double(peakMeter!.peak())
        } else if let s = peakState {
            flushTruePeak(s, channels: 1)
            if ebur128_true_peak(s, 0, &peak) != 0 { peak = 0 }
        }
        guard peak > 0 else {
            result = LoudnessNormalization(measured: nil, truePeak: nil, target: target.value, gain: 0, cappedBy: 0, limiterCeiling: limiter?.ceiling, unit: target.unit)
            return
        }
        let peakDB = 20 * log10(peak)
        measured = (loudness, peakDB)
        let wanted = target.value - loudness
        guard limiter != nil, peakDB + wanted > ceiling else {
            // Nothing for a limiter to do, or no limiter: one gain, capped at the ceiling.
            let applied = min(wanted, ceiling - peakDB)
            finish(gain: applied, loudnessAfter: loudness + applied, cappedBy: max(0, wanted - applied))
            return
        }
        highestGain = ceiling - peakDB + Self.deepestLimiting
        // The first trial takes no account of what the limiter will take: when it must
        // take more than 1 dB off the peaks, the prompt is rarely on target after it, and
        // its output is not worth keeping (if it is, the output is made again).
        let first = min(wanted, highestGain)
        beginTrial(gain: first, keepingOutput: peakDB + first - ceiling <= 1)
    }

    /// The measure the target is in, of what the pass saw: LUFS or dBov.
    private func level() -> Double? {
        switch target {
        case .integratedLoudness:
            return meter?.loudness
        case .activeSpeech:
            return speech?.measure?.level
        }
    }

    /// Sets up a pass that runs `gain` and the limiter over the prompt and measures the
    /// result, and keeps what it makes in a spool file when `keepingOutput`.
    private func beginTrial(gain: Double, keepingOutput: Bool = true) {
        self.gain = gain
        linearGain = Float(pow(10, gain / 20))
        meter = IntegratedLoudnessMeter(rate: format.rate)
        simulation = TruePeakLimiter(limiter!)
        do {
            keepsTrialOutput = false
            if keepingOutput {
                if trialOutput == nil { trialOutput = try SampleSpool() } else { try trialOutput!.clear() }
                keepsTrialOutput = true
            }
        } catch {
            keepsTrialOutput = false
        }
        if case .activeSpeech = target { speech = ActiveSpeechLevel(rate: format.rate) }
        _ = try? simulation!.start(format)
        wantsAnotherPass = true
    }

    /// Takes a trial's measure: done when on target (0.05 LU), or at the deepest limiting
    /// allowed; else the next gain: after the first trial, from what the limiter took
    /// (taken as growing in proportion to the gain above the point where it starts to
    /// act); after more, by the secant through the last two trials.
    private func finishTrial() {
        guard let loudness = level() else {
            finish(gain: gain, loudnessAfter: nil, cappedBy: 0)
            return
        }
        trials.append((gain, loudness))
        let error = target.value - loudness
        let atLimit = gain >= highestGain - 1e-9 && error > 0
        if abs(error) <= 0.05 || atLimit || trials.count >= 6 {
            finish(gain: gain, loudnessAfter: loudness, cappedBy: atLimit ? error : 0)
            return
        }
        var next = gain + error
        if trials.count >= 2 {
            let (g0, l0) = trials[trials.count - 2]
            if abs(loudness - l0) > 1e-6 { next = gain + error * (gain - g0) / (loudness - l0) }
        } else if let m = measured {
            // After one trial: what the limiter took grows with the gain from the gain
            // where it starts to act (the true peak at the ceiling); taken as growing in
            // proportion, the gain that lands on target solves
            // measured + g - taken * (g - onset) / (gain - onset) = target.
            let onset = ceiling - m.peak, taken = gain - (loudness - m.loudness)
            let share = taken / (gain - onset)
            if gain - onset > 0.1, taken > 0, share < 0.9 {
                next = (target.value - m.loudness - share * onset) / (1 - share)
            }
        }
        beginTrial(gain: min(max(next, gain - 3), highestGain))
    }

    private func finish(gain: Double, loudnessAfter: Double?, cappedBy: Double) {
        if let trial = simulation {
            // The last trial ran this gain: its output is the stage's, or is made again.
            limiting = trial.activity
            if !keepsTrialOutput || (try? trialOutput?.rewind()) == nil {
                keepsTrialOutput = false
                outputLimiter = TruePeakLimiter(limiter!)
                _ = try? outputLimiter!.start(format)
            }
        }
        simulation = nil
        wantsAnotherPass = false
        self.gain = gain
        linearGain = Float(pow(10, gain / 20))
        result = LoudnessNormalization(measured: measured?.loudness, truePeak: measured?.peak, target: target.value, gain: gain,
                                       cappedBy: cappedBy, limiterCeiling: limiter?.ceiling, loudnessAfter: loudnessAfter,
                                       trials: trials.count, unit: target.unit)
    }

    public func process(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        if keepsTrialOutput, let spool = trialOutput {
            // The replay is the input the trial saw, block for block: its output, in step.
            let start = output.count
            if (try? spool.read(input.count, into: &output)) == input.count { return }
            output.removeSubrange(start...)
            keepsTrialOutput = false   // unreadable: the gain alone, from here on
            outputLimiter = nil
        }
        guard let limiter = outputLimiter else {
            applyGain(input, into: &output)
            return
        }
        gained.removeAll(keepingCapacity: true)
        applyGain(input, into: &gained)
        gained.withUnsafeBufferPointer { limiter.process($0, into: &output) }
    }

    public func replayOutput(blockFrames: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Bool {
        guard keepsTrialOutput, let spool = trialOutput else { return false }
        try spool.replay(blockFrames: blockFrames, body)
        keepsTrialOutput = false
        return true
    }

    private func applyGain(_ input: UnsafeBufferPointer<Float>, into output: inout [Float]) {
        if linearGain == 1 { output.append(contentsOf: input); return }
        let g = linearGain, start = output.count
        output.append(contentsOf: input)
        output.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress! + start
            for i in 0..<input.count { o[i] *= g }
        }
    }

    public func drain(into output: inout [Float]) {
        outputLimiter?.drain(into: &output)
    }

    /// What the limiter did to the output (the last trial's limiter, which made it).
    public var report: StageReport? {
        (outputLimiter?.activity ?? limiting).map { .limited($0) }
    }
}

/// What loudness normalization found and did.
public struct LoudnessNormalization: Sendable, Equatable {
    /// Integrated loudness before, LUFS; nil when nothing was loud enough to measure
    /// (silence, or under 0.4 s): no gain is applied then.
    public var measured: Double?
    /// True peak before, dBTP.
    public var truePeak: Double?
    public var target: Double
    /// Gain applied, dB.
    public var gain: Double
    /// How far the result falls short of the target, dB: without a limiter, to keep the
    /// true peak under the ceiling; with one, not to limit deeper than
    /// ``LoudnessNormalizer/deepestLimiting``.
    public var cappedBy: Double
    /// The ceiling of the limiter after the gain, dBTP; nil when there is none.
    public var limiterCeiling: Double?
    /// The loudness the prompt has after the gain (and the limiter), LUFS, as measured
    /// at the plan's highest output rate.
    public var loudnessAfter: Double?
    /// Passes run with the limiter to find the gain (0 when it had nothing to do).
    public var trials = 0
    /// The unit of `measured`, `target` and `loudnessAfter`: "LUFS", or "dBov" for a P.56 target.
    public var unit = "LUFS"
}

/// A level to normalize to.
public enum LoudnessTarget: Sendable, Equatable, Hashable, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, CustomStringConvertible {
    /// ITU-R BS.1770-4 integrated loudness, LUFS.
    case integratedLoudness(Double)
    /// ITU-T P.56 active speech level, dBov.
    case activeSpeech(Double)

    public init(floatLiteral value: Double) { self = .integratedLoudness(value) }
    public init(integerLiteral value: Int) { self = .integratedLoudness(Double(value)) }

    /// Reads `-19` (LUFS), `-19LUFS`, `p56:-26` or `-26dBov`; nil when it is none of these
    /// or out of range (-70...0).
    public init?(_ text: String) {
        let t = String(text.lowercased().filter { $0 != " " })
        let value: Double?, speech: Bool
        if t.hasPrefix("p56:") { value = Double(t.dropFirst(4)); speech = true }
        else if t.hasSuffix("dbov") { value = Double(t.dropLast(4)); speech = true }
        else if t.hasSuffix("lufs") { value = Double(t.dropLast(4)); speech = false }
        else { value = Double(t); speech = false }
        guard let v = value, v >= -70, v <= 0 else { return nil }
        self = speech ? .activeSpeech(v) : .integratedLoudness(v)
    }

    /// The number, in the target's unit.
    public var value: Double {
        switch self { case .integratedLoudness(let v), .activeSpeech(let v): v }
    }

    /// The unit: "LUFS" or "dBov".
    public var unit: String {
        switch self { case .integratedLoudness: "LUFS"; case .activeSpeech: "dBov" }
    }

    public var description: String {
        switch self {
        case .integratedLoudness(let v): formatted("%.1f LUFS", v)
        case .activeSpeech(let v): formatted("p56:%.1f", v)
        }
    }
}
