import G711
#if canImport(Glibc)
import Glibc
#endif

/// A prompt format promptc writes, named as Asterisk names its files (`alaw`, `sln16`,
/// ...). Each one is defined, with everything known about it, by one ``OutputFormat``
/// entry in ``FormatRegistry/outputs``; this is just its name.
public struct PromptFormat: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    /// The registered format of this name, or nil.
    public init?(rawValue: String) {
        guard FormatRegistry.outputs.contains(where: { $0.format.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// For the registry's own entries.
    init(registering name: String) { rawValue = name }

    public var description: String { rawValue }

    /// Everything known about the format.
    public var spec: OutputFormat { FormatRegistry.outputs.first { $0.format == self }! }
    /// Output sample rate.
    public var sampleRate: Int { spec.sampleRate }
    /// The file extension promptc writes for this format.
    public var fileExtension: String { spec.extensions[0] }

    /// Format for an output path's extension (lower case only, as Asterisk does).
    public static func forExtension(_ ext: String) -> PromptFormat? {
        FormatRegistry.outputs.first { $0.extensions.contains(ext) }?.format
    }

    /// Every registered format, in registry order.
    public static var all: [PromptFormat] { FormatRegistry.outputs.map(\.format) }

    /// Every extension accepted for output, for messages.
    public static var extensionList: String {
        FormatRegistry.outputs.flatMap(\.extensions).map { "." + $0 }.joined(separator: " ")
    }
}

/// Everything promptc knows about one output format: its names, its rate, how to write
/// it and how to check that a file of it holds what the name says. Install, doctor,
/// info and verify all ask this entry, so a format is defined in one place.
public struct OutputFormat: Sendable {
    public let format: PromptFormat
    /// Extensions, the one promptc writes first; the others are Asterisk's aliases.
    public let extensions: [String]
    public let sampleRate: Int
    /// One line for help texts: "G.711 A-law, 8 kHz".
    public let summary: String
    /// Whether Asterisk plays it as a prompt (the MP3 listening copy: no).
    public let isPrompt: Bool
    /// How to read a file of this format back when it has no header.
    public let headerless: RawFormat?
    /// The codec, for formats that code audio lossily in frames (GSM, G.722, G.729).
    let frameCodec: FrameCodec?
    /// Whether the format codes audio lossily beyond G.711's quantisation (GSM, G.722,
    /// G.729): comparing it with PCM measures the codec as much as the prompt.
    public var isLossyCodec: Bool { frameCodec != nil }
    /// Samples in one coded frame, for codec formats (GSM 160, G.729 80, G.722 2).
    public var frameSamples: Int? { frameCodec?.samplesPerFrame }
    /// The codec's name for people ("GSM 06.10"), for lossy codec formats.
    public var codecName: String? { frameCodec?.name }
    let makeWriter: @Sendable (OutputFile) throws -> PromptWriter
    let checkContent: @Sendable (_ path: String, _ head: [UInt8]) throws -> PromptProblem?

    init(_ format: PromptFormat, extensions: [String], sampleRate: Int, summary: String, isPrompt: Bool = true,
         headerless: RawFormat? = nil, frameCodec: FrameCodec? = nil, makeWriter: @escaping @Sendable (OutputFile) throws -> PromptWriter,
         checkContent: @escaping @Sendable (_ path: String, _ head: [UInt8]) throws -> PromptProblem?) {
        self.format = format
        self.extensions = extensions
        self.sampleRate = sampleRate
        self.summary = summary
        self.isPrompt = isPrompt
        self.headerless = headerless
        self.frameCodec = frameCodec
        self.makeWriter = makeWriter
        self.checkContent = checkContent
    }

    /// Why the file at `path` is not what this format's name says, or nil. Reads at
    /// most the first MiB (and, for WAV, the header).
    public func problem(at path: String) throws -> PromptProblem? {
        let head = try ByteSource(path: path).peekOrThrow(1 << 20)
        if head.isEmpty { return .empty }
        return try checkContent(path, head)
    }

    /// The kind of file the bytes are, when a magic number (or a chain of MPEG frames)
    /// says so; for the content checks of headerless formats.
    static func containerIn(_ head: [UInt8]) -> String? {
        for input in FormatRegistry.inputs where input.probe(head, "")?.evidence == .magic { return input.name }
        return nil
    }

    /// A writer of this format at `path` (temporary file until `finish()`).
    public func writer(path: String, overwrite: Bool, mode: mode_t? = nil) throws -> PromptWriter {
        try makeWriter(OutputFile(path: path, overwrite: overwrite, mode: mode))
    }
}

/// A way a prompt file is not what its name says. Code decides on the case; ``message``
/// is for people.
public enum PromptProblem: Sendable, Equatable {
    case empty
    /// A WAV file renamed to a headerless extension: Asterisk plays the header as noise.
    case wavHeaderInRawFile(extension: String)
    /// Another kind of file (an MP3, a FLAC...) renamed to a headerless extension:
    /// Asterisk plays it as noise.
    case otherFormatInRawFile(format: String, extension: String)
    /// Raw G.711 whose content was coded with the other law.
    case wrongLaw(stated: G711Law, seen: G711Law)
    case oddByteCount(extension: String)
    /// A WAV that Asterisk's reader does not play at this rate.
    case unplayableWAV(found: String, rate: Int, extension: String)
    /// Not a format Asterisk plays as a prompt.
    case notAPrompt(extension: String)
    /// Frames of a codec file without the codec's signature (`share` of them have it).
    case notCodecFrames(codec: String, extension: String, share: Double)

    public var message: String {
        switch self {
        case .empty: "is empty"
        case .wavHeaderInRawFile(let ext): "has a WAV header inside a raw .\(ext) file"
        case let .otherFormatInRawFile(format, ext): "holds \(format), not raw .\(ext) samples"
        case let .wrongLaw(stated, seen): "the content looks like \(seen.text), not \(stated.text)"
        case .oddByteCount: "has an odd number of bytes for 16-bit samples"
        case let .unplayableWAV(found, rate, ext): "is \(found); Asterisk plays only 16-bit mono \(rate) Hz PCM .\(ext) files"
        case .notAPrompt: "is an MP3, which Asterisk does not play as a prompt"
        case let .notCodecFrames(codec, ext, share):
            "is not .\(ext) audio: only \(Int((share * 100).rounded(.down)))% of its frames are \(codec) frames"
        }
    }
}

extension G711Law {
    /// The law's name in messages.
    public var text: String { self == .aLaw ? "A-law" : "mu-law" }
}

/// Writes mono float samples at the format's rate to an output file, atomically.
public protocol PromptWriter: AnyObject {
    var format: PromptFormat { get }
    var path: String { get }
    /// Appends samples (full scale ±1.0; beyond it they saturate).
    func write(_ samples: UnsafeBufferPointer<Float>) throws
    /// Writes what the encoding still holds (a flushed encoder, a header with the final
    /// length); the file is not in place yet.
    func finishEncoding() throws
    /// The file being written, for committing it with others (``OutputSet``).
    var output: OutputFile { get }
    /// Bytes written so far.
    var bytesWritten: Int64 { get }
}

extension PromptWriter {
    /// Finishes the encoding and renames the file into place.
    public func finish() throws {
        try finishEncoding()
        try output.commit()
    }

    /// Gives up: the target is left untouched.
    public func abort() { output.abort() }
}

/// Creates the writer for `format` at `path`.
public func makePromptWriter(format: PromptFormat, path: String, overwrite: Bool, mode: mode_t? = nil) throws -> PromptWriter {
    try format.spec.writer(path: path, overwrite: overwrite, mode: mode)
}
