import AudioIO
import DSP
import G711
#if canImport(Glibc)
import Glibc
#endif

/// What a file holds, measured by decoding it once (streaming).
public struct FileInfo: Sendable, Codable {
    public var path: String
    public var format: String
    public var sampleRate: Int
    public var channels: Int
    public var frames: Int
    public var seconds: Double
    /// Peak and RMS level in dBFS (all channels); -inf is reported as -999.
    public var peakDBFS: Double
    public var rmsDBFS: Double
    /// ITU-R BS.1770-4 integrated loudness, LUFS; nil for silence or less than 0.4 s.
    public var loudnessLUFS: Double?
    /// EBU loudness range, LU, and true peak, dBTP (libebur128); nil when not measurable.
    public var loudnessRangeLU: Double?
    public var truePeakDBTP: Double?
    /// Samples at or beyond the largest value the codec holds (full scale for PCM).
    public var clippedSamples: Int
    /// Silence or steady noise before the first sound and after the last, in seconds
    /// (``SpeechActivity``: 9 dB over the noise floor, so hiss is not taken for sound).
    public var leadingSilence: Double
    public var trailingSilence: Double
    /// The noise floor, dBFS RMS over 10 ms (the quietest tenth of the recording); -999 for digital silence.
    public var noiseFloorDBFS: Double
    /// ITU-T P.56 active speech level, dBov, and activity factor (0...1); nil when not measurable.
    public var activeSpeechLevelDBov: Double?
    public var activityFactor: Double?
    public var warnings: [String]
    /// For raw G.711 files: the law the content looks like, when it is not the one the
    /// extension says (wrong-law files play as loud distortion in Asterisk).
    public var lawMismatch: String?
    /// For files named like a headerless prompt: another way the content does not fit the
    /// name (a WAV header or an MP3 inside a raw file, frames that are not the codec's).
    public var problem: String?
}

/// Measures files for `promptc info`.
public enum Inspector {
    /// Decodes `path` and measures it. Memory is one block whatever the length.
    public static func inspect(_ path: String, raw: RawFormat? = nil) throws -> FileInfo {
        // Long MP3 files decode on every core (bit-identical; see MP3DecodeHints.threads).
        let source = try AudioDecoder.open(path, request: DecodeRequest(raw: raw, threads: MP3DecodeHints.everyCore))
        var lawMismatch: String?, problem: String?
        // A file named like a headerless prompt: does the content fit the name? (A WAV
        // header or an MP3 inside, the other G.711 law, frames that are not GSM.)
        if raw == nil, let format = PromptFormat.forExtension(AudioDecoder.fileExtension(path)),
           format.spec.headerless != nil || format.spec.isLossyCodec,
           let p = try format.spec.problem(at: path), p != .empty {
            if case let .wrongLaw(stated, seen) = p {
                lawMismatch = "the content looks like \(seen.text), not \(stated.text) as the extension says"
            } else {
                problem = p.message
            }
        }
        let ch = source.channels
        // Clipped: at the largest value the codec holds (A-law's is 0.984 of full scale).
        let meter = LevelMeter(channels: ch, clipLevel: source.stream.clipLevel)
        let loudness = LoudnessMeter(channels: ch)
        let activity = ActivityMeter()
        let front: [AudioStage] = [meter, loudness, ChannelMixer(channels: ch, mode: .mean), activity]
        let result = try PlanExecutor.run(ConversionPlan(source: source, front: front, branches: []),
                                          options: PlanExecutor.Options(decodeAhead: false, blockFrames: 4096))
        let frames = result.inputFrames
        let m = meter.levels
        let peak = m.peak, sumSquares = m.sumOfSquares, clipped = m.clipped
        let span = activity.soundSpan
        let speech = activity.activeSpeech
        let rate = Double(source.sampleRate)
        let total = Double(frames) / rate
        let rms = frames > 0 ? (sumSquares / Double(frames * ch)).squareRoot() : 0
        func dB(_ v: Double) -> Double { v > 0 ? (20 * log10(v) * 100).rounded() / 100 : -999 }
        return FileInfo(path: path, format: source.formatDescription, sampleRate: source.sampleRate, channels: ch,
                        frames: frames, seconds: total, peakDBFS: dB(Double(peak)), rmsDBFS: dB(rms),
                        loudnessLUFS: loudness.integratedLoudness.map { ($0 * 100).rounded() / 100 },
                        loudnessRangeLU: loudness.loudnessRange.map { ($0 * 100).rounded() / 100 },
                        truePeakDBTP: loudness.truePeak.map { ($0 * 100).rounded() / 100 },
                        clippedSamples: clipped,
                        leadingSilence: Double(span?.start ?? frames) / rate,
                        trailingSilence: span?.end.map { Double(frames - $0) / rate } ?? total,
                        noiseFloorDBFS: span.map { $0.noiseFloor > -119 ? ($0.noiseFloor * 10).rounded() / 10 : -999 } ?? -999,
                        activeSpeechLevelDBov: speech.map { ($0.level * 100).rounded() / 100 },
                        activityFactor: speech.map { ($0.activity * 1000).rounded() / 1000 },
                        warnings: source.warnings.map(\.message), lawMismatch: lawMismatch, problem: problem)
    }
}

extension Inspector {
    /// Writes the `info --report` page for files already inspected.
    public static func writeReport(_ infos: [FileInfo], to path: String) throws {
        try HTMLReport.writeInfo(infos, to: path)
    }
}
