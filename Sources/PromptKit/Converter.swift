import AudioIO
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import DSP
import G711

/// One output of a conversion: where it goes and in which format.
public struct OutputTarget: Sendable, Equatable {
    public var path: String
    public var format: PromptFormat

    public init(path: String, format: PromptFormat) {
        self.path = path
        self.format = format
    }

    /// Why `format` may not be written at `path`: the path's extension names another
    /// format (`x.alaw` for mu-law data, `b.sln` for 16 kHz audio), which Asterisk would
    /// play as distortion or at the wrong speed. Nil when they agree, or the name says
    /// nothing (no extension, `-`, a device).
    public static func nameMismatch(path: String, format: PromptFormat) -> String? {
        let ext = AudioDecoder.fileExtension(path)
        guard let named = PromptFormat.forExtension(ext), named != format else { return nil }
        let fitting = PathName.deletingExtension(PathName.lastComponent(path)) + "." + format.fileExtension
        return "\(path): the name says .\(ext) (\(named.spec.summary)) but the audio is \(format.spec.summary); Asterisk would misplay it: use \(fitting)"
    }

    /// Target for a path, its format read from the extension (Asterisk's names).
    public init(path: String) throws {
        let ext = AudioDecoder.fileExtension(path)
        guard let f = PromptFormat.forExtension(ext) else {
            throw ConversionError.usage("\(path): cannot tell the output format from the extension \(ext.isEmpty ? "(none)" : "'.\(ext)'"); use one of \(PromptFormat.extensionList) or --format")
        }
        self.init(path: path, format: f)
    }
}

/// Settings of a conversion that are not the files themselves.
public struct ConversionOptions: Sendable {
    /// Use only this channel (1-based) instead of the mean of all channels.
    public var channel: Int?
    /// Treat the input as headerless samples with these parameters.
    public var raw: RawFormat?
    /// Replace existing outputs.
    public var overwrite = false
    /// Permission bits of new outputs; nil: what the umask allows of 0666.
    public var mode: mode_t?
    /// Measures the prompt's integrated loudness (ITU-R BS.1770-4) as it converts
    /// (``ConversionReport/loudnessLUFS``); install does, to compare it with Asterisk's own.
    public var measureLoudness = false
    /// Adds to each `.wav`/`.wav16` the silence Asterisk's WAV reader drops from the end
    /// (half the header's size in samples), so the prompt plays in full (install does).
    public var padWAVForAsterisk = false
    /// Make a truncated input an error instead of a warning.
    public var strict = false
    /// A loudness target in LUFS (``LoudnessNormalizer``): the prompt is measured whole,
    /// then given one gain; the limiter holds its true peak. Nil changes no level.
    public var normalize: LoudnessTarget?
    /// The ceiling of the true-peak limiter (``TruePeakLimiter``), dBTP. Nil: a limiter at
    /// ``defaultLimit`` runs whenever the gain is raised (normalization, a positive
    /// `gainDB`) unless `limitWhenRaising` is off, and none otherwise.
    public var limit: Double?
    /// Run the limiter at ``defaultLimit`` when the gain is raised. Off, normalization is
    /// capped so the true peak stays under -1 dBTP instead (and a fixed gain may clip).
    public var limitWhenRaising = true
    /// The ceiling of the limiter when none is given, dBTP.
    public static let defaultLimit = -1.0
    /// A fixed gain in dB (ffmpeg's `-af volume`); nil leaves the level alone.
    public var gainDB: Double?
    /// The corner of a high-pass filter against rumble and DC (``HighPassFilter``), in
    /// hertz; nil leaves the signal untouched.
    public var highpass: Double?
    /// Remove leading and trailing silence or noise, keeping this many seconds around the
    /// sound (``SilenceTrimmer``); nil keeps everything.
    public var trim: Double?
    /// Fade in and out over this many seconds (``Fade``); nil: 5 ms when trimming, else none.
    public var fade: Double?
    /// Suppress stationary noise by at most this many dB (``Denoiser``); nil leaves it.
    public var denoise: Int?
    /// Silence put before the prompt, seconds (``LeadIn``).
    public var leadIn: Double?
    /// Keep only the piece from `start` seconds on, `duration` seconds long (``Excerpt``).
    public var start: Double?
    public var duration: Double?
    /// The fade used when trimming and none is given, seconds.
    public static let trimFade = 0.005
    /// `--telephony`: the high-pass corner (Hz) and the pad kept by trimming (seconds).
    public static let telephonyHighpass = 100.0
    public static let telephonyTrim = 0.05
    /// `--denoise` alone: the most noise is lowered, dB.
    public static let defaultDenoise = 25
    /// Resampler quality.
    public var quality: ResamplerQuality = .telephone
    /// Let decoders mix to mono and decode at a reduced rate when every output is 8 kHz
    /// (MP3 by reduced-rate synthesis, Opus at 12 kHz: measured to change nothing audible; see docs/design.md).
    public var decoderFastPath = true
    /// For the measurement of decoder shortcuts (`make figures`): what the fast path asks
    /// for instead of mono at the resampler's lowest useful rate.
    var fastPathOverride: (monoWanted: Bool, lowestUsefulRate: Int?)?
    /// Decode on a read-ahead thread (two cores for one file). Batch turns it off and
    /// converts several files at once instead.
    public var decodeAhead = true
    /// Threads a decoder may use when decoding ahead (long MP3 files decode in segments,
    /// bit-identical to one thread). 1 turns it off.
    public var mp3DecoderThreads = MP3DecodeHints.pipelineDecoders
    /// Frames read from the decoder per block; large enough that handing blocks between threads costs little.
    public var blockFrames = 16384

    public init() {}

    /// True when the options change the sound (filter, gain, normalization, limiter):
    /// a file that is already a prompt must then be converted, not copied.
    public var changesSound: Bool {
        highpass != nil || normalize != nil || gainDB != nil || limiterCeiling != nil || trim != nil || effectiveFade != nil || denoise != nil
            || leadIn != nil || start != nil || duration != nil
    }

    /// The fade this conversion runs with, seconds; nil when none.
    public var effectiveFade: Double? {
        if let f = fade { return f > 0 ? f : nil }
        return trim != nil ? Self.trimFade : nil
    }

    /// The limiter's ceiling this conversion runs with, dBTP; nil when there is none.
    public var limiterCeiling: Double? {
        if let l = limit { return l }
        guard limitWhenRaising, normalize != nil || (gainDB ?? 0) > 0 else { return nil }
        return Self.defaultLimit
    }
}

/// What a conversion did, for messages, JSON reports and tests.
public struct ConversionReport: Sendable {
    public struct Output: Sendable {
        public var path: String
        public var format: PromptFormat
        public var frames: Int
        public var bytes: Int64
    }
    public var input: String
    public var inputFormat: String
    public var inputRate: Int
    public var inputChannels: Int
    public var inputFrames: Int
    public var outputs: [Output]
    public var warnings: [ConversionWarning]
    /// Samples beyond full scale after filtering (saturated in the outputs).
    public var overs: Int
    /// What `normalize` measured and applied.
    public var normalization: LoudnessNormalization?
    /// What the true-peak limiter did, when it lowered any sample.
    public var limiting: TruePeakLimiter.Activity?
    /// What trimming found and kept.
    public var trim: Trim?
    /// Integrated loudness of the prompt (mono mix), LUFS, when measured
    /// (``ConversionOptions/measureLoudness``) and measurable (0.4 s above -70 LUFS).
    public var loudnessLUFS: Double?
    /// NaN or infinite input samples replaced.
    public var nonFinite: Int
    public var inputSeconds: Double { Double(inputFrames) / Double(max(inputRate, 1)) }
}

/// Something a conversion did that the user should know about. Code decides on the
/// case; ``message`` is for people.
public enum ConversionWarning: Sendable, Equatable {
    /// From the decoder: a truncated or damaged input.
    case decode(DecodeWarning)
    /// Samples beyond full scale after filtering, saturated in the outputs.
    case clipped(samples: Int, peak: Float)
    /// NaN, infinite or absurd input samples (beyond ±4, +12 dBFS) replaced: NaN by
    /// silence, the others by full scale.
    case nonFinite(samples: Int)
    /// A headerless G.711 input whose content looks like the other law than its name says.
    case lawMismatch(stated: G711Law, seen: G711Law)
    /// Normalization stopped short of its target: to keep the true peak under -1 dBTP
    /// without a limiter, or not to limit deeper than the normalizer allows.
    case normalizationCapped(LoudnessNormalization)
    /// Nothing in the prompt was loud enough to measure (silence, under 0.4 s): no gain.
    case notMeasurable(target: String)
    /// Trimming found no sound above the noise: the prompt was kept whole.
    case nothingToTrim

    public var message: String {
        switch self {
        case .decode(let w): w.message
        case let .clipped(n, peak): "\(n) samples beyond full scale were clipped (peak \(formatDB(Double(peak))) dBFS); lower the level of the recording"
        case .nonFinite(let n): "\(n) NaN, infinite or absurd (beyond ±4, +12 dBFS) samples were replaced (NaN by silence, the others by full scale)"
        case let .lawMismatch(stated, seen): "the content looks like \(seen.text), not \(stated.text) as the name says: it was read as \(stated.text) (use --raw-format to read it otherwise)"
        case let .normalizationCapped(n):
            if let ceiling = n.limiterCeiling {
                "normalized to \(formatted("%.1f", n.loudnessAfter ?? n.target - n.cappedBy)) \(n.unit), not \(formatted("%.1f", n.target)): more would have needed over \(formatted("%.0f", LoudnessNormalizer.deepestLimiting)) dB of limiting to keep the true peak under \(formatted("%.1f", ceiling)) dBTP (it was \(formatted("%.1f", n.truePeak ?? 0)) dBTP at \(formatted("%.1f", n.measured ?? 0)) \(n.unit))"
            } else {
                "normalized to \(formatted("%.1f", (n.measured ?? 0) + n.gain)) \(n.unit), not \(formatted("%.1f", n.target)): \(formatted("%+.1f", n.gain + n.cappedBy)) dB would have taken the true peak above -1 dBTP (it was \(formatted("%.1f", n.truePeak ?? 0)) dBTP at \(formatted("%.1f", n.measured ?? 0)) \(n.unit))"
            }
        case let .notMeasurable(target):
            "not normalized to \(target): nothing in it is loud enough to measure (silence, or under 0.4 s)"
        case .nothingToTrim:
            "not trimmed: no sound stands out from the noise, so the prompt was kept whole"
        }
    }
}

/// Errors of the conversion layer that are not about one file's bytes.
public enum ConversionError: Error, CustomStringConvertible, Equatable {
    case usage(String)
    case failed(String)

    public var description: String {
        switch self {
        case .usage(let m), .failed(let m): m
        }
    }
}

/// Decodes an input once and writes every requested prompt format from it.
///
/// The plan (``Planner``): decoder -> ChannelMixer -> NonFiniteGuard -> (per output rate)
/// PolyphaseResampler -> OverCounter -> writers, run by ``PlanExecutor``. Memory is a few
/// blocks, whatever the input's length.
public enum Converter {
    public static func convert(input: String, outputs: [OutputTarget], options: ConversionOptions = ConversionOptions()) throws -> ConversionReport {
        let (report, files) = try prepare(input: input, outputs: outputs, options: options)
        // All outputs appear together, or none changes.
        do { try OutputSet(files).commit() } catch { files.forEach { $0.abort() }; throw error }
        return report
    }

    /// Converts into temporary files beside the outputs and leaves them uncommitted, for a
    /// caller that commits them with other changes (install). On error nothing is left.
    public static func prepare(input: String, outputs: [OutputTarget], options: ConversionOptions = ConversionOptions()) throws -> (ConversionReport, [OutputFile]) {
        guard !outputs.isEmpty else { throw ConversionError.usage("no output given") }
        var seen = Set<String>()
        for o in outputs {
            guard seen.insert(o.path).inserted else {
                throw ConversionError.usage(o.path == "-" ? "standard output (-o -) is named twice; it can take one format" : "\(o.path): named twice as an output")
            }
        }
        let narrowbandOnly = outputs.allSatisfy { $0.format.sampleRate == 8000 }
        var request = DecodeRequest(raw: options.raw)
        if options.decoderFastPath && narrowbandOnly && options.channel == nil {
            request.monoWanted = options.fastPathOverride?.monoWanted ?? true
            request.lowestUsefulRate = options.fastPathOverride.map { $0.lowestUsefulRate }
                ?? PolyphaseResampler.lowestUsefulInputRate(outputRate: 8000)
        }
        if options.decodeAhead { request.threads = options.mp3DecoderThreads }
        let source = try AudioDecoder.open(input, request: request)
        if let c = options.channel, c < 1 || c > source.channels {
            throw ConversionError.usage("\(input): --channel \(c) does not exist; the input has \(source.channels) channel\(source.channels == 1 ? "" : "s")")
        }

        // Open every writer before decoding, so "already exists" fails before any work.
        var writers: [PromptWriter] = []
        do {
            for o in outputs { writers.append(try makePromptWriter(format: o.format, path: o.path, overwrite: options.overwrite, mode: options.mode)) }
            if options.padWAVForAsterisk {
                for case let w as PCM16Writer in writers where w.wavHeader { w.trailingSilence = PCM16Writer.headerSize / 2 }
            }
        } catch {
            writers.forEach { $0.abort() }
            throw error
        }

        do {
            let report = try run(source: source, input: input, writers: writers, options: options)
            for w in writers { try w.finishEncoding() }
            return (report, writers.map(\.output))
        } catch {
            writers.forEach { $0.abort() }
            throw error
        }
    }

    private static func run(source: AudioSource, input: String, writers: [PromptWriter], options: ConversionOptions) throws -> ConversionReport {
        let loudness = options.measureLoudness ? LoudnessMeter(channels: 1) : nil
        let limit = options.limiterCeiling.map { TruePeakLimiter.Settings(ceiling: $0) }
        let normalizer = options.normalize.map { LoudnessNormalizer(target: $0, limiter: limit, ceiling: ConversionOptions.defaultLimit) }
        // A normalizer runs the limiter itself (its last trial pass makes the output).
        let limiter = normalizer == nil ? limit.map { TruePeakLimiter($0) } : nil
        let trimmer = options.trim.map { SilenceTrimmer(pad: $0) }
        // The high-pass first, so what follows never sees rumble; then the cut; then take the
        // noise out; then the stages that measure the whole prompt (the normalizer first, so
        // its replay is the input its trials saw, sample for sample); then a limiter after a
        // fixed gain; fades and the lead-in last, on what will be heard.
        var atOutputRate: [AudioStage] = options.highpass.map { [HighPassFilter(corner: $0)] } ?? []
        if options.start != nil || options.duration != nil { atOutputRate.append(Excerpt(start: options.start ?? 0, duration: options.duration)) }
        if let d = options.denoise { atOutputRate.append(Denoiser(suppression: d)) }
        atOutputRate += [normalizer as AudioStage?, trimmer, limiter].compactMap { $0 }
        if let f = options.effectiveFade { atOutputRate.append(Fade(in: f, out: f)) }
        if let l = options.leadIn, l > 0 { atOutputRate.append(LeadIn(seconds: l)) }
        let plan = Planner.conversion(source: source, writers: writers, options: options, meters: loudness.map { [$0] } ?? [],
                                      atOutputRate: atOutputRate)
        let result = try PlanExecutor.run(plan, options: PlanExecutor.Options(decodeAhead: options.decodeAhead, blockFrames: options.blockFrames))
        // An input that decodes to nothing (an Ogg cut short, a WAV whose data size is 0)
        // would make empty prompts that "play" silence: an error, and no output is written.
        guard result.inputFrames > 0 else {
            throw AudioIOError(.empty, input, "decodes to no audio at all (\(source.formatDescription)); nothing was written")
        }
        if let s = options.start, result.branchFrames.allSatisfy({ $0 == 0 }) {
            throw ConversionError.usage("\(input): --start \(formatted("%g", s)) s is past the end (it lasts \(formatted("%.2f", Double(result.inputFrames) / Double(source.sampleRate))) s); nothing was written")
        }
        if options.strict, let t = source.warnings.first(where: \.meansIncompleteInput) {
            throw AudioIOError(.truncated, input, t.message)
        }
        var warnings = source.warnings.map(ConversionWarning.decode)
        var overs = 0, peak: Float = 0, nonFinite = 0
        var limiting: TruePeakLimiter.Activity?
        var trim: Trim?
        for report in plan.reports {
            switch report {
            case let .overs(count, p): overs = max(overs, count); peak = max(peak, p)
            case let .nonFinite(replaced): nonFinite += replaced
            case .levels: break
            case .limited(let a): if a.limitedFrames > 0 { limiting = a }
            case .trimmed(let t): trim = t
            }
        }
        if overs > 0 { warnings.append(.clipped(samples: overs, peak: peak)) }
        if nonFinite > 0 { warnings.append(.nonFinite(samples: nonFinite)) }
        // A headerless G.711 input read by its name: does the content fit the law it names?
        if source.stream.container == .raw, options.raw == nil, input != "-",
           let format = PromptFormat.forExtension(AudioDecoder.fileExtension(input)),
           case let .wrongLaw(stated, seen)? = try? format.spec.problem(at: input) {
            warnings.append(.lawMismatch(stated: stated, seen: seen))
        }
        let outputs = writers.map { w in
            ConversionReport.Output(path: w.path, format: w.format,
                                    frames: plan.branches.firstIndex { $0.rate == w.format.sampleRate }.map { result.branchFrames[$0] } ?? 0,
                                    bytes: w.bytesWritten)
        }
        var report = ConversionReport(input: input, inputFormat: source.formatDescription, inputRate: source.sampleRate,
                                      inputChannels: source.channels, inputFrames: result.inputFrames, outputs: outputs,
                                      warnings: warnings, overs: overs, nonFinite: nonFinite)
        report.loudnessLUFS = loudness?.integratedLoudness
        report.normalization = normalizer?.result
        report.limiting = limiting
        report.trim = trim
        if let t = trim, t.sound.start == nil { report.warnings.append(.nothingToTrim) }
        if let n = normalizer?.result {
            if n.measured == nil { report.warnings.append(.notMeasurable(target: "\(formatted("%.1f", n.target)) \(n.unit)")) }
            if n.cappedBy > 0.05 { report.warnings.append(.normalizationCapped(n)) }
        }
        return report
    }
}

/// "+1.23" style decibels of an amplitude ratio.
func formatDB(_ ratio: Double) -> String {
    ratio > 0 ? formatted("%+.2f", 20 * log10(ratio)) : "-inf"
}
