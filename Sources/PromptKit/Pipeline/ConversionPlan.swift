import AudioIO
import DSP

/// A conversion as data: the stages that run once per input (front), and one branch per
/// output rate, each ending in sinks (prompt writers, or collectors for verify). The
/// planner builds it from what the source is and what is asked for; ``PlanExecutor``
/// runs it and decides the threading. Adding a processing stage is one file (the stage)
/// and one line in ``Planner``.
final class ConversionPlan {
    /// One output rate: its resampler, the stages after it, and where the samples go.
    final class Branch {
        let rate: Int
        let resampler: PolyphaseResampler
        /// Stages after the resampler (the over counter; later: limiter, fades).
        let stages: [AudioStage]
        let sinks: [SampleSink]
        init(rate: Int, resampler: PolyphaseResampler, stages: [AudioStage], sinks: [SampleSink]) {
            self.rate = rate
            self.resampler = resampler
            self.stages = stages
            self.sinks = sinks
        }
    }

    let source: AudioSource
    /// Mono mixdown, guards, measurements: on the decoded samples, once per input.
    let front: [AudioStage]
    let branches: [Branch]

    init(source: AudioSource, front: [AudioStage], branches: [Branch]) {
        self.source = source
        self.front = front
        self.branches = branches
    }

    /// Every stage's report, front first.
    var reports: [StageReport] {
        (front + branches.flatMap { [$0.resampler as AudioStage] + $0.stages }).compactMap(\.report)
    }
}

/// Where a branch's samples end up.
protocol SampleSink: AnyObject {
    func write(_ samples: UnsafeBufferPointer<Float>) throws
}

/// A prompt writer as a sink.
final class WriterSink: SampleSink {
    let writer: PromptWriter
    init(_ writer: PromptWriter) { self.writer = writer }
    func write(_ samples: UnsafeBufferPointer<Float>) throws { try writer.write(samples) }
}

/// Keeps every sample (verify compares whole prompts; they are short).
final class CollectorSink: SampleSink {
    private(set) var samples: [Float] = []
    func write(_ s: UnsafeBufferPointer<Float>) throws { samples.append(contentsOf: s) }
}

/// Turns (what the input is, what is asked for, options) into a plan.
enum Planner {
    /// The front every conversion shares: mix to mono (or pick a channel), then replace
    /// NaN and infinity. Mixing first means the guard scans one channel instead of all; a
    /// non-finite sample in any mixed channel survives the mean, so none slips through.
    static func front(channels: Int, pick channel: Int?, measuring: [AudioStage] = [], filters: [AudioStage] = []) -> [AudioStage] {
        measuring + [ChannelMixer(channels: channels, mode: channel.map { .pick($0 - 1) } ?? .mean), NonFiniteGuard(channels: 1)] + filters
    }

    /// The filters the options ask for at the input rate (after mixing to mono). The
    /// high-pass is not among them: it runs at the output rate (see ``Converter``), where a
    /// 44.1 kHz recording has 5.5 times fewer samples to filter.
    static func filters(_ options: ConversionOptions) -> [AudioStage] {
        options.gainDB.map { [Gain(decibels: $0)] } ?? []
    }

    /// One branch per distinct rate, in ascending order; each counts the samples beyond
    /// full scale before its sinks.
    static func branches(inputRate: Int, delay: FrameDelay, quality: ResamplerQuality,
                         sinks: [(rate: Int, sink: SampleSink)]) -> [ConversionPlan.Branch] {
        Set(sinks.map(\.rate)).sorted().map { rate in
            ConversionPlan.Branch(rate: rate,
                                  resampler: PolyphaseResampler(inputRate: inputRate, outputRate: rate, quality: quality,
                                                                advance: (delay.numerator, delay.denominator)),
                                  stages: [OverCounter()],
                                  sinks: sinks.filter { $0.rate == rate }.map(\.sink))
        }
    }

    /// The plan of a conversion to prompt files.
    /// - Parameter meters: pass-through stages at the end of the front, which see the
    ///   prompt's mono signal before any resampling (a loudness meter).
    /// - Parameter atOutputRate: stages that run once at the highest output rate, before the
    ///   branches: loudness normalization (which needs the whole prompt first) and the
    ///   limiter, so every format of a prompt gets the same gain curve.
    static func conversion(source: AudioSource, writers: [PromptWriter], options: ConversionOptions, meters: [AudioStage] = [],
                           atOutputRate: [AudioStage] = []) -> ConversionPlan {
        let p = plan(source: source, sinks: writers.map { ($0.format.sampleRate, WriterSink($0)) }, pick: options.channel,
                     quality: options.quality, atOutputRate: atOutputRate, filters: filters(options))
        return meters.isEmpty ? p : ConversionPlan(source: p.source, front: p.front + meters, branches: p.branches)
    }

    /// A plan from the source to sinks at their rates. Stages `atOutputRate` run at the end
    /// of the front, after a resampler to the highest output rate, and each branch
    /// resamples from there. A stage there that needs the whole input gets it spooled by
    /// the executor at that rate (8 kHz mono for narrowband prompts: 1.9 MB a minute).
    static func plan(source: AudioSource, sinks: [(rate: Int, sink: SampleSink)], pick channel: Int?,
                     quality: ResamplerQuality, atOutputRate: [AudioStage] = [], filters: [AudioStage] = []) -> ConversionPlan {
        var stages = front(channels: source.channels, pick: channel, filters: filters)
        guard !atOutputRate.isEmpty, let top = sinks.map(\.rate).max() else {
            return ConversionPlan(source: source, front: stages,
                                  branches: branches(inputRate: source.sampleRate, delay: source.stream.delay, quality: quality, sinks: sinks))
        }
        let delay = source.stream.delay
        stages.append(PolyphaseResampler(inputRate: source.sampleRate, outputRate: top, quality: quality,
                                         advance: (delay.numerator, delay.denominator)))
        return ConversionPlan(source: source, front: stages + atOutputRate,
                              branches: branches(inputRate: top, delay: .zero, quality: quality, sinks: sinks))
    }
}
