/// What a decoded stream is, as data. Every decision about an input (is this WAV one
/// Asterisk plays? is decoding costly? is there a delay to undo?) reads these fields;
/// the text people see (``text``) is derived from them and never parsed.
public struct StreamDescription: Sendable, Equatable, Codable {
    /// The file's wrapping.
    public enum Container: String, Sendable, Codable {
        case wav, wavExtensible, rf64, w64, aiff, au, caf, flac, ogg, mpeg, raw, ircam, nist, voc, paf, svx, other
        case m4a, mp4, threeGP, quickTime, adts, amr, webm, matroska
    }
    /// How the samples are coded.
    public enum Codec: String, Sendable, Codable {
        case pcm, float, alaw, ulaw, mpegLayer1, mpegLayer2, mpegLayer3, flac, vorbis, opus, gsm610, g722, g729, imaADPCM, msADPCM, other
        case aacLC, heAAC, heAACv2, aac, amrNB

        /// Whether decoding costs real CPU, as opposed to unpacking samples.
        public var isCompressed: Bool { ![.pcm, .float, .alaw, .ulaw].contains(self) }
    }

    public var container: Container
    public var codec: Codec
    /// Bits per sample for PCM and float codecs.
    public var bitsPerSample: Int?
    /// Frames per second of the decoded samples.
    public var sampleRate: Int
    /// Interleaved channels of the decoded samples.
    public var channels: Int
    /// Total frames when the container says so (nil for pipes and unknown lengths).
    public var frames: Int?
    /// The stream's own rate and channel count when the decoder delivers fewer (a
    /// reduced-rate or mono-mixed decode asked for by the ``DecodeRequest``).
    public var codedRate: Int
    public var codedChannels: Int
    /// A delay of the decoded samples against the stream, in decoded frames, which the
    /// pipeline undoes. Zero for almost everything.
    public var delay: FrameDelay
    /// Frames at the start and at the end of the coded stream that are not audio (an
    /// encoder's priming and padding) and that the decoder already drops, when the stream
    /// says (an MP3's Info tag); nil when unknown or none.
    public var priming: Int?
    public var padding: Int?
    /// Facts for people that decide nothing: "VBR", "128 kbps", "MPEG-2", byte order.
    public var details: [String]

    public init(container: Container, codec: Codec, bitsPerSample: Int? = nil, sampleRate: Int, channels: Int,
                frames: Int? = nil, codedRate: Int? = nil, codedChannels: Int? = nil,
                delay: FrameDelay = .zero, priming: Int? = nil, padding: Int? = nil, details: [String] = []) {
        self.container = container
        self.codec = codec
        self.bitsPerSample = bitsPerSample
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
        self.codedRate = codedRate ?? sampleRate
        self.codedChannels = codedChannels ?? channels
        self.delay = delay
        self.priming = priming
        self.padding = padding
        self.details = details
    }

    /// The magnitude at which a decoded sample counts as clipped: the largest value the
    /// codec holds (A-law 32256 and mu-law 32124 of 32768, below PCM's full scale).
    public var clipLevel: Float {
        switch codec {
        case .alaw: 32256 / 32768 - 1e-6
        case .ulaw: 32124 / 32768 - 1e-6
        default: clippingThreshold
        }
    }

    /// True for the one WAV Asterisk plays at `rate`: 16-bit PCM, mono, a plain header.
    public func isAsteriskWAV(rate: Int) -> Bool {
        container == .wav && codec == .pcm && bitsPerSample == 16 && channels == 1 && sampleRate == rate
    }

    /// "WAV (16-bit PCM, 8000 Hz, mono)", "MP3 (MPEG-1 Layer III, VBR, 44100 Hz, stereo)".
    public var text: String {
        let channelText = codedChannels == 1 ? "mono" : codedChannels == 2 ? "stereo" : "\(codedChannels) ch"
        switch container {
        case .mpeg:
            return "MP3 (\((details + ["\(codedRate) Hz", channelText]).joined(separator: ", ")))"
        case .raw:
            return "raw \(codecText) (\(codedRate) Hz, \(channelText))"
        default:
            return "\(containerText) (\(codecText), \(codedRate) Hz, \(channelText))"
        }
    }

    var containerText: String {
        switch container {
        case .wav: "WAV"
        case .wavExtensible: "WAV with an extensible header"
        case .rf64: "RF64"
        case .w64: "W64"
        case .aiff: "AIFF"
        case .au: "AU"
        case .caf: "CAF"
        case .flac: "FLAC"
        case .ogg: "Ogg"
        case .mpeg: "MP3"
        case .raw: "raw"
        case .ircam: "IRCAM"
        case .nist: "NIST"
        case .voc: "VOC"
        case .paf: "PAF"
        case .svx: "8SVX"
        case .other: "libsndfile"
        case .m4a: "M4A"
        case .mp4: "MP4"
        case .threeGP: "3GP"
        case .quickTime: "QuickTime"
        case .adts: "ADTS"
        case .amr: "AMR"
        case .webm: "WebM"
        case .matroska: "Matroska"
        }
    }

    var codecText: String {
        switch codec {
        case .pcm:
            let order = details.first { $0.hasSuffix("-endian") }.map { " " + $0 } ?? ""
            return "\(bitsPerSample ?? 16)-bit\(order) PCM"
        case .float: return "\(bitsPerSample ?? 32)-bit float"
        case .alaw: return "A-law"
        case .ulaw: return "mu-law"
        case .mpegLayer1: return "MPEG Layer I"
        case .mpegLayer2: return "MPEG Layer II"
        case .mpegLayer3: return "MPEG Layer III"
        case .flac: return "FLAC"
        case .vorbis: return "Vorbis"
        case .opus: return "Opus"
        case .gsm610: return "GSM 6.10"
        case .g722: return "G.722"
        case .g729: return "G.729"
        case .imaADPCM: return "IMA ADPCM"
        case .msADPCM: return "MS ADPCM"
        case .other: return "other encoding"
        case .aacLC: return "AAC-LC"
        case .heAAC: return "HE-AAC"
        case .heAACv2: return "HE-AAC v2"
        case .aac: return "AAC"
        case .amrNB: return "AMR-NB"
        }
    }
}

/// A delay as a rational number of frames (numerator / denominator).
public struct FrameDelay: Sendable, Equatable, Codable {
    public var numerator: Int
    public var denominator: Int
    public init(_ numerator: Int, _ denominator: Int) {
        precondition(denominator > 0)
        self.numerator = numerator
        self.denominator = denominator
    }
    public static let zero = FrameDelay(0, 1)
}

/// Something worth telling about a decode that is not an error. Code decides on the case;
/// ``message`` is for people.
public enum DecodeWarning: Sendable, Equatable, Codable {
    /// The header promised more frames than could be decoded (a cut-off file).
    case truncated(promisedFrames: Int, decodedFrames: Int, sampleRate: Int)
    /// The decoder gave up part-way, after some audio.
    case stoppedEarly(reason: String)
    /// A short run of frames in another format (damage) was skipped; `seconds` is nil
    /// when the run lasted to the end.
    case damagedFrames(atFrame: Int, sampleRate: Int, seconds: Double?, claimedRate: Int, claimedChannels: Int)
    /// Bytes at the end of a headerless file that do not make a whole frame.
    case trailingBytes(Int)
    /// Coded frames that are not valid frames of the codec (decoded as silence).
    case invalidFrames(count: Int, atFrame: Int, sampleRate: Int, codec: String)

    /// True for the warnings `--strict` turns into errors: the input is not all there.
    public var meansIncompleteInput: Bool {
        switch self {
        case .truncated, .stoppedEarly: true
        case .damagedFrames, .trailingBytes, .invalidFrames: false
        }
    }

    public var message: String {
        switch self {
        case let .truncated(promised, decoded, rate):
            "truncated: the header promises \(seconds(promised, rate)) but only \(seconds(decoded, rate)) decode"
        case let .stoppedEarly(reason):
            "decoding stopped early: \(reason)"
        case let .damagedFrames(at, rate, skipped?, claimedRate, claimedChannels):
            "damaged data at \(AudioIO.seconds(at, rate)): skipped \(formatted("%.3f", skipped)) s of frames claiming \(claimedRate) Hz \(claimedChannels) ch"
        case let .damagedFrames(at, rate, nil, claimedRate, claimedChannels):
            "damaged data at \(AudioIO.seconds(at, rate)): frames claiming \(claimedRate) Hz \(claimedChannels) ch up to the end"
        case let .trailingBytes(n):
            "\(n) trailing bytes do not make a whole frame and are ignored"
        case let .invalidFrames(count, at, rate, codec):
            "\(count) frame\(count == 1 ? " is" : "s are") not valid \(codec) (the first at \(AudioIO.seconds(at, rate))) and play\(count == 1 ? "s" : "") as silence"
        }
    }
}
