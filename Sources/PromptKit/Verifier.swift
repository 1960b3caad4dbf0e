import AudioIO
import FoundationEssentials
import DSP
import G711
#if canImport(Glibc)
import Glibc
#endif

/// Pass/fail limits for `promptc verify`. The defaults come from measurements on the
/// fixtures (README, "Choosing the thresholds").
public struct VerifyThresholds: Sendable, Codable, Equatable {
    /// Lowest SNR after alignment, dB.
    public var minSNR: Double = 20
    /// Lowest SNR when the file is a lossy codec format (GSM, G.722, G.729) and the
    /// reference was coded the same way first: two correct encodings of one recording
    /// made through different resamplers measure 11-12 dB (README, "Choosing the thresholds").
    public var minSNRForCodecs: Double = 8
    /// Largest RMS level difference, dB.
    public var maxLevelDifference: Double = 0.5
    /// Largest length difference, milliseconds.
    public var maxLengthDifference: Double = 20
    /// How far the alignment searches, milliseconds each way.
    public var maxLag: Double = 100
    /// Require byte identity instead.
    public var exact = false

    public init() {}
}

/// Everything `verify` measured for one pair of files.
public struct VerifyResult: Sendable, Codable {
    public var file: String
    public var reference: String
    /// `file[i + lag]` lines up with `reference[i]` (8 kHz samples).
    public var lagSamples: Int
    public var snrDB: Double
    public var levelDifferenceDB: Double
    public var lengthDifferenceMs: Double
    /// Largest difference in quantisation steps, when both files are raw G.711 of one law.
    public var maxStepDeviation: Int?
    /// When the file is a lossy codec format and the reference is not: the codec the
    /// reference was put through before the comparison, so both sound as callers hear them.
    public var referenceCodedAs: String?
    public var clippedInFile: Int
    public var clippedInReference: Int
    public var identical: Bool
    public var passed: Bool
    /// One sentence per failed check.
    public var failures: [String]
    /// How loud the file is, as callers hear it (8 kHz): integrated loudness (LUFS),
    /// loudness range (LU), true peak (dBTP), P.56 active speech level (dBov), and its
    /// distance from Asterisk's own prompts (``SoundsDoctor/stockLoudness``), LU.
    public var loudnessLUFS: Double?
    public var loudnessRangeLU: Double?
    public var truePeakDBTP: Double?
    public var activeSpeechLevelDBov: Double?
    public var loudnessFromStockLU: Double?
}

/// One side of a comparison: the file as callers would hear it, mono at 8 kHz.
struct PromptAudio {
    var samples: [Float]           // mono, 8 kHz
    var codes: [UInt8]?            // raw G.711 bytes when the file is one
    var law: G711Law?
    var clipped: Int
    var seconds: Double
    var bytes: [UInt8]
    var problems: [String]         // classic mistakes seen in the file itself
}

/// Compares prompts with references: `promptc verify`.
public enum Verifier {
    /// Compares `file` with `reference` (either may be any format promptc reads).
    /// - Parameter raw: how to read headerless files whose extension does not say.
    /// - Parameter report: when given, also writes a self-contained HTML page there.
    public static func verify(file: String, reference: String, thresholds: VerifyThresholds = VerifyThresholds(),
                              raw: RawFormat? = nil, report: String? = nil) throws -> VerifyResult {
        let a = try load(file, raw: raw)
        let codec = PromptFormat.forExtension(AudioDecoder.fileExtension(file)).flatMap { $0.spec.isLossyCodec ? $0 : nil }
        var b: PromptAudio
        var limits = thresholds
        if let codec, PromptFormat.forExtension(AudioDecoder.fileExtension(reference)) != codec {
            b = try codedReference(reference, as: codec, raw: raw)
            limits.minSNR = thresholds.minSNRForCodecs
        } else {
            b = try load(reference, raw: raw)
            if codec != nil { limits.minSNR = thresholds.minSNRForCodecs }
        }
        var result = compare(a, b, file: file, reference: reference, thresholds: limits)
        if let codec, PromptFormat.forExtension(AudioDecoder.fileExtension(reference)) != codec {
            result.referenceCodedAs = codec.spec.codecName
        }
        if let path = report { try HTMLReport.write(result, file: a.samples, reference: b.samples, to: path) }
        return result
    }

    /// Writes one HTML page for a folder comparison: a row per pair, then each pair with
    /// its plots and players (pairs are loaded again one at a time).
    public static func writeFolderReport(_ results: [VerifyResult], missing: [String], extra: [String], raw: RawFormat?, to path: String) throws {
        try HTMLReport.writeFolder(results, missing: missing, extra: extra, raw: raw, to: path)
    }

    /// The reference as it sounds once coded in `format` (through a temporary file that is
    /// removed afterwards, or by a signal).
    static func codedReference(_ reference: String, as format: PromptFormat, raw: RawFormat?) throws -> PromptAudio {
        let dir = (getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
        var template = Array("\(dir)/.promptc-verify-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw AudioIOError(.writeFailed, dir, "cannot make a temporary folder: \(String(cString: strerror(errno)))")
        }
        let folder = String(cString: made)
        let coded = folder + "/reference." + format.fileExtension
        let slots = [TemporaryFiles.register(folder), TemporaryFiles.register(coded)]
        defer {
            unlink(coded); rmdir(folder)
            slots.forEach(TemporaryFiles.unregister)
        }
        var o = ConversionOptions()
        o.raw = raw
        _ = try Converter.convert(input: reference, outputs: [OutputTarget(path: coded, format: format)], options: o)
        return try load(coded, raw: nil)
    }

    static func compare(_ a: PromptAudio, _ b: PromptAudio, file: String, reference: String, thresholds: VerifyThresholds) -> VerifyResult {
        let identical = a.bytes == b.bytes
        let maxLag = Int(thresholds.maxLag * 8)
        let lag = Alignment.bestLag(a.samples, b.samples, maxLag: maxLag)
        var signal = 0.0, noise = 0.0, energyA = 0.0, energyB = 0.0
        var maxStep: Int?
        let ranks = a.law.map(codeRanks)
        var i = max(0, -lag)
        while i < b.samples.count && i + lag < a.samples.count {
            let r = Double(b.samples[i]), x = Double(a.samples[i + lag])
            signal += r * r
            noise += (x - r) * (x - r)
            energyA += x * x
            energyB += r * r
            if let ca = a.codes, let cb = b.codes, let rk = ranks, a.law == b.law {
                let d = abs(rk[Int(ca[i + lag])] - rk[Int(cb[i])])
                maxStep = max(maxStep ?? 0, d)
            }
            i += 1
        }
        let snr = signal > 0 ? 10 * log10(signal / max(noise, 1e-20)) : (noise > 0 ? -.infinity : .infinity)
        let level = energyA > 0 && energyB > 0 ? 10 * log10(energyA / energyB) : (energyA == energyB ? 0 : (energyA > energyB ? .infinity : -.infinity))
        let lengthMs = (a.seconds - b.seconds) * 1000

        var failures: [String] = a.problems.map { "\(file): \($0)" } + b.problems.map { "\(reference): \($0)" }
        if thresholds.exact {
            if !identical { failures.append("the bytes differ (--exact)") }
        } else {
            if rms(b.samples) < 0.001 { failures.append("the reference is silent") }
            if rms(a.samples) < 0.001 { failures.append("the file is silent (below -60 dBFS)") }
            let ratio = a.seconds / max(b.seconds, 1e-9)
            if abs(ratio - 2) < 0.05 || abs(ratio - 0.5) < 0.025 {
                failures.append(formatted("lengths differ by a factor of %.2f: 16 kHz audio saved as 8 kHz (or the reverse)?", ratio))
            } else if abs(lengthMs) > thresholds.maxLengthDifference {
                failures.append(formatted("length differs by %+.1f ms (limit %.0f ms)", lengthMs, thresholds.maxLengthDifference))
            }
            if !(snr >= thresholds.minSNR) {
                failures.append(formatted("SNR %.1f dB is below %.1f dB", snr, thresholds.minSNR))
            }
            if !(abs(level) <= thresholds.maxLevelDifference) {
                failures.append(formatted("level differs by %+.1f dB (limit %.1f dB)", level, thresholds.maxLevelDifference))
            }
            if abs(lag) == maxLag {
                failures.append("no alignment found within ±\(Int(thresholds.maxLag)) ms")
            }
        }
        var result = VerifyResult(file: file, reference: reference, lagSamples: lag, snrDB: snr, levelDifferenceDB: level,
                                  lengthDifferenceMs: lengthMs, maxStepDeviation: maxStep, clippedInFile: a.clipped,
                                  clippedInReference: b.clipped, identical: identical, passed: failures.isEmpty, failures: failures)
        let meter = LoudnessMeter(channels: 1), activity = ActivityMeter()
        let format = StageFormat(rate: 8000, channels: 1)
        if (try? meter.start(format)) != nil, (try? activity.start(format)) != nil {
            var sink: [Float] = []
            a.samples.withUnsafeBufferPointer { meter.process($0, into: &sink); sink.removeAll(); activity.process($0, into: &sink) }
            func round2(_ v: Double?) -> Double? { v.map { ($0 * 100).rounded() / 100 } }
            result.loudnessLUFS = round2(meter.integratedLoudness)
            result.loudnessRangeLU = round2(meter.loudnessRange)
            result.truePeakDBTP = round2(meter.truePeak)
            result.activeSpeechLevelDBov = round2(activity.activeSpeech?.level)
            result.loudnessFromStockLU = round2(meter.integratedLoudness.map { $0 - SoundsDoctor.stockLoudness })
        }
        return result
    }

    // MARK: Loading

    static func load(_ path: String, raw: RawFormat?) throws -> PromptAudio {
        let ext = AudioDecoder.fileExtension(path)
        let bytes = try ByteSource(path: path).readAll()
        var problems: [String] = []
        // --format/--law read only files whose name does not say what they are and whose
        // content is no container promptc recognises: a .ulaw stays mu-law, a WAV a WAV.
        let named = RawFormat.asterisk(extension: ext)
        let recognised: Bool
        switch AudioDecoder.detect(Array(bytes.prefix(65536)), fileExtension: ext) {
        case let .format(_, match): recognised = match.evidence != .fileExtension   // by content, not by a generic name (.raw)
        case .text, .unknown: recognised = false
        }
        let rawFormat = named ?? (recognised ? nil : raw)
        // The content check of the format the file claims to be (by its name, or by
        // --format/--law), shared with install, doctor and info.
        var headerInside = false
        if let stated = rawFormat, let spec = FormatRegistry.outputs.first(where: { $0.headerless == stated }) {
            switch try spec.problem(at: path) {
            case .wavHeaderInRawFile?:
                headerInside = named != nil
                if headerInside {
                    problems.append("a WAV header inside a raw .\(ext) file: Asterisk plays the header as noise; convert with promptc instead of renaming")
                }
            case let .wrongLaw(stated, seen)?:
                problems.append("the content looks like \(seen.text) but the file says \(stated.text): callers hear loud distortion")
            default:
                break
            }
        } else if rawFormat == nil, let spec = PromptFormat.forExtension(ext)?.spec, spec.isLossyCodec, let problem = try spec.problem(at: path) {
            problems.append(problem.message)
        }
        let source = try AudioDecoder.open(path, request: DecodeRequest(raw: headerInside ? nil : rawFormat))
        var law: G711Law?
        var codes: [UInt8]?
        if !headerInside, let r = rawFormat, r.encoding == .alaw || r.encoding == .ulaw {
            law = r.encoding == .alaw ? .aLaw : .muLaw
            codes = bytes
        }
        // The prompt as callers hear it: mono at 8 kHz, through the same plan as a conversion.
        let meter = LevelMeter(channels: source.channels, clipLevel: source.stream.clipLevel)
        let collector = CollectorSink()
        let plan = ConversionPlan(source: source, front: Planner.front(channels: source.channels, pick: nil, measuring: [meter]),
                                  branches: Planner.branches(inputRate: source.sampleRate, delay: source.stream.delay,
                                                             quality: .telephone, sinks: [(8000, collector)]))
        let result = try PlanExecutor.run(plan, options: PlanExecutor.Options(decodeAhead: false, blockFrames: 4096))
        return PromptAudio(samples: collector.samples, codes: codes, law: law, clipped: meter.levels.clipped,
                           seconds: Double(result.inputFrames) / Double(source.sampleRate), bytes: bytes, problems: problems)
    }

    /// Rank of each code among the law's 256 levels, so rank differences count steps.
    static func codeRanks(_ law: G711Law) -> [Int] {
        let order = (0...255).sorted { law.decode(UInt8($0)) < law.decode(UInt8($1)) }
        var rank = [Int](repeating: 0, count: 256)
        for (r, c) in order.enumerated() { rank[c] = r }
        return rank
    }

    static func rms(_ x: [Float]) -> Double {
        guard !x.isEmpty else { return 0 }
        return (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
    }
}
