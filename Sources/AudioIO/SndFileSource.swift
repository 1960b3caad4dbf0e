import CSndFile
import G711
#if canImport(Glibc)
import Glibc
#endif

/// Everything libsndfile reads (WAV, RF64, W64, AIFF/AIFC, AU, CAF, FLAC, Ogg Vorbis,
/// Opus, ...), as float, through virtual I/O so pipes work too.
public final class SndFileSource: AudioSource {
    public let stream: StreamDescription
    public private(set) var warnings: [DecodeWarning]
    /// 16-bit PCM is read as int16 and converted here (see readShorts).
    private let readsShorts: Bool
    private var shorts: [Int16] = []

    private let bytes: ByteSource
    private let box: Unmanaged<ByteSource>
    private let file: OpaquePointer
    private var virtualIO: SF_VIRTUAL_IO
    private var decoded = 0
    private let promised: Int?

    public init(bytes: ByteSource, promisedFrames: Int? = nil) throws {
        self.bytes = bytes
        box = Unmanaged.passRetained(bytes)
        virtualIO = SF_VIRTUAL_IO(
            get_filelen: { io in
                let b = Unmanaged<ByteSource>.fromOpaque(io!).takeUnretainedValue()
                return sf_count_t(b.size ?? Int64(Int32.max))
            },
            seek: { offset, whence, io in
                sf_count_t(Unmanaged<ByteSource>.fromOpaque(io!).takeUnretainedValue().seek(Int64(offset), whence: whence))
            },
            read: { ptr, count, io in
                let b = Unmanaged<ByteSource>.fromOpaque(io!).takeUnretainedValue()
                var got = 0
                while got < Int(count) {   // libsndfile expects full reads except at the end
                    let n = b.read(ptr! + got, Int(count) - got)
                    if n <= 0 { break }
                    got += n
                }
                return sf_count_t(got)
            },
            write: { _, _, _ in 0 },
            tell: { io in sf_count_t(Unmanaged<ByteSource>.fromOpaque(io!).takeUnretainedValue().tell()) })
        var info = SF_INFO()
        guard let f = sf_open_virtual(&virtualIO, Int32(SFM_READ), &info, box.toOpaque()) else {
            let reason = String(cString: sf_strerror(nil))
            box.release()
            throw AudioIOError(.corrupt, bytes.path, "libsndfile cannot read it: \(reason)")
        }
        file = f
        // Pipes report a huge frame count; only trust it for regular files.
        let frames = bytes.isSeekable && info.frames > 0 && info.frames < sf_count_t(Int64.max / 2) ? Int(info.frames) : nil
        stream = SndFileSource.describe(format: info.format, rate: Int(info.samplerate), channels: Int(info.channels), frames: frames)
        let sub = info.format & Int32(SF_FORMAT_SUBMASK)
        readsShorts = sub == Int32(SF_FORMAT_PCM_16)
        warnings = []
        promised = promisedFrames
        if let p = promisedFrames, let have = frames, p > have {
            warnings.append(.truncated(promisedFrames: p, decodedFrames: have, sampleRate: Int(info.samplerate)))
        }
        // Fully initialised here: a throw runs deinit, which closes the file.
        try AudioLimits.check(rate: sampleRate, channels: channels, path: bytes.path)
    }

    deinit {
        sf_close(file)
        box.release()
    }

    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        let n = readsShorts ? readShorts(into: buffer, frames: frames) : Int(sf_readf_float(file, buffer, sf_count_t(frames)))
        if n < 0 { throw AudioIOError(.corrupt, bytes.path, "read failed: \(String(cString: sf_strerror(file)))") }
        if n == 0 {
            try bytes.throwIfReadFailed()
            let e = sf_error(file)
            if e != 0 && decoded == 0 {
                throw AudioIOError(.corrupt, bytes.path, "decoding failed: \(String(cString: sf_strerror(file)))")
            } else if e != 0 {
                warnings.append(.stoppedEarly(reason: String(cString: sf_strerror(file))))
            } else if !stream.codec.isCompressed, let expected = stream.frames, decoded < expected {
                // Uncompressed frames were counted from the file's size when it was opened:
                // fewer now means the file was cut short while it was being read.
                warnings.append(.truncated(promisedFrames: expected, decodedFrames: decoded, sampleRate: sampleRate))
            }
        }
        decoded += n
        return n
    }

    /// 16-bit PCM: read the samples as they are and convert them here (LinearPCM.decode,
    /// vectorized), which takes a third of the time of libsndfile's float conversion.
    private func readShorts(into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        let count = frames * channels
        if shorts.count < count { shorts = [Int16](repeating: 0, count: count) }
        return shorts.withUnsafeMutableBufferPointer { s in
            let n = Int(sf_readf_short(file, s.baseAddress, sf_count_t(frames)))
            if n > 0 {
                LinearPCM.decode(UnsafeBufferPointer(rebasing: s[0..<(n * channels)]),
                                 into: UnsafeMutableBufferPointer(start: buffer, count: n * channels))
            }
            return n
        }
    }

    static func describe(format: Int32, rate: Int, channels: Int, frames: Int?) -> StreamDescription {
        let containers: [Int32: StreamDescription.Container] = [
            Int32(SF_FORMAT_WAV): .wav, Int32(SF_FORMAT_WAVEX): .wavExtensible, Int32(SF_FORMAT_RF64): .rf64,
            Int32(SF_FORMAT_W64): .w64, Int32(SF_FORMAT_AIFF): .aiff, Int32(SF_FORMAT_AU): .au,
            Int32(SF_FORMAT_CAF): .caf, Int32(SF_FORMAT_FLAC): .flac, Int32(SF_FORMAT_OGG): .ogg,
            Int32(SF_FORMAT_RAW): .raw, Int32(SF_FORMAT_IRCAM): .ircam, Int32(SF_FORMAT_NIST): .nist,
            Int32(SF_FORMAT_VOC): .voc, Int32(SF_FORMAT_PAF): .paf, Int32(SF_FORMAT_SVX): .svx,
        ]
        let codecs: [Int32: (StreamDescription.Codec, Int?)] = [
            Int32(SF_FORMAT_PCM_S8): (.pcm, 8), Int32(SF_FORMAT_PCM_U8): (.pcm, 8), Int32(SF_FORMAT_PCM_16): (.pcm, 16),
            Int32(SF_FORMAT_PCM_24): (.pcm, 24), Int32(SF_FORMAT_PCM_32): (.pcm, 32), Int32(SF_FORMAT_FLOAT): (.float, 32),
            Int32(SF_FORMAT_DOUBLE): (.float, 64), Int32(SF_FORMAT_ULAW): (.ulaw, nil), Int32(SF_FORMAT_ALAW): (.alaw, nil),
            Int32(SF_FORMAT_VORBIS): (.vorbis, nil), Int32(SF_FORMAT_OPUS): (.opus, nil), Int32(SF_FORMAT_GSM610): (.gsm610, nil),
            Int32(SF_FORMAT_IMA_ADPCM): (.imaADPCM, nil), Int32(SF_FORMAT_MS_ADPCM): (.msADPCM, nil),
        ]
        let (codec, bits) = codecs[format & Int32(SF_FORMAT_SUBMASK)] ?? (.other, nil)
        return StreamDescription(container: containers[format & Int32(SF_FORMAT_TYPEMASK)] ?? .other, codec: codec,
                                 bitsPerSample: bits, sampleRate: rate, channels: channels, frames: frames)
    }
}

/// The few facts of a RIFF/WAVE header that probing needs.
struct WAVHeaderScan {
    var formatTag: Int = 0
    var promisedFrames: Int?

    /// Nil unless the bytes start a RIFF, RIFX or RF64 file of type WAVE.
    init?(_ b: [UInt8]) {
        func tag(_ o: Int, _ s: String) -> Bool { b.count >= o + 4 && Array(b[o..<(o + 4)]) == Array(s.utf8) }
        guard (tag(0, "RIFF") || tag(0, "RIFX") || tag(0, "RF64")) && tag(8, "WAVE") else { return nil }
        func u32(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 | Int(b[o + 2]) << 16 | Int(b[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
        guard b[0] == UInt8(ascii: "R") else { return }
        var o = 12
        var blockAlign = 0
        while o + 8 <= b.count {
            let id = String(decoding: b[o..<(o + 4)], as: UTF8.self)
            let size = u32(o + 4)
            if id == "fmt " && o + 8 + 14 <= b.count {
                formatTag = u16(o + 8)
                blockAlign = u16(o + 8 + 12)
            } else if id == "data" {
                if blockAlign > 0 && size != 0 && size != 0xFFFF_FFFF { promisedFrames = size / blockAlign }
                return
            }
            o += 8 + size + (size & 1)
        }
    }
}

extension InputFormat {
    /// Everything libsndfile reads, recognised by its magic numbers.
    public static let sndfile = InputFormat(
        name: "libsndfile formats",
        extensions: ["wav", "wave", "flac", "ogg", "oga", "opus", "aif", "aiff", "aifc", "au", "snd", "caf", "w64", "rf64"],
        probe: { head, _ in
            if let wav = WAVHeaderScan(head) { return Match(.magic, promisedFrames: wav.promisedFrames) }
            for m in ["FORM", ".snd", "fLaC", "OggS", "caff", "riff", "NIST_1A", "Creative Voice File", "RIFF"] {
                let bytes = Array(m.utf8)
                if head.count >= bytes.count && Array(head[0..<bytes.count]) == bytes { return Match(.magic) }
            }
            return nil
        },
        open: { bytes, _, match in try SndFileSource(bytes: bytes, promisedFrames: match.promisedFrames) })
}
