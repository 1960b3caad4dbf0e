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
    /// Recognises the format from the first bytes (up to 64 KiB) and the file extension.
    let probe: @Sendable (_ head: [UInt8], _ fileExtension: String) -> Match?
    /// Opens the stream once probed.
    let open: @Sendable (ByteSource, DecodeRequest, Match) throws -> AudioSource

    public static func == (a: InputFormat, b: InputFormat) -> Bool { a.name == b.name }
}
