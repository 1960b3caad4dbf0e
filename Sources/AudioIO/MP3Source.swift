import CMPG123
#if canImport(Glibc)
import Glibc
#endif

/// Hints a pipeline can give the MP3 decoder when it only needs narrowband mono.
public struct MP3DecodeHints: Sendable, Equatable {
    /// Mix to mono inside the decoder (`MPG123_MONO_MIX`), before synthesis.
    public var monoMix: Bool
    /// When set, synthesize at 1/2 or 1/4 of the stream's rate (`MPG123_DOWN_SAMPLE`),
    /// the smallest rate that stays at or above this one.
    public var minimumRate: Int?

    /// Decoder threads for seekable files (see ``MP3SegmentDecoder``); 1 decodes in line.
    public var threads: Int
    /// MPEG frames per segment when decoding on several threads, rounded up to a multiple
    /// of 16 (see ``MP3SegmentDecoder``); nil picks about 512 KiB of output per segment and
    /// leaves files under 2 MB to one pass. A value also splits small files (for tests).
    public var segmentFrames: Int?

    public init(monoMix: Bool = false, minimumRate: Int? = nil, threads: Int = 1, segmentFrames: Int? = nil) {
        self.monoMix = monoMix
        self.minimumRate = minimumRate
        self.threads = threads
        self.segmentFrames = segmentFrames
    }

    /// Full-rate decoding of every channel.
    public static let full = MP3DecodeHints()
    /// Decoder threads that use every core of this machine (for ``threads``).
    public static let everyCore = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Decoder threads for a pipeline that has work of its own on another thread (the
    /// resampler and the encoder): one more than the cores, so that a decoder takes a core
    /// whenever the pipeline thread waits (docs/design.md, "MP3 on every core").
    public static let pipelineDecoders = everyCore > 1 ? everyCore + 1 : 1
    /// The hints a ``DecodeRequest`` stands for: mono mix when mono is wanted, and the
    /// smallest reduced synthesis rate at or above the request's lowest useful rate.
    public init(_ request: DecodeRequest) {
        self.init(monoMix: request.monoWanted, minimumRate: request.lowestUsefulRate,
                  threads: request.threads, segmentFrames: request.segmentFrames)
    }
}

/// MPEG audio (MPEG-1/2/2.5 Layer I/II/III) through libmpg123, as float, gapless.
public final class MP3Source: AudioSource {
    public let stream: StreamDescription
    public private(set) var warnings: [DecodeWarning] = []
    /// 1, 2 or 4: the synthesis rate divisor in use.
    public let rateDivisor: Int

    private let bytes: ByteSource
    private var handle: OpaquePointer
    private var box: Unmanaged<ByteSource>
    private let monoMix: Bool
    private let path: String
    private var decoded = 0
    private var finished = false
    private var warnedTruncation = false
    private var segments: MP3SegmentDecoder?
    /// The stream's length at its own rate (libmpg123's gapless count, from a scan of the
    /// frame headers at full rate) when decoding at a reduced rate from a seekable file.
    private var fullRateLength: Int?
    /// True when the file decodes in segments on several threads (``MP3DecodeHints/threads``).
    public var decodesInSegments: Bool { segments != nil }

    /// Opens an MPEG audio stream for a pipeline's request.
    public convenience init(bytes: ByteSource, request: DecodeRequest) throws {
        try self.init(bytes: bytes, hints: MP3DecodeHints(request))
    }

    /// Opens an MPEG audio stream. Throws a one-line error when it does not decode.
    public init(bytes: ByteSource, hints: MP3DecodeHints = .full) throws {
        self.bytes = bytes
        path = bytes.path
        var err: Int32 = 0
        guard let h = mpg123_new(nil, &err) else {
            throw AudioIOError(.unsupported, bytes.path, "libmpg123 could not start: \(String(cString: mpg123_plain_strerror(err)))")
        }
        handle = h
        box = Unmanaged.passRetained(bytes)
        monoMix = hints.monoMix
        var divisor = 1
        if let minimum = hints.minimumRate, let rate = MP3Source.streamRate(bytes) {
            divisor = [4, 2].first { rate / $0 >= minimum } ?? 1
            // libmpg123 cannot synthesise a later part at another rate at this divisor
            // (16000 / 4) and prints its own error line when it meets one: a file that has
            // such frames decodes at full rate, where the change is reported (or skipped as
            // damage) like anywhere else. A stream that cannot be scanned first decodes at full rate.
            if divisor > 1, !(bytes.reopener.map { input in
                !MPEGFrameHeader.chainedRates(in: input).contains { !MP3Source.synthesisRates.contains($0 / divisor) }
            } ?? false) {
                divisor = 1
            }
        }
        rateDivisor = divisor
        guard MP3Source.open(h, box, seekable: bytes.isSeekable, monoMix: hints.monoMix, divisor: divisor) else {
            let message = String(cString: mpg123_strerror(h))
            mpg123_delete(h); box.release()
            throw AudioIOError(.corrupt, bytes.path, "not a decodable MP3 (\(message))")
        }
        var rate = 0, ch: Int32 = 0, enc: Int32 = 0
        let r = mpg123_getformat(h, &rate, &ch, &enc)
        guard r == Int32(MPG123_OK.rawValue), rate > 0, ch > 0 else {
            mpg123_delete(h); box.release()
            throw AudioIOError(.notAudio, bytes.path, "no MPEG audio frames found")
        }
        var info = mpg123_frameinfo2()
        _ = promptc_mpg123_info(h, &info)
        let version = ["MPEG-1", "MPEG-2", "MPEG-2.5"][min(2, max(0, Int(info.version)))]
        let vbrIndex = min(2, max(0, Int(info.vbr)))
        var details = ["\(version) Layer \(String(repeating: "I", count: Int(info.layer)))", ["CBR", "VBR", "ABR"][vbrIndex]]
        if vbrIndex == 0 { details.append(info.bitrate == 0 ? "free format" : "\(info.bitrate) kbps") }
        let length = promptc_mpg123_length(h)
        let priming = promptc_mpg123_state(h, MPG123_ENC_DELAY), padding = promptc_mpg123_state(h, MPG123_ENC_PADDING)
        // Reduced-rate synthesis delays the output by one full-rate sample, i.e. 1/divisor
        // of an output sample (measured; see docs/design.md). The pipeline undoes it.
        stream = StreamDescription(container: .mpeg, codec: [.mpegLayer1, .mpegLayer2, .mpegLayer3][min(2, max(0, Int(info.layer) - 1))],
                                   sampleRate: rate, channels: Int(ch), frames: length > 0 ? Int(length) : nil,
                                   codedRate: info.rate, codedChannels: info.mode == Int32(MPG123_M_MONO.rawValue) ? 1 : 2,
                                   delay: divisor == 1 ? .zero : FrameDelay(1, divisor),
                                   priming: priming >= 0 ? priming : nil, padding: padding >= 0 ? padding : nil, details: details)
        let channels = Int(ch)
        try AudioLimits.check(rate: rate, channels: channels, path: bytes.path)
        // Long seekable files decode in segments on several threads (bit-identical output).
        let samplesPerFrame = info.layer == 1 ? 384 : info.layer == 3 && info.version != 0 ? 576 : 1152
        // MPEG-1 Layer III only, where segments were measured bit-identical to one pass:
        // Layer I/II have no look-ahead frames after a seek (the first frame of each
        // segment differs), and MPEG-2/2.5 streams decode differently in the last float
        // bit once libmpg123 has seeked at all (even back to the start).
        if hints.threads > 1, info.layer == 3, info.version == 0, let input = bytes.reopener,
           (bytes.size ?? 0) > MP3SegmentDecoder.minimumFileSize || hints.segmentFrames != nil {
            segments = MP3SegmentDecoder(handle: h, input: input, threads: hints.threads, monoMix: hints.monoMix,
                                         divisor: divisor, rate: rate, channels: channels,
                                         samplesPerFrame: samplesPerFrame / divisor, segmentFrames: hints.segmentFrames)
            if segments == nil, promptc_mpg123_seek(h, 0, SEEK_SET) != 0 {
                throw AudioIOError(.corrupt, bytes.path, "cannot seek back to the start after indexing")
            }
        }
        if divisor > 1, bytes.isSeekable {
            // The segment decoder has scanned the stream already: its frame count and the
            // Info tag's encoder delay and padding give the length. Otherwise (files under
            // 2 MB) a scan on a full-rate handle is cheap.
            fullRateLength = segments != nil ? MP3Source.gaplessLength(h) : bytes.reopener.flatMap(MP3Source.scannedLength)
        }
    }

    /// The gapless length at the stream's own rate of a scanned handle: frames times
    /// samples per frame, less the Info tag's encoder delay and padding when it has them.
    static func gaplessLength(_ h: OpaquePointer) -> Int? {
        let frames = Int(promptc_mpg123_framelength(h)), spf = Int(promptc_mpg123_spf(h))
        guard frames > 0, spf > 0 else { return nil }
        let delay = promptc_mpg123_state(h, MPG123_ENC_DELAY), padding = promptc_mpg123_state(h, MPG123_ENC_PADDING)
        return frames * spf - (delay >= 0 && padding >= 0 ? delay + padding : 0)
    }

    /// The gapless length of the stream at its own rate, from a scan of its frame headers
    /// on a full-rate handle (nothing is decoded); nil when libmpg123 cannot tell.
    static func scannedLength(_ input: ByteSource.Reopener) -> Int? {
        guard let bytes = try? input.open(), let h = mpg123_new(nil, nil) else { return nil }
        let box = Unmanaged.passRetained(bytes)
        defer { mpg123_delete(h); box.release() }
        guard open(h, box, seekable: true, monoMix: false, divisor: 1), promptc_mpg123_scan(h) == Int32(MPG123_OK.rawValue) else { return nil }
        let n = promptc_mpg123_length(h)
        return n > 0 ? Int(n) : nil
    }

    /// At a reduced rate, a complete decode lasts the stream's own length at its own rate
    /// (one rule for every output length, whichever shortcut decoded it). A decode that
    /// stopped short (damage) keeps its own count.
    public func duration(decodedFrames: Int) -> (frames: Int, rate: Int) {
        if let n = fullRateLength, abs(decodedFrames * rateDivisor - n) < 2 * rateDivisor {
            return (n, stream.codedRate)
        }
        return (decodedFrames, sampleRate)
    }

    /// Sets a handle up the same way for the main decoder and segment workers, and opens
    /// the stream through `box` (a retained ByteSource). False when libmpg123 cannot open it.
    static func open(_ h: OpaquePointer, _ box: Unmanaged<ByteSource>, seekable: Bool, monoMix: Bool, divisor: Int) -> Bool {
        var flags = MPG123_QUIET.rawValue | MPG123_GAPLESS.rawValue | MPG123_FORCE_FLOAT.rawValue
        if !seekable { flags |= MPG123_SEEKBUFFER.rawValue | MPG123_NO_PEEK_END.rawValue }
        if monoMix { flags |= MPG123_MONO_MIX.rawValue }
        _ = promptc_mpg123_param(h, MPG123_FLAGS, Int(flags), 0)
        _ = promptc_mpg123_param(h, MPG123_DOWN_SAMPLE, divisor == 4 ? 2 : divisor == 2 ? 1 : 0, 0)
        _ = promptc_mpg123_param(h, MPG123_RESYNC_LIMIT, 64 * 1024, 0)
        // Only float output, every rate, no libmpg123 resampling.
        mpg123_format_none(h)
        var rates: UnsafePointer<Int>? = nil
        var nrates = 0
        mpg123_rates(&rates, &nrates)
        for i in 0..<nrates {
            mpg123_format(h, rates![i] / divisor, Int32(MPG123_MONO.rawValue | MPG123_STEREO.rawValue), Int32(MPG123_ENC_FLOAT_32.rawValue))
            mpg123_format(h, rates![i], Int32(MPG123_MONO.rawValue | MPG123_STEREO.rawValue), Int32(MPG123_ENC_FLOAT_32.rawValue))
        }
        let readCallback: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> Int = { io, buf, count in
            Unmanaged<ByteSource>.fromOpaque(io!).takeUnretainedValue().read(buf!, count)
        }
        let seekCallback: @convention(c) (UnsafeMutableRawPointer?, off_t, Int32) -> off_t = { io, offset, whence in
            off_t(Unmanaged<ByteSource>.fromOpaque(io!).takeUnretainedValue().seek(Int64(offset), whence: whence))
        }
        _ = promptc_mpg123_replace_reader_handle(h, readCallback, seekCallback, nil)
        return promptc_mpg123_open_handle(h, box.toOpaque()) == Int32(MPG123_OK.rawValue)
    }

    /// The output rates libmpg123 can synthesise.
    static let synthesisRates: Set<Int> = {
        var rates: UnsafePointer<Int>? = nil
        var count = 0
        mpg123_rates(&rates, &count)
        return Set((0..<count).map { rates![$0] })
    }()

    /// Sample rate of the first MPEG frame header, past any ID3v2 tag (peeked, not consumed).
    static func streamRate(_ bytes: ByteSource) -> Int? {
        var head = bytes.peek(65536)
        var start = 0
        if head.count >= 10 && head[0] == 0x49 && head[1] == 0x44 && head[2] == 0x33 {   // "ID3"
            let size = (0..<4).reduce(0) { $0 << 7 | Int(head[6 + $1] & 0x7F) } + 10 + ((head[5] & 0x10) != 0 ? 10 : 0)
            if size + 8192 > head.count { head = bytes.peek(min(size + 8192, 1 << 20)) }
            start = size
        }
        var i = start
        while i + 4 <= head.count {
            if let header = MPEGFrameHeader(head, i), let length = header.length, MPEGFrameHeader(head, i + length)?.length != nil {
                return header.sampleRate
            }
            i += 1
        }
        return nil
    }

    deinit {
        segments?.shutdown()
        mpg123_delete(handle)
        box.release()
    }

    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        if finished { return 0 }
        if let segments {
            do {
                let got = try segments.read(into: buffer, frames: frames)
                if got == 0 { finished = true }
                return account(got)
            } catch {
                // Something unusual in this segment (damage, another format): decode in one
                // pass from the start, dropping what was handed out already, so what follows
                // is exactly what a one-pass decode makes of it.
                segments.shutdown()
                self.segments = nil
                try restartInOnePass()
            }
        }
        let wantBytes = frames * channels * 4
        let ok = Int32(MPG123_OK.rawValue)
        var total = 0
        while total < wantBytes {
            var done = 0
            let r: Int32
            if let run = foreign {
                // Frames in another format: decoded aside and dropped until the stream is
                // back (damage) or has stayed changed too long (a real change).
                r = scratch.withUnsafeMutableBytes { mpg123_read(handle, $0.baseAddress, $0.count, &done) }
                foreign!.bytes += done
                if Double(foreign!.bytes) / Double(4 * run.channels * run.rate) > MP3Source.damageLimit {
                    throw AudioIOError(.formatChange, path,
                        "the stream changes from \(sampleRate) Hz \(channels) ch to \(run.rate) Hz \(run.channels) ch at \(seconds(run.at, sampleRate)); split the file first")
                }
            } else {
                r = mpg123_read(handle, UnsafeMutableRawPointer(buffer).advanced(by: total), wantBytes - total, &done)
                total += done
            }
            if r == ok { continue }
            try box.takeUnretainedValue().throwIfReadFailed()   // the stream's current reader
            let at = decoded + total / (4 * channels)
            if r == Int32(MPG123_NEW_FORMAT.rawValue) {
                var rate = 0, ch: Int32 = 0, enc: Int32 = 0
                mpg123_getformat(handle, &rate, &ch, &enc)
                if rate == sampleRate && Int(ch) == channels {
                    if let run = foreign {
                        let skipped = Double(run.bytes) / Double(4 * run.channels * run.rate)
                        warnings.append(.damagedFrames(atFrame: run.at, sampleRate: sampleRate, seconds: skipped,
                                                       claimedRate: run.rate, claimedChannels: run.channels))
                        foreign = nil
                    }
                } else if foreign == nil {
                    foreign = (rate, Int(ch), at, 0)
                }
                continue
            }
            if let run = foreign {
                warnings.append(.damagedFrames(atFrame: run.at, sampleRate: sampleRate, seconds: nil,
                                               claimedRate: run.rate, claimedChannels: run.channels))
                foreign = nil
                finished = true
                break
            }
            if r == Int32(MPG123_DONE.rawValue) || r == Int32(MPG123_NEED_MORE.rawValue) { finished = true; break }
            if mpg123_errcode(handle) == Int32(MPG123_BAD_OUTFORMAT.rawValue) {
                // A new rate the reduced-rate synthesis cannot deliver (16000 / 4): the
                // stream changed format, which the full-rate path reports the same way.
                var info = mpg123_frameinfo2()
                _ = promptc_mpg123_info(handle, &info)
                throw AudioIOError(.formatChange, path,
                    "the stream changes from \(stream.codedRate) Hz to \(info.rate) Hz at \(seconds(at, sampleRate)); split the file first")
            }
            let message = String(cString: mpg123_strerror(handle))
            if at > 0 {
                warnings.append(.stoppedEarly(reason: message))
                finished = true
                break
            }
            throw AudioIOError(.corrupt, path, "MP3 decoding failed: \(message)")
        }
        return account(total / (4 * channels))
    }

    /// Replaces the (indexed) handle by a fresh one and decodes up to where the segments
    /// stopped, dropping the samples.
    private func restartInOnePass() throws {
        guard let fresh = try bytes.reopener?.open() else { throw AudioIOError(.corrupt, path, "cannot read it again from the start") }
        guard let h = mpg123_new(nil, nil) else { throw AudioIOError(.corrupt, path, "libmpg123 could not restart") }
        let freshBox = Unmanaged.passRetained(fresh)
        guard MP3Source.open(h, freshBox, seekable: true, monoMix: monoMix, divisor: rateDivisor) else {
            mpg123_delete(h); freshBox.release()
            throw AudioIOError(.corrupt, path, "libmpg123 could not reopen it")
        }
        mpg123_delete(handle)
        box.release()
        handle = h
        box = freshBox
        var skip = decoded * channels * 4
        while skip > 0 {
            var done = 0
            let r = scratch.withUnsafeMutableBytes { mpg123_read(handle, $0.baseAddress, min(skip, $0.count), &done) }
            skip -= done
            if r == Int32(MPG123_OK.rawValue) || r == Int32(MPG123_NEW_FORMAT.rawValue) { continue }
            throw AudioIOError(.corrupt, path, "decoding again up to \(seconds(decoded, sampleRate)) failed: \(String(cString: mpg123_strerror(handle)))")
        }
    }

    /// A run of frames in another format up to this long (seconds) is damage and skipped
    /// with a warning; longer is a real change (two files joined), an error.
    static let damageLimit = 0.5
    private var foreign: (rate: Int, channels: Int, at: Int, bytes: Int)?
    private var scratch = [UInt8](repeating: 0, count: 1 << 14)

    /// Counts decoded frames; at the end, warns when fewer decoded than the header promised.
    private func account(_ got: Int) -> Int {
        decoded += got
        // Exact lengths allow a few frames (decoder delay of untagged streams); size estimates 5%.
        let slack = promptc_mpg123_accurate(handle) != 0 ? 3 * 1152 : (frameCount ?? 0) / 20
        if finished, let expected = frameCount, decoded < expected - slack, !warnedTruncation {
            warnedTruncation = true
            warnings.append(.truncated(promisedFrames: expected, decodedFrames: decoded, sampleRate: sampleRate))
        }
        return got
    }
}

/// The fields of an MPEG audio frame header that probing and planning need.
struct MPEGFrameHeader {
    /// 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5.
    let version: Int
    /// 3: Layer I, 2: Layer II, 1: Layer III (as coded).
    let layerBits: Int
    let sampleRate: Int
    /// Bytes in the frame; nil for free-format frames (libmpg123 sizes those once recognised).
    let length: Int?

    /// The header at `i`, if the bytes there are one.
    init?(_ b: [UInt8], _ i: Int) {
        guard i >= 0, i + 4 <= b.count, b[i] == 0xFF, b[i + 1] & 0xE0 == 0xE0 else { return nil }
        let version = Int(b[i + 1] >> 3) & 3
        let layer = Int(b[i + 1] >> 1) & 3
        let bitrateIndex = Int(b[i + 2] >> 4)
        let rateIndex = Int(b[i + 2] >> 2) & 3
        guard version != 1, layer != 0, bitrateIndex != 15, rateIndex != 3 else { return nil }
        let rate = [[11025, 12000, 8000], [], [22050, 24000, 16000], [44100, 48000, 32000]][version][rateIndex]
        self.version = version
        layerBits = layer
        sampleRate = rate
        guard bitrateIndex != 0 else { length = nil; return }
        let mpeg1 = version == 3
        let table: [Int]
        switch (mpeg1, layer) {
        case (true, 3): table = [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448]
        case (true, 2): table = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384]
        case (true, _): table = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
        case (false, 3): table = [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256]
        default: table = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
        }
        let bitrate = table[bitrateIndex] * 1000
        let padding = Int(b[i + 2] >> 1) & 1
        if layer == 3 { length = (12 * bitrate / rate + padding) * 4; return }
        let factor = (layer == 1 && !mpeg1) ? 72 : 144
        length = factor * bitrate / rate + padding
    }

    /// The longest run of MPEG frames that follow each other at the distances their
    /// headers give, with the same version, layer and rate, starting anywhere in `b`.
    /// Eight in a row do not happen by chance in other data: that is an MPEG stream.
    static func longestChain(_ b: [UInt8], atLeast wanted: Int) -> Int {
        var best = 0
        var i = 0
        while i + 4 <= b.count && best < wanted {
            if let first = MPEGFrameHeader(b, i), first.length != nil {
                var n = 0, j = i
                while let h = MPEGFrameHeader(b, j), let length = h.length, h.version == first.version,
                      h.layerBits == first.layerBits, h.sampleRate == first.sampleRate {
                    n += 1
                    j += length
                }
                best = max(best, n)
            }
            i += 1
        }
        return best
    }

    /// The sample rates of every frame in a file that is followed, at the distance its
    /// header gives, by another frame of the same rate: the rates libmpg123 will meet.
    /// Reads the file once in blocks, past a leading ID3v2 tag; memory stays one block.
    static func chainedRates(in input: ByteSource.Reopener) -> Set<Int> {
        guard let bytes = try? input.open() else { return [] }
        var rates = Set<Int>()
        var window = [UInt8]()
        var i = 0             // the next offset in window to look at
        let block = 1 << 16, maximumFrame = 2881 + 4
        var chunk = [UInt8](repeating: 0, count: block)
        var atEnd = false
        var first = true
        while true {
            if !atEnd && window.count - i < 2 * maximumFrame {
                window.removeFirst(min(i, window.count))
                i = 0
                let got = chunk.withUnsafeMutableBytes { bytes.read($0.baseAddress!, block) }
                if got <= 0 { atEnd = true } else { window.append(contentsOf: chunk[0..<got]) }
                if first, window.count >= 10, window[0] == 0x49, window[1] == 0x44, window[2] == 0x33 {   // "ID3"
                    let size = (0..<4).reduce(0) { $0 << 7 | Int(window[6 + $1] & 0x7F) } + 10 + ((window[5] & 0x10) != 0 ? 10 : 0)
                    if bytes.seek(Int64(size), whence: SEEK_SET) >= 0 { window = [] }
                }
                first = false
                continue
            }
            guard i + 4 <= window.count else { break }
            if let h = MPEGFrameHeader(window, i), let length = h.length,
               let next = MPEGFrameHeader(window, i + length), next.sampleRate == h.sampleRate,
               next.version == h.version, next.layerBits == h.layerBits {
                rates.insert(h.sampleRate)
                i += length
            } else {
                i += 1
            }
        }
        return rates
    }

    /// True when two MPEG audio frame headers with the same version, layer and rate
    /// follow each other at the distance the first header gives (free format: a header
    /// with the same fields within 4000 bytes).
    static func syncFound(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 4 <= b.count {
            if let h = MPEGFrameHeader(b, i) {
                if let length = h.length {
                    if i + length + 4 <= b.count, MPEGFrameHeader(b, i + length)?.length != nil,
                       b[i + 1] == b[i + length + 1], (b[i + 2] & 0x0C) == (b[i + length + 2] & 0x0C) {
                        return true
                    }
                } else {
                    var j = i + 48
                    while j + 3 <= min(b.count, i + 4000) {
                        if b[j] == 0xFF && b[j + 1] == b[i + 1] && (b[j + 2] & 0xFC) == (b[i + 2] & 0xFC) { return true }
                        j += 1
                    }
                }
            }
            i += 1
        }
        return false
    }
}

extension InputFormat {
    /// MPEG audio: an ID3v2 tag, MPEG audio inside a RIFF/WAVE file (format tags 0x55,
    /// 0x50), or eight chained frames are as good as a magic number (an MP3 renamed
    /// `.alaw` is an MP3); a lone frame sync found by scanning is weaker than a headerless
    /// name.
    public static let mpegAudio = InputFormat(
        name: "MPEG audio", extensions: ["mp3", "mp2", "mp1", "mpa"],
        probe: { head, _ in
            if head.count >= 3 && head[0] == 0x49 && head[1] == 0x44 && head[2] == 0x33 { return Match(.magic) }   // "ID3"
            if let wav = WAVHeaderScan(head), wav.formatTag == 0x0055 || wav.formatTag == 0x0050 { return Match(.magic) }
            if MPEGFrameHeader.longestChain(head, atLeast: 8) >= 8 { return Match(.magic) }
            return MPEGFrameHeader.syncFound(head) ? Match(.sniffed) : nil
        },
        open: { bytes, request, _ in
            // Reduced-rate synthesis needs the file scanned first (see MP3Source.init): a
            // pipe is spooled, so it decodes exactly as the same file named on disk would.
            let reduced = request.lowestUsefulRate != nil && !bytes.isSeekable
            return try MP3Source(bytes: reduced ? bytes.spooled() : bytes, request: request)
        })
}
