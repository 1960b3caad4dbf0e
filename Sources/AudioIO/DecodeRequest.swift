/// What the pipeline needs from a decoder, so that any decoder that can decode more
/// cheaply (MP3's reduced-rate synthesis and mono mix today) reads the same request.
public struct DecodeRequest: Sendable, Equatable {
    /// Read the input as headerless samples with these parameters (no probing).
    public var raw: RawFormat?
    /// The lowest sample rate the pipeline can use without losing anything it keeps:
    /// a decoder may deliver any rate at or above it. Nil asks for the stream's own rate.
    public var lowestUsefulRate: Int?
    /// The pipeline mixes to mono anyway, so a decoder may mix before synthesis.
    public var monoWanted: Bool
    /// Threads a decoder may use (MP3 decodes long seekable files in segments).
    public var threads: Int
    /// For tests: MPEG frames per segment when decoding in segments (see ``MP3DecodeHints``).
    public var segmentFrames: Int?

    public init(raw: RawFormat? = nil, lowestUsefulRate: Int? = nil, monoWanted: Bool = false, threads: Int = 1, segmentFrames: Int? = nil) {
        self.raw = raw
        self.lowestUsefulRate = lowestUsefulRate
        self.monoWanted = monoWanted
        self.threads = threads
        self.segmentFrames = segmentFrames
    }
}
