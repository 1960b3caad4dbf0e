import Foundation
import Testing
@testable import AudioIO
import G711

let losslessFormats: [String] = [
    "speech-22k.flac", "speech-22k.aiff", "speech-22k.au", "speech-22k.caf", "speech-22k.w64", "speech-22k.rf64",
    "speech-22k-float.wav", "speech-22k-double.wav", "speech-22k-float.aifc", "speech-22k-s32.wav", "speech-22k-u8.wav",
    ]

@Suite("libsndfile formats")
struct SndFileFormatTests {
    /// The same 1.5 s stereo 22.05 kHz clip in every container; compared with FLAC's decode by ffmpeg.
    @Test("every format decodes to the same audio", arguments: losslessFormats)
    func lossless(name: String) throws {
        let tolerance = name.contains("u8") ? 2.0 / 128 : 1.0 / 32768   // sox dithers when it writes 8 bits
        let source = try AudioDecoder.open(fixture("formats/" + name))
        #expect(source.sampleRate == 22050)
        #expect(source.channels == 2)
        #expect(source.frameCount == 33075)
        let got = try decodeAll(source)
        let reference = try readS16(fixture("reference/speech-22k-flac.s16"))
        #expect(got.count == reference.count)
        let worst = zip(got, reference).map { abs(Double($0) - Double($1)) }.max() ?? 1
        #expect(worst <= tolerance, "largest difference \(worst)")
    }

    @Test("lossy, multichannel and telephony encodings decode with the right shape")
    func otherEncodings() throws {
        let ext = try AudioDecoder.open(fixture("formats/speech-22k-extensible.wav"))
        #expect(ext.channels == 4 && ext.formatDescription.contains("extensible"))
        let ref = try readS16(fixture("reference/speech-22k-flac.s16"))
        let four = try decodeAll(ext)
        let left = stride(from: 0, to: four.count, by: 4).map { four[$0] }
        let refLeft = stride(from: 0, to: ref.count, by: 2).map { ref[$0] }
        #expect(left.count == refLeft.count)
        #expect(snr(left, refLeft) > 90)
        for (path, rate, frames) in [("formats/speech-48k-24bit.wav", 48000, 72000), ("formats/speech-8k-alaw.wav", 8000, 12000),
                                     ("formats/speech-8k-ulaw.wav", 8000, 12000)] {
            let s = try AudioDecoder.open(fixture(path))
            #expect(s.sampleRate == rate && s.frameCount == frames, "\(path)")
            #expect(try decodeAll(s).count == frames * s.channels)
        }
        for path in ["formats/speech-22k.ogg", "formats/speech-opus.opus"] {
            let s = try AudioDecoder.open(fixture(path))
            let x = try decodeAll(s)
            let seconds = Double(x.count / s.channels) / Double(s.sampleRate)
            #expect(abs(seconds - 1.5) < 0.01, "\(path): \(seconds) s")
        }
    }
}

@Suite("MP3 through libmpg123")
struct MP3DecoderTests {
    /// LAME-encoded files decode to exactly the samples that went into the encoder.
    @Test("gapless: decoded length equals the encoder's input", arguments: [
        ("speech/speech-44k-cbr128.mp3", 44100, 176_400), ("speech/speech-44k-vbr.mp3", 44100, 176_400),
        ("speech/speech-48k-abr.mp3", 48000, 192_000), ("speech/speech-16k-mpeg2.mp3", 16000, 64000),
        ("speech/speech-8k-mpeg25.mp3", 8000, 32000), ("speech/speech-id3-cover.mp3", 44100, 176_400),
        ("speech/mp3-named.wav", 44100, 176_400), ("sample/welcome.mp3", 44100, 402_052),
    ])
    func gapless(path: String, rate: Int, frames: Int) throws {
        let s = try AudioDecoder.open(fixture(path))
        #expect(s is MP3Source)
        #expect(s.sampleRate == rate)
        #expect(try decodeAll(s).count / s.channels == frames)
        #expect(s.warnings.isEmpty, "\(s.warnings)")
    }

    @Test("content matches an independent decoder (ffmpeg)", arguments: [
        "speech-44k-cbr128", "speech-44k-vbr", "speech-16k-mpeg2",
    ])
    func content(name: String) throws {
        let got = try decodeAll(try AudioDecoder.open(fixture("speech/\(name).mp3")))
        let reference = try readS16(fixture("reference/\(name).s16"))
        #expect(got.count == reference.count)
        // The reference is 16-bit: its own rounding noise (-101 dBFS against speech at -23 dBFS
        // RMS) caps the measurable SNR near 78 dB. Two correct float decoders reach that cap.
        #expect(snr(got, reference) > 75, "SNR \(snr(got, reference)) dB")
    }

    @Test("every MPEG flavour decodes: Layer II, free format, MP3 inside RIFF")
    func flavours() throws {
        for (path, text) in [("speech/speech-44k-layer2.mp2", "Layer II"), ("speech/speech-44k-freeformat.mp3", "free format"),
                             ("speech/mp3-in-riff.wav", "Layer III"), ("speech/speech-8k-mpeg25.mp3", "MPEG-2.5"),
                             ("speech/speech-16k-mpeg2.mp3", "MPEG-2 "), ("speech/speech-44k-vbr.mp3", "VBR"),
                             ("speech/speech-48k-abr.mp3", "ABR")] {
            let s = try AudioDecoder.open(fixture(path))
            #expect(s.formatDescription.contains(text), "\(path): \(s.formatDescription)")
            let seconds = Double(try decodeAll(s).count / s.channels) / Double(s.sampleRate)
            #expect(abs(seconds - 4.0) < 0.1, "\(path): \(seconds) s")
        }
    }

    @Test("Layer I (hand-made frames: no Debian tool encodes it) decodes to 384 samples a frame")
    func layerI() throws {
        let s = try AudioDecoder.open(fixture("speech/silence-layer1.mp1"))
        #expect(s.formatDescription.hasPrefix("MP3 (MPEG-1 Layer I,"))
        let x = try decodeAll(s)
        #expect(x.count == 100 * 384 && x.allSatisfy { $0 == 0 })
    }

    @Test("a rate change in mid-stream is refused with a clear error, same-format joins decode through")
    func midStreamChange() throws {
        do {
            _ = try decodeAll(try AudioDecoder.open(fixture("bad/rate-change.mp2")))
            Issue.record("decoded a stream that changes rate")
        } catch let e as AudioIOError {
            #expect(e.kind == .formatChange)
            #expect(e.description.contains("the stream changes from 16000 Hz 1 ch to 44100 Hz 2 ch"), "\(e)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-join-\(UUID().uuidString).mp3")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = try Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-44k-cbr128.mp3")))
        try (a + a).write(to: dir)
        let s = try AudioDecoder.open(dir.path)
        let seconds = Double(try decodeAll(s).count / 2) / 44100
        #expect(seconds > 7.9 && seconds < 8.2, "\(seconds) s")
    }

    @Test("a known signal through LAME and back keeps its exact length")
    func lameRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-lame-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (rate, frames) in [(44100, 12345), (8000, 9999), (22050, 777)] {
            let path = dir.appendingPathComponent("t\(rate).mp3").path
            let x = (0..<frames).map { Float(0.4 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) }
            let w = try MP3Writer(file: try OutputFile(path: path, overwrite: false), sampleRate: rate, companding: false)
            try x.withUnsafeBufferPointer { try w.write($0) }
            try w.finish()
            let y = try decodeAll(try AudioDecoder.open(path))
            #expect(y.count == frames, "\(rate) Hz")
            if frames > 1000 { #expect(snr(y, x) > 20, "\(rate) Hz: SNR \(snr(y, x))") }
        }
    }

    /// Segments of 16 frames, so every fixture spans many of them (the default is ~1 MiB).
    @Test("decoding in segments on several threads is bit-identical to one pass", arguments: [
        "speech/speech-44k-cbr128.mp3", "speech/speech-44k-vbr.mp3", "speech/speech-48k-abr.mp3",
        "speech/speech-id3-cover.mp3",
        "speech/speech-44k-freeformat.mp3",
        "music/music-44k-cbr128.mp3", "sample/welcome.mp3",
    ], [MP3DecodeHints.full, MP3DecodeHints(monoMix: true, minimumRate: 11025), MP3DecodeHints(monoMix: true, minimumRate: 22050),
        MP3DecodeHints(monoMix: false, minimumRate: 11025)])
    func segmentsAreExact(path: String, hints: MP3DecodeHints) throws {
        let one = try MP3Source(bytes: ByteSource(path: fixture(path)), hints: hints)
        let reference = try decodeAll(one)
        for (threads, frames) in [(2, 16), (3, 32)] {
            var parallel = hints
            parallel.threads = threads
            parallel.segmentFrames = frames
            let source = try MP3Source(bytes: ByteSource(path: fixture(path)), hints: parallel)
            #expect(source.decodesInSegments)
            let got = try decodeAll(source, block: 777)
            #expect(got.count == reference.count, "\(threads) threads: \(got.count) vs \(reference.count) samples")
            let first = zip(got, reference).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            #expect(first == nil, "\(threads) threads: first difference at sample \(first ?? 0) of \(got.count)")
            #expect(source.warnings == one.warnings)
        }
    }

    @Test("segmented decoding: a rate change is still an error, a truncated file still a warning, pipes decode in line")
    func segmentsKeepTheErrors() throws {
        var hints = MP3DecodeHints.full
        hints.threads = 2
        hints.segmentFrames = 16
        // Two MPEG-1 Layer III files joined: 44.1 kHz, then 48 kHz.
        var joined = try Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-44k-cbr128.mp3")))
        joined.append(try Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-48k-abr.mp3"))))
        let joinedPath = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-joined-\(UUID().uuidString).mp3").path
        try joined.write(to: URL(fileURLWithPath: joinedPath))
        defer { try? FileManager.default.removeItem(atPath: joinedPath) }
        let change = try MP3Source(bytes: ByteSource(path: joinedPath), hints: hints)
        #expect(change.decodesInSegments)
        let error = #expect(throws: AudioIOError.self) { _ = try decodeAll(change) }
        #expect(error?.kind == .formatChange, "\(String(describing: error))")
        #expect(error?.description.contains("44100 Hz 2 ch to 48000 Hz 2 ch") == true, "\(String(describing: error))")
        let truncated = try MP3Source(bytes: ByteSource(path: fixture("bad/truncated.mp3")), hints: hints)
        let sequential = try MP3Source(bytes: ByteSource(path: fixture("bad/truncated.mp3")))
        #expect(try decodeAll(truncated) == decodeAll(sequential))
        #expect(truncated.warnings == sequential.warnings)
        // Zeroed blocks in the middle (a damaged download). At 40000 the decoder resyncs
        // on the next frame; at 30000 it first meets bogus "frames" claiming 48 kHz mono
        // inside the audio data: damage, not a change of format, so they are skipped with
        // a warning. One pass and segments give the same length and warnings; the frames
        // lost to the damage shift the one-pass decoder's synthesis ring, so from there on
        // the two differ in the last float bit (2^-24, -144 dBFS), never more.
        let truncation: @Sendable (DecodeWarning) -> Bool = { if case .truncated = $0 { true } else { false } }
        let damage: @Sendable (DecodeWarning) -> Bool = {
            guard case let .damagedFrames(at, rate, skipped?, 48000, 1) = $0 else { return false }
            return abs(Double(at) / Double(rate) - 1.83) < 0.005 && abs(skipped - 0.008) < 0.0005
        }
        for (offset, warning) in [(40_000, truncation), (30_000, damage)] {
            var damaged = try Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-44k-cbr128.mp3")))
            damaged.replaceSubrange(offset..<(offset + 1500), with: Data(count: 1500))
            let damagedPath = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-damaged-\(UUID().uuidString).mp3").path
            try damaged.write(to: URL(fileURLWithPath: damagedPath))
            defer { try? FileManager.default.removeItem(atPath: damagedPath) }
            let whole = try MP3Source(bytes: ByteSource(path: damagedPath))
            let pieces = try MP3Source(bytes: ByteSource(path: damagedPath), hints: hints)
            #expect(pieces.decodesInSegments)
            let (a, b) = (try decodeAll(whole), try decodeAll(pieces))
            #expect(a.count == b.count && a.count > 300_000, "\(a.count) vs \(b.count)")
            #expect(whole.warnings == pieces.warnings, "\(whole.warnings) / \(pieces.warnings)")
            #expect(whole.warnings.contains(where: warning), "\(whole.warnings)")
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 6e-8, "largest difference \(worst)")
        }
        // Layer I/II and MPEG-2/2.5 decode in line (see MP3Source: not bit-identical in segments).
        for path in ["speech/speech-44k-layer2.mp2", "speech/silence-layer1.mp1", "speech/speech-16k-mpeg2.mp3", "speech/speech-8k-mpeg25.mp3"] {
            #expect(try !MP3Source(bytes: ByteSource(path: fixture(path)), hints: hints).decodesInSegments, "\(path)")
        }
        // A pipe cannot seek: in line too.
        let readEnd = try feedPipe(Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-44k-cbr128.mp3"))))
        defer { close(readEnd) }
        let piped = try MP3Source(bytes: ByteSource(path: "/dev/fd/\(readEnd)"), hints: hints)
        #expect(!piped.decodesInSegments)
        #expect(try decodeAll(piped) == decodeAll(MP3Source(bytes: ByteSource(path: fixture("speech/speech-44k-cbr128.mp3")))))
    }

    @Test("reduced-rate synthesis and mono mix are chosen from the stream rate")
    func fastPathChoice() throws {
        let narrowband = MP3DecodeHints(DecodeRequest(lowestUsefulRate: 10667, monoWanted: true))
        let quarter = try MP3Source(bytes: ByteSource(path: fixture("speech/speech-44k-cbr128.mp3")), hints: narrowband)
        #expect(quarter.rateDivisor == 4 && quarter.sampleRate == 11025 && quarter.channels == 1)
        let h = try MP3Source(bytes: ByteSource(path: fixture("speech/speech-44k-cbr128.mp3")), hints: MP3DecodeHints(monoMix: false, minimumRate: 22050))
        #expect(h.rateDivisor == 2 && h.sampleRate == 22050 && h.channels == 2)
        let full = try MP3Source(bytes: ByteSource(path: fixture("speech/speech-16k-mpeg2.mp3")), hints: narrowband)
        #expect(full.rateDivisor == 1 && full.sampleRate == 16000)
        let tagged = try MP3Source(bytes: ByteSource(path: fixture("speech/speech-id3-cover.mp3")), hints: narrowband)
        #expect(tagged.rateDivisor == 4, "the rate is found past 130 KB of ID3v2 cover art")
    }
}

@Suite("Raw input and Asterisk prompt files")
struct RawInputTests {
    @Test("Asterisk extensions are read as headerless prompts")
    func asteriskExtensions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-raw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let codes = (0...255).map { UInt8($0) }
        for (ext, law) in [("alaw", G711Law.aLaw), ("al", .aLaw), ("alw", .aLaw), ("ulaw", .muLaw), ("ul", .muLaw),
                           ("mu", .muLaw), ("ulw", .muLaw), ("pcm", .muLaw)] {
            let path = dir.appendingPathComponent("p.\(ext)").path
            try Data(codes).write(to: URL(fileURLWithPath: path))
            let s = try AudioDecoder.open(path)
            #expect(s.sampleRate == 8000 && s.channels == 1 && s.frameCount == 256)
            #expect(try decodeAll(s, block: 100) == law.decodeToFloat(codes), ".\(ext)")
        }
        let pcm: [Int16] = [0, 1, -1, 32767, -32768, 1234]
        let bytes = pcm.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        for (ext, rate) in [("sln", 8000), ("slin", 8000), ("raw", 8000), ("sln16", 16000)] {
            let path = dir.appendingPathComponent("p.\(ext)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let s = try AudioDecoder.open(path)
            #expect(s.sampleRate == rate)
            #expect(try decodeAll(s) == pcm.map { Float($0) / 32768 })
        }
        // Explicit parameters: big-endian 16-bit stereo at 11025 Hz.
        let path = dir.appendingPathComponent("x.bin").path
        try Data([0x12, 0x34, 0xFF, 0xFE, 0x00, 0x01]).write(to: URL(fileURLWithPath: path))
        let s = try AudioDecoder.open(path, request: DecodeRequest(raw: RawFormat(encoding: .s16be, sampleRate: 11025, channels: 2)))
        #expect(try decodeAll(s) == [Float(0x1234) / 32768, -2 / 32768])
        #expect(s.warnings == [.trailingBytes(2)])
    }

    @Test("standard input and pipes work, for WAV (also past the 1 MiB retained head), MP3, FLAC, Ogg, AIFF")
    func pipes() throws {
        // A 2.8 MB WAV: libsndfile "jumps over" the data chunk of any virtual file; on a
        // pipe that used to swallow the stream and truncate the audio silently.
        let small = try Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-44k-stereo.wav")))
        let body = small.dropFirst(44)
        var big = Data(small.prefix(44))
        big.append(body); big.append(body); big.append(body); big.append(body)
        let n = UInt32(body.count * 4)
        big.replaceSubrange(40..<44, with: withUnsafeBytes(of: n.littleEndian) { Data($0) })
        big.replaceSubrange(4..<8, with: withUnsafeBytes(of: (n + 36).littleEndian) { Data($0) })
        let bigPath = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-big-\(UUID().uuidString).wav").path
        try big.write(to: URL(fileURLWithPath: bigPath))
        defer { try? FileManager.default.removeItem(atPath: bigPath) }
        for path in [bigPath, fixture("speech/speech-44k-vbr.mp3"), fixture("formats/speech-22k.flac"),
                     fixture("formats/speech-22k.ogg"), fixture("formats/speech-22k.aiff")] {
            let readEnd = try feedPipe(Data(contentsOf: URL(fileURLWithPath: path)))
            let fromPipe = try AudioDecoder.open("/dev/fd/\(readEnd)")
            let viaPipe = try decodeAll(fromPipe)
            close(readEnd)
            let direct = try decodeAll(try AudioDecoder.open(path))
            #expect(viaPipe.count == direct.count && viaPipe == direct, "\(path): \(viaPipe.count) vs \(direct.count)")
        }
    }
}

@Suite("Bad input: one-line errors, never a crash")
struct BadInputTests {
    @Test("each bad fixture gets the right error", arguments: [
        ("bad/empty.wav", AudioIOError.Kind.empty, "empty"),
        ("bad/random.mp3", .notAudio, "not a recognised audio format"),
        ("bad/notes.wav", .notAudio, "looks like text"),
        ("bad/absurd-rate.wav", .unsupported, "sample rate 3 Hz"),
        ("bad/absurd-channels.wav", .unsupported, "1000 channels"),
        ("no/such/file.wav", .notFound, "no such file"),
        ("bad", .isDirectory, "is a directory"),
    ])
    func errors(path: String, kind: AudioIOError.Kind, text: String) {
        do {
            _ = try decodeAll(try AudioDecoder.open(fixture(path)))
            Issue.record("\(path) opened")
        } catch let e as AudioIOError {
            #expect(e.kind == kind, "\(e)")
            #expect(e.description.contains(text), "\(e)")
            #expect(e.description.hasPrefix(fixture(path)), "names the file")
            #expect(!e.description.contains("\n"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("an unreadable file is named with the reason (as root, /proc/self/mem fails every read at 0)")
    func unreadable() {
        do {
            _ = try AudioDecoder.open("/proc/self/mem")
            Issue.record("opened")
        } catch let e as AudioIOError {
            #expect(e.kind == .unreadable && e.description.hasPrefix("/proc/self/mem: cannot read:"), "\(e)")
        } catch { Issue.record("\(error)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-perm-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(FileManager.default.createFile(atPath: dir.path, contents: Data([1, 2, 3]), attributes: [.posixPermissions: 0]))
        if getuid() != 0 { // root reads anything; elsewhere a mode-000 file must fail to open
            #expect(throws: AudioIOError.self) { try AudioDecoder.open(dir.path) }
        }
    }

    @Test("truncated files decode what is there and warn", arguments: [
        ("bad/truncated.mp3", 0.2...0.4), ("bad/truncated.wav", 0.2...0.3), ("bad/huge-claim.wav", 0.06...0.07),
    ])
    func truncated(path: String, seconds: ClosedRange<Double>) throws {
        let s = try AudioDecoder.open(fixture(path))
        let got = Double(try decodeAll(s).count / s.channels) / Double(s.sampleRate)
        #expect(seconds.contains(got), "\(got) s")
        #expect(s.warnings.contains { if case .truncated = $0 { true } else { false } }, "\(s.warnings)")
    }

    @Test("NaN and infinite float samples are passed on for the pipeline to guard")
    func nonFinite() throws {
        let x = try decodeAll(try AudioDecoder.open(fixture("bad/nan-inf.wav")))
        #expect(x.filter(\.isNaN).count == 10)
        #expect(x.filter(\.isInfinite).count == 10)
    }

    @Test("detection never trusts the extension alone")
    func detection() {
        #expect(AudioDecoder.detect(Array("hello world, this is text".utf8), fileExtension: "mp3") == .text)
        #expect(AudioDecoder.detect([0x00, 0x01, 0xFE, 0x80, 0x99], fileExtension: "wav") == .unknown)
        #expect(AudioDecoder.detect([0x00, 0x01, 0xFE, 0x80, 0x99], fileExtension: "alaw")
                == .format(.asteriskRaw, InputFormat.Match(.fileExtension, raw: RawFormat(encoding: .alaw, sampleRate: 8000))))
        // A magic number beats the extension, and so do eight chained MPEG frames; a lone
        // frame sync found by scanning (two frames here) does not.
        let wav = [UInt8](FileManager.default.contents(atPath: fixture("speech/speech-8k-mono.wav"))!.prefix(4096))
        #expect(AudioDecoder.detect(wav, fileExtension: "alaw") == .format(.sndfile, InputFormat.Match(.magic, promisedFrames: 32000)))
        let file = [UInt8](FileManager.default.contents(atPath: fixture("speech/speech-44k-cbr128.mp3"))!)
        let start = file.firstIndex(of: 0xFF)!                      // past the LAME tag's leading bytes, if any
        let twoFrames = Array(file[start..<(start + 900)]), many = Array(file.prefix(8192))
        if case let .format(f, _) = AudioDecoder.detect(twoFrames, fileExtension: "alaw") { #expect(f == .asteriskRaw) } else { Issue.record("not raw") }
        if case let .format(f, _) = AudioDecoder.detect(twoFrames, fileExtension: "bin") { #expect(f == .mpegAudio) } else { Issue.record("not MPEG") }
        if case let .format(f, m) = AudioDecoder.detect(many, fileExtension: "alaw") { #expect(f == .mpegAudio && m.evidence == .magic) } else { Issue.record("not MPEG") }
    }
}

@Suite("Byte source")
struct ByteSourceTests {
    /// Random reads (1 byte to past the 64 KiB buffer) and seeks (inside and outside the
    /// buffer, from start, current and end) give exactly the file's bytes and offsets.
    @Test("buffered reads and seeks match the file byte for byte")
    func bufferedReadsAndSeeks() throws {
        let path = fixture("speech/speech-44k-stereo.wav")
        let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let source = try ByteSource(path: path)
        #expect(source.isSeekable)
        var rng = SplitMix(seed: 2024)
        var position = 0
        for step in 0..<2000 {
            switch rng.next() % 4 {
            case 0, 1:
                let count = Int(rng.next() % (rng.next() % 2 == 0 ? 700 : 150_000)) + 1
                var got = [UInt8](repeating: 0, count: count)
                let n = got.withUnsafeMutableBytes { source.read($0.baseAddress!, count) }
                let expected = max(0, min(count, file.count - position))
                #expect(n == expected, "step \(step): read \(n) of \(count) at \(position)")
                let from = min(position, file.count)     // seeking past the end is allowed; reads there give 0
                #expect(Array(got[0..<max(0, n)]) == Array(file[from..<(from + max(0, n))]), "step \(step)")
                position += max(0, n)
            case 2:
                let delta = Int(rng.next() % 140_000) - 70_000
                let target = position + delta
                let r = source.seek(Int64(delta), whence: SEEK_CUR)
                if target < 0 { #expect(r == -1) } else { #expect(r == Int64(target)); position = target }
            default:
                if rng.next() % 2 == 0 {
                    let target = Int(rng.next() % UInt64(file.count + 1))
                    #expect(source.seek(Int64(target), whence: SEEK_SET) == Int64(target))
                    position = target
                } else {
                    let back = Int(rng.next() % 5000)
                    #expect(source.seek(-Int64(back), whence: SEEK_END) == Int64(file.count - back))
                    position = file.count - back
                }
            }
            #expect(source.tell() == Int64(position), "step \(step)")
        }
    }

    @Test("the delay a reduced-rate decode declares is the one measured on a 1 kHz tone (phase against the full-rate decode)")
    func reducedRateDelayIsMeasured() throws {
        let path = fixture("tones/tone-1000-44k.mp3")
        /// Phase (radians) of the 1 kHz component over seconds 0.5 to 1.5 of the first channel.
        func phase(_ s: MP3Source) throws -> Double {
            let x = try decodeAll(s), ch = s.channels, rate = Double(s.sampleRate)
            var re = 0.0, im = 0.0
            for n in Int(0.5 * rate)..<Int(1.5 * rate) {
                let t = Double(n) / rate, v = Double(x[n * ch])
                re += v * cos(2 * .pi * 1000 * t)
                im -= v * sin(2 * .pi * 1000 * t)
            }
            return atan2(im, re)
        }
        let full = try phase(MP3Source(bytes: ByteSource(path: path)))
        for minimum in [22050, 11025] {
            let reduced = try MP3Source(bytes: ByteSource(path: path), hints: MP3DecodeHints(minimumRate: minimum))
            var d = full - (try phase(reduced))
            while d > .pi { d -= 2 * .pi }
            while d < -.pi { d += 2 * .pi }
            let measured = d / (2 * .pi * 1000)                                  // seconds the reduced decode lags
            let declared = Double(reduced.stream.delay.numerator) / Double(reduced.stream.delay.denominator) / Double(reduced.sampleRate)
            #expect(abs(measured - declared) < 0.1 / 44100, "measured \(measured * 44100) vs declared \(declared * 44100) samples at 44.1 kHz")
        }
    }

    @Test("a reduced-rate decode reports the length a full-rate decode gives, in one pass and in segments", arguments: [
        "speech/speech-44k-cbr128.mp3", "speech/speech-44k-vbr.mp3", "speech/speech-48k-abr.mp3", "speech/speech-id3-cover.mp3",
        "speech/speech-44k-freeformat.mp3", "music/music-44k-cbr128.mp3", "sample/welcome.mp3", "speech/speech-44k-layer2.mp2",
    ])
    func reducedRateLength(path: String) throws {
        let full = try MP3Source(bytes: ByteSource(path: fixture(path)))
        let frames = try decodeAll(full).count / full.channels
        for threads in [1, 2] {
            let hints = MP3DecodeHints(monoMix: true, minimumRate: 11025, threads: threads, segmentFrames: threads > 1 ? 16 : nil)
            let reduced = try MP3Source(bytes: ByteSource(path: fixture(path)), hints: hints)
            let decoded = try decodeAll(reduced).count
            let d = reduced.duration(decodedFrames: decoded)
            #expect(d.frames == frames && d.rate == full.sampleRate,
                    "\(path), \(threads) thread(s)\(reduced.decodesInSegments ? ", segments" : ""): \(d) vs \(frames) at \(full.sampleRate) Hz")
        }
    }
}
