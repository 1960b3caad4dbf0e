/// A decoded audio stream: the one interface every decoder offers, in the spirit of
/// libsndfile's "read N frames of float". Nothing format-specific lives above it.
public protocol AudioSource: AnyObject {
    /// What the stream is: codec, container, rate, channels, length, delay.
    var stream: StreamDescription { get }
    /// Reads up to `frames` frames of interleaved float (full scale ±1.0) into `buffer`,
    /// which must hold `frames * channels` values. Returns the frames read; 0 means the end.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int
    /// Things worth telling the user that are not errors (a truncated file, damage).
    var warnings: [DecodeWarning] { get }
    /// The duration of `decodedFrames` decoded frames as a frame count at a rate: the
    /// stream's own rate and exact length when the decoder delivered a reduced rate and
    /// knows it, else the decoded frames at ``sampleRate``. Every output length of one
    /// input is computed from this, so it does not depend on which shortcut decoded it.
    func duration(decodedFrames: Int) -> (frames: Int, rate: Int)
}

extension AudioSource {
    public func duration(decodedFrames: Int) -> (frames: Int, rate: Int) { (decodedFrames, sampleRate) }

    /// Frames per second of the decoded samples.
    public var sampleRate: Int { stream.sampleRate }
    /// Interleaved channels per frame.
    public var channels: Int { stream.channels }
    /// Total frames when the container says so (nil for pipes and unknown lengths).
    public var frameCount: Int? { stream.frames }
    /// What the input is, for people: e.g. "MP3 (MPEG-1 Layer III, VBR, 44100 Hz, stereo)".
    public var formatDescription: String { stream.text }

    /// Reads the whole source in blocks of `frames` frames, handing each block
    /// (interleaved, `count` frames) to `body`; returns the total number of frames.
    @discardableResult
    public func forEachBlock(frames: Int = 4096, _ body: (UnsafeBufferPointer<Float>, _ count: Int) throws -> Void) throws -> Int {
        var buffer = [Float](repeating: 0, count: frames * channels)
        var total = 0
        while true {
            let n = try buffer.withUnsafeMutableBufferPointer { try read(into: $0.baseAddress!, frames: frames) }
            if n == 0 { return total }
            total += n
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<(n * channels)]), n) }
        }
    }
}

/// A sample at or beyond this magnitude is clipped: 32767/32768, full scale in 16 bits.
public let clippingThreshold: Float = 0.99997

/// Everything that can go wrong opening or decoding an input. Every message names
/// the file and the reason in one line.
public struct AudioIOError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case notFound, isDirectory, unreadable, empty, notAudio, corrupt, truncated, unsupported, formatChange, writeFailed, exists
    }
    public let kind: Kind
    public let path: String
    public let reason: String

    public init(_ kind: Kind, _ path: String, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// "-" is standard output for errors about writing, standard input otherwise.
    public var description: String {
        guard path == "-" else { return "\(path): \(reason)" }
        return "\(kind == .writeFailed || kind == .exists ? "standard output" : "standard input"): \(reason)"
    }
}

/// Limits that keep hostile or broken headers from asking for absurd work.
public enum AudioLimits {
    /// Sample rates promptc accepts (the resampler's design range).
    public static let sampleRates = 1000...768_000
    /// Channel counts promptc accepts.
    public static let channels = 1...64

    static func check(rate: Int, channels: Int, path: String) throws {
        guard sampleRates.contains(rate) else {
            throw AudioIOError(.unsupported, path, "sample rate \(rate) Hz is outside 1000...768000 Hz")
        }
        guard Self.channels.contains(channels) else {
            throw AudioIOError(.unsupported, path, "\(channels) channels is outside 1...64")
        }
    }
}

/// "12.34 s" for a frame count at a rate; used in messages.
func seconds(_ frames: Int, _ rate: Int) -> String {
    let hundredths = (frames * 100 + rate / 2) / max(rate, 1)
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac) s"
}
