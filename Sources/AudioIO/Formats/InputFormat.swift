/// One kind of input promptc reads: how to recognise it from its first bytes, how to
/// open it, and its names. Entries live next to their decoders and are listed in
/// ``FormatRegistry/inputs``.
public struct InputFormat: Sendable, Equatable {
    /// How strongly a probe's answer holds; the strongest wins, ties go by registry order.
    public enum Evidence: Int, Sendable, Comparable {
        /// A pattern found by scanning (MPEG frame sync): weaker than a file's name.
        case sniffed = 1
        /// The file extension of a headerless format (Asterisk's `.alaw` and friends).
        case fileExtension = 2
        /// A magic number at a fixed place.
        case magic = 3
        public static func < (a: Evidence, b: Evidence) -> Bool { a.rawValue < b.rawValue }
    }

    /// A probe's answer, with what it learned for the opener.
    public struct Match: Sendable, Equatable {
        public var evidence: Evidence
        /// Frames the header promises (WAV data chunk), for truncation warnings.
        public var promisedFrames: Int?
        /// The parameters of a headerless format.
        public var raw: RawFormat?
        public init(_ evidence: Evidence, promisedFrames: Int? = nil, raw: RawFormat? = nil) {
            self.evidence = evidence
            self.promisedFrames = promisedFrames
            self.raw = raw
        }
    }

    /// For people: "MPEG audio".
    public let name: String
    /// Extensions files of this kind usually have (lower case).
    public let extensions: [String]
    /// The opener must seek anywhere in the file (an MP4 whose index is at the end): an
    /// input from a pipe is spooled to a temporary file first (``ByteSource/spooled()``).
    public var needsSeeking = false
    /// Recognises the format from the first bytes (up to 64 KiB) and the file extension.
    let probe: @Sendable (_ head: [UInt8], _ fileExtension: String) -> Match?
    /// Opens the stream once probed.
    let open: @Sendable (ByteSource, DecodeRequest, Match) throws -> AudioSource

    public init(name: String, extensions: [String], needsSeeking: Bool = false,
                probe: @escaping @Sendable (_ head: [UInt8], _ fileExtension: String) -> Match?,
                open: @escaping @Sendable (ByteSource, DecodeRequest, Match) throws -> AudioSource) {
        self.name = name
        self.extensions = extensions
        self.needsSeeking = needsSeeking
        self.probe = probe
        self.open = open
    }

    /// Opens a probed stream, spooling a pipe first when the format needs seeking.
    public func open(_ bytes: ByteSource, request: DecodeRequest, match: Match) throws -> AudioSource {
        try open(needsSeeking && !bytes.isSeekable ? bytes.spooled() : bytes, request, match)
    }

    public static func == (a: InputFormat, b: InputFormat) -> Bool { a.name == b.name }
}
