import CLame
import G711

/// Output formats, named as Asterisk names its prompt files.
public enum PromptFormat: String, Sendable, CaseIterable, Codable {
    /// Raw G.711 A-law, 8 kHz (`.alaw`).
    case alaw
    /// Raw G.711 mu-law, 8 kHz (`.ulaw`).
    case ulaw
    /// Raw signed 16-bit little-endian, 8 kHz (`.sln`).
    case sln
    /// Raw signed 16-bit little-endian, 16 kHz (`.sln16`).
    case sln16
    /// 16-bit mono PCM WAV, 8 kHz: the only WAV Asterisk plays (`.wav`).
    case wav
    /// 16-bit mono PCM WAV, 16 kHz (`.wav16`).
    case wav16
    /// MP3 listening copy, 8 kHz mono, of the prompt as callers hear it (A-law round trip).
    case mp3

    /// Output sample rate.
    public var sampleRate: Int { self == .sln16 || self == .wav16 ? 16000 : 8000 }

    /// The file extension promptc writes for this format.
    public var fileExtension: String { rawValue }

    /// Format for an output path's extension, following Asterisk's names.
    public static func forExtension(_ ext: String) -> PromptFormat? {
        switch ext {
        case "alaw", "al", "alw": .alaw
        case "ulaw", "ul", "mu", "ulw", "pcm": .ulaw
        case "sln", "slin", "raw": .sln
        case "sln16": .sln16
        case "wav": .wav
        case "wav16": .wav16
        case "mp3": .mp3
        default: nil
        }
    }

    /// Every extension accepted for output, for messages.
    public static let extensionList = ".alaw .al .alw .ulaw .ul .mu .ulw .pcm .sln .slin .raw .sln16 .wav .wav16 .mp3"
}

/// Writes mono float samples at the format's rate to an output file, atomically.
public protocol PromptWriter: AnyObject {
    var format: PromptFormat { get }
    var path: String { get }
    /// Appends samples (full scale ±1.0; beyond it they saturate).
    func write(_ samples: UnsafeBufferPointer<Float>) throws
    /// Finishes the encoding and renames the file into place.
    func finish() throws
    /// Gives up: the target is left untouched.
    func abort()
    /// Bytes written so far.
    var bytesWritten: Int64 { get }
}

/// Creates the writer for `format` at `path`.
public func makePromptWriter(format: PromptFormat, path: String, overwrite: Bool) throws -> PromptWriter {
    let file = try OutputFile(path: path, overwrite: overwrite)
    switch format {
    case .alaw: return G711Writer(file: file, law: .aLaw, format: format)
    case .ulaw: return G711Writer(file: file, law: .muLaw, format: format)
    case .sln, .sln16: return PCM16Writer(file: file, format: format, wavHeader: false)
    case .wav, .wav16: return PCM16Writer(file: file, format: format, wavHeader: true)
    case .mp3: return try MP3Writer(file: file)
    }
}

final class G711Writer: PromptWriter {
    let format: PromptFormat
    let file: OutputFile
    let law: G711Law
    private var codes: [UInt8] = []
    var path: String { file.path }
    var bytesWritten: Int64 { file.bytesWritten }

    init(file: OutputFile, law: G711Law, format: PromptFormat) {
        self.file = file
        self.law = law
        self.format = format
    }

    func write(_ samples: UnsafeBufferPointer<Float>) throws {
        if codes.count < samples.count { codes = [UInt8](repeating: 0, count: samples.count) }
        try codes.withUnsafeMutableBufferPointer { out in
            law.encode(samples, into: out)
            try file.write(UnsafeRawBufferPointer(start: out.baseAddress, count: samples.count))
        }
    }

    func finish() throws { try file.commit() }
    func abort() { file.abort() }
}

/// Raw 16-bit little-endian PCM, optionally inside a canonical 44-byte WAV header.
public final class PCM16Writer: PromptWriter {
    public let format: PromptFormat
    let file: OutputFile
    let wavHeader: Bool
    private var pcm: [Int16] = []
    private var dataBytes = 0
    public var path: String { file.path }
    public var bytesWritten: Int64 { file.bytesWritten }

    init(file: OutputFile, format: PromptFormat, wavHeader: Bool) {
        self.file = file
        self.format = format
        self.wavHeader = wavHeader
        if wavHeader { try? file.write(Self.header(rate: format.sampleRate, dataBytes: nil)) }
    }

    /// Canonical RIFF/WAVE header for 16-bit mono PCM; unknown length writes the
    /// streaming convention 0xFFFFFFFF.
    public static func header(rate: Int, dataBytes: Int?) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let data = dataBytes ?? 0xFFFF_FFFF
        let riff = dataBytes.map { 36 + $0 } ?? 0xFFFF_FFFF
        return Array("RIFF".utf8) + le32(riff) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1)
            + le32(rate) + le32(rate * 2) + le16(2) + le16(16) + Array("data".utf8) + le32(data)
    }

    public func write(_ samples: UnsafeBufferPointer<Float>) throws {
        if pcm.count < samples.count { pcm = [Int16](repeating: 0, count: samples.count) }
        try pcm.withUnsafeMutableBufferPointer { out in
            LinearPCM.encode(samples, into: out)
            #if _endian(big)
            for i in 0..<samples.count { out[i] = out[i].littleEndian }
            #endif
            try file.write(UnsafeRawBufferPointer(start: out.baseAddress, count: samples.count * 2))
        }
        dataBytes += samples.count * 2
    }

    public func finish() throws {
        if wavHeader && file.isSeekable {
            try file.patch(Self.header(rate: format.sampleRate, dataBytes: dataBytes), at: 0)
        }
        try file.commit()
    }

    public func abort() { file.abort() }
}

/// MP3 through LAME: 8 kHz mono, 32 kbps CBR, with a LAME tag for gapless decoding.
/// The samples pass through the A-law round trip first, so the copy sounds like the call.
final class MP3Writer: PromptWriter {
    let format = PromptFormat.mp3
    let file: OutputFile
    private let lame: OpaquePointer
    private var mp3: [UInt8] = []
    private var quantized: [Float] = []
    private var codes: [UInt8] = []
    var path: String { file.path }
    var bytesWritten: Int64 { file.bytesWritten }

    private let companding: Bool

    /// - Parameter companding: pass the samples through the A-law round trip first
    ///   (on for prompts; tests turn it off to encode arbitrary signals).
    init(file: OutputFile, sampleRate: Int = 8000, bitrate: Int32 = 32, companding: Bool = true) throws {
        self.file = file
        self.companding = companding
        guard let l = lame_init() else { throw AudioIOError(.writeFailed, file.path, "LAME could not start") }
        lame = l
        lame_set_in_samplerate(l, Int32(sampleRate))
        lame_set_out_samplerate(l, Int32(sampleRate))
        lame_set_num_channels(l, 1)
        lame_set_mode(l, MONO)
        // The LAME tag (gapless info) needs ~170-byte frames: 32 kbps only suits 8 kHz.
        lame_set_brate(l, sampleRate > 24000 ? 128 : sampleRate > 12000 ? max(bitrate, 64) : bitrate)
        lame_set_quality(l, 2)
        lame_set_bWriteVbrTag(l, file.isSeekable ? 1 : 0)
        guard lame_init_params(l) >= 0 else {
            lame_close(l)
            throw AudioIOError(.writeFailed, file.path, "LAME rejected the parameters")
        }
    }

    deinit { lame_close(lame) }

    func write(_ samples: UnsafeBufferPointer<Float>) throws {
        let n = samples.count
        if quantized.count < n { quantized = [Float](repeating: 0, count: n); codes = [UInt8](repeating: 0, count: n) }
        if companding {
            codes.withUnsafeMutableBufferPointer { c in
                G711Law.aLaw.encode(samples, into: c)
                quantized.withUnsafeMutableBufferPointer { q in G711Law.aLaw.decode(UnsafeBufferPointer(c), into: q) }
            }
        } else {
            for i in 0..<n { quantized[i] = samples[i] }
        }
        let need = n + n / 4 + 7200
        if mp3.count < need { mp3 = [UInt8](repeating: 0, count: need) }
        let got = quantized.withUnsafeBufferPointer { q in
            mp3.withUnsafeMutableBufferPointer { m in
                lame_encode_buffer_ieee_float(lame, q.baseAddress, nil, Int32(n), m.baseAddress, Int32(m.count))
            }
        }
        if got < 0 { throw AudioIOError(.writeFailed, file.path, "LAME encoding failed (\(got))") }
        try mp3.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<Int(got)])) }
    }

    func finish() throws {
        if mp3.count < 7200 { mp3 = [UInt8](repeating: 0, count: 7200) }
        let got = mp3.withUnsafeMutableBufferPointer { lame_encode_flush(lame, $0.baseAddress, Int32($0.count)) }
        if got > 0 { try mp3.withUnsafeBytes { try file.write(UnsafeRawBufferPointer(rebasing: $0[0..<Int(got)])) } }
        if file.isSeekable {
            var tag = [UInt8](repeating: 0, count: 2880)
            let size = tag.withUnsafeMutableBufferPointer { lame_get_lametag_frame(lame, $0.baseAddress, $0.count) }
            if size > 0 && size <= tag.count { try file.patch(Array(tag[0..<size]), at: 0) }
        }
        try file.commit()
    }

    func abort() { file.abort() }
}
