import G711
#if canImport(Glibc)
import Glibc
#endif

/// One of Asterisk's headerless codec formats (GSM, G.722, G.729): fixed frames of
/// 16-bit samples coded into fixed frames of bytes. Each format file gives one of these;
/// the writer, the reader and the content check below are shared.
public struct FrameCodec: Sendable {
    /// For people: "GSM 06.10 full rate".
    public let name: String
    public let codec: StreamDescription.Codec
    public let sampleRate: Int
    /// Samples in one coded frame.
    public let samplesPerFrame: Int
    /// Bytes in one coded frame.
    public let bytesPerFrame: Int
    let makeEncoder: @Sendable () throws -> FrameEncoder
    let makeDecoder: @Sendable () throws -> FrameDecoder
    /// Whether the frame at the pointer carries the codec's signature (GSM's 0xD nibble);
    /// nil for codecs whose frames have none.
    let hasSignature: (@Sendable (UnsafePointer<UInt8>) -> Bool)?

    /// The share of whole frames at the start of `head` that carry the signature, or nil
    /// when the codec has none or fewer than `minimumFrames` frames are there.
    func signatureShare(_ head: [UInt8], minimumFrames: Int = 8) -> Double? {
        guard let hasSignature else { return nil }
        let frames = head.count / bytesPerFrame
        guard frames >= minimumFrames else { return nil }
        let good = head.withUnsafeBufferPointer { b in
            (0..<frames).filter { hasSignature(b.baseAddress! + $0 * bytesPerFrame) }.count
        }
        return Double(good) / Double(frames)
    }
}

/// Codes whole frames. Implementations wrap one C encoder state each.
protocol FrameEncoder: AnyObject {
    /// Codes `frames` frames of samples into `frames` frames of bytes.
    func encode(_ samples: UnsafePointer<Int16>, frames: Int, into bytes: UnsafeMutablePointer<UInt8>)
}

/// Decodes whole frames. Implementations wrap one C decoder state each.
protocol FrameDecoder: AnyObject {
    /// Decodes `frames` frames; returns the indices of frames that are not valid (their
    /// samples are left for the caller to silence).
    func decode(_ bytes: UnsafePointer<UInt8>, frames: Int, into samples: UnsafeMutablePointer<Int16>) -> [Int]
}

/// Writes a codec format: samples are gathered into frames; the last frame is padded
/// with silence, so a prompt lasts a whole number of frames (GSM: 20 ms, G.729: 10 ms).
final class FrameCodecWriter: PromptWriter {
    let format: PromptFormat
    let file: OutputFile
    private let codec: FrameCodec
    private let encoder: FrameEncoder
    private var pending: [Int16] = []
    private var coded: [UInt8] = []
    var path: String { file.path }
    var bytesWritten: Int64 { file.bytesWritten }
    var output: OutputFile { file }

    init(file: OutputFile, format: PromptFormat, codec: FrameCodec) throws {
        self.file = file
        self.format = format
        self.codec = codec
        encoder = try codec.makeEncoder()
    }

    func write(_ samples: UnsafeBufferPointer<Float>) throws {
        let start = pending.count
        pending.append(contentsOf: repeatElement(0, count: samples.count))
        pending.withUnsafeMutableBufferPointer { p in
            LinearPCM.encode(samples, into: UnsafeMutableBufferPointer(rebasing: p[start...]))
        }
        try flush()
    }

    func finishEncoding() throws {
        let partial = pending.count % codec.samplesPerFrame
        if partial != 0 { pending.append(contentsOf: repeatElement(0, count: codec.samplesPerFrame - partial)) }
        try flush()
    }

    /// Codes every whole frame gathered so far.
    private func flush() throws {
        let frames = pending.count / codec.samplesPerFrame
        guard frames > 0 else { return }
        let bytes = frames * codec.bytesPerFrame
        if coded.count < bytes { coded = [UInt8](repeating: 0, count: bytes) }
        pending.withUnsafeBufferPointer { s in
            coded.withUnsafeMutableBufferPointer { c in encoder.encode(s.baseAddress!, frames: frames, into: c.baseAddress!) }
        }
        try coded.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<bytes])) }
        pending.removeFirst(frames * codec.samplesPerFrame)
    }
}

/// Reads a codec format back to float. Bytes that do not make a whole frame at the end
/// and frames that are not valid (decoded as silence) are warnings, never errors.
final class FrameCodecSource: AudioSource {
    let stream: StreamDescription
    private(set) var warnings: [DecodeWarning] = []
    private let bytes: ByteSource
    private let codec: FrameCodec
    private let decoder: FrameDecoder
    private var input: [UInt8] = []
    private var carry = 0             // bytes of a partial frame kept at the start of `input`
    private var samples: [Int16] = []
    private var framesRead = 0
    private var invalid = 0, firstInvalid = 0
    private var ended = false

    init(bytes: ByteSource, codec: FrameCodec) throws {
        self.bytes = bytes
        self.codec = codec
        decoder = try codec.makeDecoder()
        stream = StreamDescription(container: .raw, codec: codec.codec, sampleRate: codec.sampleRate, channels: 1,
                                   frames: bytes.size.map { Int($0) / codec.bytesPerFrame * codec.samplesPerFrame })
    }

    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        let codedFrames = max(1, frames / codec.samplesPerFrame)
        let want = codedFrames * codec.bytesPerFrame
        if input.count < want { input += [UInt8](repeating: 0, count: want - input.count) }
        var got = carry
        while got < want && !ended {
            let n = input.withUnsafeMutableBytes { bytes.read($0.baseAddress! + got, want - got) }
            if n <= 0 { ended = true } else { got += n }
        }
        try bytes.throwIfReadFailed()
        let whole = got / codec.bytesPerFrame
        if samples.count < whole * codec.samplesPerFrame { samples = [Int16](repeating: 0, count: whole * codec.samplesPerFrame) }
        if whole > 0 {
            input.withUnsafeBufferPointer { inBytes in
                samples.withUnsafeMutableBufferPointer { out in
                    for f in decoder.decode(inBytes.baseAddress!, frames: whole, into: out.baseAddress!) {
                        if invalid == 0 { firstInvalid = (framesRead + f) * codec.samplesPerFrame }
                        invalid += 1
                        (out.baseAddress! + f * codec.samplesPerFrame).update(repeating: 0, count: codec.samplesPerFrame)
                    }
                }
            }
        }
        let used = whole * codec.bytesPerFrame
        carry = got - used
        if carry > 0 { input.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: $0.baseAddress! + used, count: carry) } }
        framesRead += whole
        let n = whole * codec.samplesPerFrame
        for i in 0..<n { buffer[i] = Float(samples[i]) * (1 / 32768) }
        if n == 0 && ended { finishWarnings() }
        return n
    }

    private var warned = false
    private func finishWarnings() {
        guard !warned else { return }
        warned = true
        if invalid > 0 { warnings.append(.invalidFrames(count: invalid, atFrame: firstInvalid, sampleRate: codec.sampleRate, codec: codec.name)) }
        if carry > 0 { warnings.append(.trailingBytes(carry)) }
    }
}

extension OutputFormat {
    /// The registry entry of a codec format.
    static func codec(_ format: PromptFormat, _ codec: FrameCodec, extensions: [String], summary: String) -> OutputFormat {
        OutputFormat(format, extensions: extensions, sampleRate: codec.sampleRate, summary: summary, frameCodec: codec,
                     makeWriter: { try FrameCodecWriter(file: $0, format: format, codec: codec) },
                     checkContent: { _, head in
                         if WAVHeaderScan(head) != nil || head.starts(with: Array("RIFF".utf8)) { return .wavHeaderInRawFile(extension: format.rawValue) }
                         if let other = OutputFormat.containerIn(head) { return .otherFormatInRawFile(format: other, extension: format.rawValue) }
                         if let share = codec.signatureShare(head, minimumFrames: 1), share < 1 {
                             return .notCodecFrames(codec: codec.name, extension: format.rawValue, share: share)
                         }
                         return nil
                     })
    }
}

extension InputFormat {
    /// The reader of a codec format, known by its extension (lower case, as Asterisk
    /// looks for it); a magic number found in the content wins over it.
    static func codec(_ codec: FrameCodec, extensions: [String]) -> InputFormat {
        InputFormat(name: codec.name, extensions: extensions,
                    probe: { head, ext in
                        guard extensions.contains(ext), !looksLikeText(head) else { return nil }
                        return Match(.fileExtension)
                    },
                    open: { bytes, _, _ in try FrameCodecSource(bytes: bytes, codec: codec) })
    }
}
