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
    /// Samples at or beyond full scale.
    public var clippedSamples: Int
    /// Silence (below -60 dBFS) at the start and the end, in seconds.
    public var leadingSilence: Double
    public var trailingSilence: Double
    public var warnings: [String]
    /// For raw G.711 files: the law the content looks like, when it is not the one the
    /// extension says (wrong-law files play as loud distortion in Asterisk).
    public var lawMismatch: String?
}

/// Measures files for `promptc info`.
public enum Inspector {
    /// Decodes `path` and measures it. Memory is one block whatever the length.
    public static func inspect(_ path: String, raw: RawFormat? = nil) throws -> FileInfo {
        // Long MP3 files decode on every core (bit-identical; see MP3DecodeHints.threads).
        let source = try AudioDecoder.open(path, request: DecodeRequest(raw: raw, threads: MP3DecodeHints.everyCore))
        var lawMismatch: String?
        // A raw G.711 file read by its extension: does the content fit the law it names?
        if raw == nil, source.stream.container == .raw,
           let format = PromptFormat.forExtension(AudioDecoder.fileExtension(path)),
           case let .wrongLaw(stated, seen)? = try format.spec.problem(at: path) {
            lawMismatch = "the content looks like \(seen.text), not \(stated.text) as the extension says"
        }
        let ch = source.channels
        var done = 0   // frames before the current block
        var clipped = 0
        var peak: Float = 0, sumSquares = 0.0
        var firstLoud: Int?, lastLoud = -1
        let silence: Float = 0.001   // -60 dBFS
        let frames = try source.forEachBlock { block, n in
            for f in 0..<n {
                var loud = false
                for c in 0..<ch {
                    let x = block[f * ch + c]
                    let a = x.isFinite ? abs(x) : 1
                    if a > peak { peak = a }
                    if a >= clippingThreshold { clipped += 1 }
                    if a > silence { loud = true }
                    sumSquares += Double(a) * Double(a)
                }
                if loud {
                    if firstLoud == nil { firstLoud = done + f }
                    lastLoud = done + f
                }
            }
            done += n
        }
        let rate = Double(source.sampleRate)
        let total = Double(frames) / rate
        let rms = frames > 0 ? (sumSquares / Double(frames * ch)).squareRoot() : 0
        func dB(_ v: Double) -> Double { v > 0 ? (20 * log10(v) * 100).rounded() / 100 : -999 }
        return FileInfo(path: path, format: source.formatDescription, sampleRate: source.sampleRate, channels: ch,
                        frames: frames, seconds: total, peakDBFS: dB(Double(peak)), rmsDBFS: dB(rms),
                        clippedSamples: clipped,
                        leadingSilence: Double(firstLoud ?? frames) / rate,
                        trailingSilence: firstLoud == nil ? total : Double(frames - 1 - lastLoud) / rate,
                        warnings: source.warnings.map(\.message), lawMismatch: lawMismatch)
    }
}
