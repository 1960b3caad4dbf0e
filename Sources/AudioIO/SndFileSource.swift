import CSndFile
import G711
#if canImport(Glibc)
import Glibc
#endif

/// Everything libsndfile reads (WAV, RF64, W64, AIFF/AIFC, AU, CAF, FLAC, Ogg Vorbis,
/// Opus, ...), as float, through virtual I/O so pipes work too.
public final class SndFileSource: AudioSource {
    public let sampleRate: Int
    public let channels: Int
    public let frameCount: Int?
    public let formatDescription: String
    public private(set) var warnings: [String]
    public let isCompressed: Bool
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
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        // Pipes report a huge frame count; only trust it for regular files.
        frameCount = bytes.isSeekable && info.frames > 0 && info.frames < sf_count_t(Int64.max / 2) ? Int(info.frames) : nil
        formatDescription = SndFileSource.describe(format: info.format, rate: sampleRate, channels: channels)
        let sub = info.format & Int32(SF_FORMAT_SUBMASK)
        isCompressed = [Int32(SF_FORMAT_VORBIS), Int32(SF_FORMAT_OPUS)].contains(sub)
        readsShorts = sub == Int32(SF_FORMAT_PCM_16)
        warnings = []
        promised = promisedFrames
        if let p = promisedFrames, let have = frameCount, p > have {
            warnings.append("truncated: the header promises \(seconds(p, sampleRate)) but the file holds \(seconds(have, sampleRate))")
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
                warnings.append("decoding stopped early: \(String(cString: sf_strerror(file)))")
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

    static func describe(format: Int32, rate: Int, channels: Int) -> String {
        let major: [Int32: String] = [
            Int32(SF_FORMAT_WAV): "WAV", Int32(SF_FORMAT_WAVEX): "WAV (extensible)", Int32(SF_FORMAT_RF64): "RF64",
            Int32(SF_FORMAT_W64): "W64", Int32(SF_FORMAT_AIFF): "AIFF", Int32(SF_FORMAT_AU): "AU",
            Int32(SF_FORMAT_CAF): "CAF", Int32(SF_FORMAT_FLAC): "FLAC", Int32(SF_FORMAT_OGG): "Ogg",
            Int32(SF_FORMAT_RAW): "raw", Int32(SF_FORMAT_IRCAM): "IRCAM", Int32(SF_FORMAT_NIST): "NIST",
            Int32(SF_FORMAT_VOC): "VOC", Int32(SF_FORMAT_PAF): "PAF", Int32(SF_FORMAT_SVX): "8SVX",
        ]
        let sub: [Int32: String] = [
            Int32(SF_FORMAT_PCM_S8): "8-bit PCM", Int32(SF_FORMAT_PCM_U8): "8-bit PCM", Int32(SF_FORMAT_PCM_16): "16-bit PCM",
            Int32(SF_FORMAT_PCM_24): "24-bit PCM", Int32(SF_FORMAT_PCM_32): "32-bit PCM", Int32(SF_FORMAT_FLOAT): "32-bit float",
            Int32(SF_FORMAT_DOUBLE): "64-bit float", Int32(SF_FORMAT_ULAW): "mu-law", Int32(SF_FORMAT_ALAW): "A-law",
            Int32(SF_FORMAT_VORBIS): "Vorbis", Int32(SF_FORMAT_OPUS): "Opus", Int32(SF_FORMAT_GSM610): "GSM 6.10",
            Int32(SF_FORMAT_IMA_ADPCM): "IMA ADPCM", Int32(SF_FORMAT_MS_ADPCM): "MS ADPCM",
        ]
        let m = major[format & Int32(SF_FORMAT_TYPEMASK)] ?? "libsndfile"
        let s = sub[format & Int32(SF_FORMAT_SUBMASK)] ?? "other encoding"
        return "\(m) (\(s), \(rate) Hz, \(channels == 1 ? "mono" : channels == 2 ? "stereo" : "\(channels) ch"))"
    }
}
